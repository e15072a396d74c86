// The templates of views/ (Eta: `<%= %>` escapes, `<%~ %>` is for HTML we built ourselves), the one
// stylesheet, the dashboard's and the login pages' small scripts and the favicon, loaded once per app.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Eta } from 'eta';
import { packageFolder } from '../package-root.js';

export interface Views {
  dir: string;
  eta: Eta;
  stylesheet: string;
  /** The dashboard's one script: copy buttons (pages work without it). */
  script: string;
  /** The tab icon of every page (SVG). */
  favicon: string;
  /** The login pages' passkey script (they work without it). */
  passkeyScript: string;
  render(view: string, model: object): string;
}

export function createViews(): Views {
  const dir = packageFolder('views');
  const eta = new Eta({ views: dir, cache: true });
  return {
    dir,
    eta,
    stylesheet: readFileSync(join(dir, 'assets', 'styles.css'), 'utf8'),
    script: readFileSync(join(dir, 'assets', 'dashboard.js'), 'utf8'),
    favicon: readFileSync(join(dir, 'assets', 'favicon.svg'), 'utf8'),
    passkeyScript: readFileSync(join(dir, 'assets', 'passkeys.js'), 'utf8'),
    render: (view, model) => eta.render(`./${view}`, model),
  };
}
