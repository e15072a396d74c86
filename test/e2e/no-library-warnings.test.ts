// No library's warning reaches a user: a whole code flow (authorization, code exchange, refresh) through
// the real CLI, and through the fixture's authorize() in a process of its own (as a user's test suite
// runs it), writes nothing to stderr. oidc-provider warns once per process when it finds a request body
// already read (`oidc-provider WARNING: already parsed request body detected`), and we read every body
// first, within the one body limit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startCli, runNode } from '../helpers/cli.js';
import { authorize, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';

const RES = 'res_10000000000000001'; // the demo seed's Todo server
const DEMO_USER = { email: 'demo@example.com', password: 'emulator-password' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-warnings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('the CLI writes nothing to stderr through a code flow and a refresh', async () => {
  const cli = await startCli({ DATA_DIR: dir, LOG_LEVEL: 'info' });
  try {
    const issuer = `${cli.url}/resources/${RES}`;
    const clientId = await registerClient(cli.url, RES);
    const grant = await authorize(issuer, clientId, DEMO_USER, { scope: 'todo:read offline_access' });
    const exchanged = await exchange(issuer, clientId, grant);
    expect(exchanged.status).toBe(200);
    const { refresh_token } = (await exchanged.json()) as TokenSet;
    const refreshed = await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token, client_id: clientId });
    expect(refreshed.status).toBe(200);
  } finally {
    expect(await cli.stop()).toBe(0);
  }
  expect(cli.stderr()).toBe('');
  expect(cli.output()).not.toContain('oidc-provider');
});

it("the fixture's authorize() writes nothing to stderr, in a process of its own", async () => {
  const index = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url));
  const script = `
    import { startEmulator } from ${JSON.stringify(index)};
    const em = await startEmulator({ keys: 'fixed' });
    const tokens = await em.authorize({ scopes: ['todo:read', 'offline_access'] });
    const refreshed = await fetch(em.urls.resourceIssuer('${RES}') + '/oauth/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: JSON.parse(atob(tokens.access_token.split('.')[1])).client_id }),
    });
    await em.close();
    console.log('refresh', refreshed.status);`;
  const run = await runNode(['--input-type=module', '-e', script], { PATH: process.env.PATH ?? '' });
  expect(run).toEqual({ code: 0, stdout: 'refresh 200\n', stderr: '' });
});
