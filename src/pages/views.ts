// The templates of views/ (Eta: `<%= %>` escapes, `<%~ %>` is for HTML we built ourselves) and the one
// stylesheet, loaded once per app.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Eta } from 'eta';
import { packageFolder } from '../package-root.js';

export interface Views {
  dir: string;
  eta: Eta;
  stylesheet: string;
  render(view: string, model: object): string;
}

export function createViews(): Views {
  const dir = packageFolder('views');
  const eta = new Eta({ views: dir, cache: true });
  return {
    dir,
    eta,
    stylesheet: readFileSync(join(dir, 'assets', 'styles.css'), 'utf8'),
    render: (view, model) => eta.render(`./${view}`, model),
  };
}
