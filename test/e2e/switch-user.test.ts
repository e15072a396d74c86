// Switching the person signed in, at every issuer (issue 13, item 8): a browser signed in as Ada asks
// again with prompt=login and Bob signs in. oidc-provider ends Ada's session first (it posts its own
// logout form to `<issuer>/oidc/logout/confirm`), then Bob's sign-in goes on to his code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedInput } from '../../src/config/seed.js';
import { MiniBrowser, type PersonAnswers } from '../helpers/browser.js';
import { ada, authorize, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { dialectOf } from '../../src/store/sql/sql.js';
import { ADA, basic, decodeJwt, ENV_CLIENT, startTestServer, TEST_SEED, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
const BOB = { id: 'usr_20000000000000002', email: 'bob@example.com', password: 'bobs-own-password-42' };
const bob: PersonAnswers = { email: BOB.email, password: BOB.password };
const SEED: SeedInput = { ...TEST_SEED, users: [...TEST_SEED.users!, { id: BOB.id, email: BOB.email, name: 'Bob', password: BOB.password }] };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ seed: SEED });
});
afterAll(() => server.close());

/** The same browser (its cookies), now answered by another person. */
function handedTo(browser: MiniBrowser, person: PersonAnswers): MiniBrowser {
  const next = new MiniBrowser(person);
  for (const [name, value] of browser.cookies) next.cookies.set(name, value);
  return next;
}

/** Live sessions of a person at an issuer (oidc-provider's Session rows). */
const sessionsOf = async (ns: string, accountId: string) =>
  (await server.db.get<{ n: number }>(
    `SELECT count(*) AS n FROM oidc_payloads WHERE ns = ? AND model = 'Session' AND ${dialectOf(server.db).jsonText('payload', 'accountId')} = ? AND (expires_at IS NULL OR expires_at > ?)`,
    [ns, accountId, Math.floor(Date.now() / 1000)],
  ))!.n;

describe('prompt=login and another person, at an MCP server’s issuer', () => {
  it('ends Ada’s session and gives Bob’s token; the browser then stays signed in as Bob', async () => {
    const issuer = `${server.url}/resources/${RES}`;
    const clientId = await registerClient(server.url, RES, { client_name: 'Shared laptop host' });
    const first = await authorize(issuer, clientId, ada, { scope: 'todo:read' });
    expect(decodeJwt(((await (await exchange(issuer, clientId, first)).json()) as TokenSet).access_token).payload.sub).toBe(ADA.id);
    expect(await sessionsOf(RES, ADA.id)).toBe(1);

    const browser = handedTo(first.browser, bob);
    const switched = await authorize(issuer, clientId, bob, { scope: 'todo:read', prompt: 'login' }, browser);
    expect(switched.callback.searchParams.get('code')).toBeTruthy();
    const res = await exchange(issuer, clientId, switched);
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as TokenSet).access_token).payload.sub).toBe(BOB.id);
    expect(await sessionsOf(RES, ADA.id)).toBe(0);
    expect(await sessionsOf(RES, BOB.id)).toBe(1);

    // Signed in as Bob now: no sign-in page, and his token again.
    const seen = browser.pages.length;
    const again = await authorize(issuer, clientId, bob, { scope: 'todo:read' }, browser);
    expect(browser.pages.slice(seen).some((p) => p.html.includes('name="password"'))).toBe(false);
    expect(decodeJwt(((await (await exchange(issuer, clientId, again)).json()) as TokenSet).access_token).payload.sub).toBe(BOB.id);
  });

  it('serves only that step of logout: RP-initiated logout itself stays the environment’s', async () => {
    const res = await fetch(`${server.url}/resources/${RES}/oidc/logout`);
    expect(res.status).toBe(404);
  });
});

describe('prompt=login and another person, at the environment’s issuer', () => {
  it('ends Ada’s session and gives Bob’s token', async () => {
    const redeem = async (grant: { code: string; verifier: string }) =>
      (await (
        await tokenCall(server.url, { grant_type: 'authorization_code', code: grant.code, code_verifier: grant.verifier, redirect_uri: WEB_APP_CALLBACK }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) })
      ).json()) as TokenSet;
    const params = { redirect_uri: WEB_APP_CALLBACK, scope: 'openid' };
    const first = await authorize(server.url, ENV_CLIENT.id, ada, params);
    expect(decodeJwt((await redeem(first)).access_token).payload.sub).toBe(ADA.id);

    const switched = await authorize(server.url, ENV_CLIENT.id, bob, { ...params, prompt: 'login' }, handedTo(first.browser, bob));
    expect(switched.callback.href.startsWith(WEB_APP_CALLBACK)).toBe(true);
    expect(decodeJwt((await redeem(switched)).access_token).payload.sub).toBe(BOB.id);
    expect(await sessionsOf('env', ADA.id)).toBe(0);
  });
});
