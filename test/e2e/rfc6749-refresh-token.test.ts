// Refresh tokens (RFC 6749 §6, OAuth 2.1 §4.3): issued when offline_access is asked, rotated on every use,
// reuse of a rotated token revokes the grant (after a short grace for a lost response), and a wrong
// `resource` is refused before the token is consumed, so a retry does not log the user out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ada, authorize, exchange, registerClient, startCodeFlowServer, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { ADA, basic, decodeJwt, ENV_CLIENT, postForm, type TestServer } from '../helpers/server.js';
import { REFRESH_GRACE_SECONDS } from '../../src/oidc/refresh-rotation.js';

let server: TestServer;
let issuer: string;
let clientId: string;
const RES = 'res_20000000000000001';

beforeAll(async () => ({ server, issuer, clientId } = await startCodeFlowServer(RES)));
afterAll(() => server.close());

async function tokensWith(params: Record<string, string | undefined>): Promise<TokenSet> {
  const grant = await authorize(issuer, clientId, ada, params);
  const res = await exchange(issuer, clientId, grant);
  expect(res.status).toBe(200);
  return (await res.json()) as TokenSet;
}

const refresh = (refreshToken: string | undefined, extra: Record<string, string> = {}) =>
  tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });

const errorOf = async (res: Response) => ({ status: res.status, error: ((await res.json()) as { error: string }).error });

/** What the MCP server's issuer says of a token, asked with the environment client's credentials (RFC 7662). */
const introspection = async (token: string) =>
  (await (await postForm(server.url, `/resources/${RES}/oauth/introspect`, { token }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) })).json()) as Record<string, unknown>;

const grantOf = async (accessToken: string) => {
  await server.app.store.issuedTokens.flush();
  return (await server.app.store.issuedTokens.get(String(decodeJwt(accessToken).payload.jti)))?.grantId;
};

/** Ada's tokens for a client of their own, so that the grant (and each refresh token of it) belongs to one test. */
async function ownGrant(): Promise<TokenSet & { clientId: string }> {
  const id = await registerClient(server.url, RES, { client_name: 'One-grant host' });
  const grant = await authorize(issuer, id, ada, { scope: 'todo:read offline_access' });
  const res = await exchange(issuer, id, grant);
  expect(res.status).toBe(200);
  return { clientId: id, ...((await res.json()) as TokenSet) };
}

const refreshAs = (client: string, refreshToken: string | undefined) => tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client });

/** The refresh tokens of a grant that are still unused: a chain has exactly one. */
const unusedRefreshTokens = async (grantId: string | undefined) =>
  (await server.db.get<{ n: number }>("SELECT count(*) AS n FROM oidc_payloads WHERE ns = ? AND model = 'RefreshToken' AND grant_id = ? AND consumed_at IS NULL", [RES, grantId]))!.n;

describe('offline_access', () => {
  it('gives a refresh token without prompt=consent', async () => {
    const tokens = await tokensWith({ scope: 'todo:read offline_access' });
    expect(tokens.refresh_token).toMatch(/^[\w-]{40,}$/);
  });

  it('gives a refresh token with prompt=consent', async () => {
    const tokens = await tokensWith({ scope: 'todo:read offline_access', prompt: 'consent' });
    expect(tokens.refresh_token).toMatch(/^[\w-]{40,}$/);
  });

  it('gives none without offline_access', async () => {
    const tokens = await tokensWith({ scope: 'todo:read' });
    expect(tokens).not.toHaveProperty('refresh_token');
  });

  it('gives none to a client registered without the refresh_token grant', async () => {
    const id = await registerClient(server.url, RES, { grant_types: ['authorization_code'] });
    const grant = await authorize(issuer, id, ada, { scope: 'todo:read offline_access' });
    const tokens = (await (await exchange(issuer, id, grant)).json()) as TokenSet;
    expect(tokens).not.toHaveProperty('refresh_token');
  });
});

describe('rotation', () => {
  it('answers a refresh with a new access token and a new refresh token, same user, server and scopes', async () => {
    const first = await tokensWith({ scope: 'todo:read offline_access' });
    const res = await refresh(first.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const second = (await res.json()) as TokenSet;
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const a = decodeJwt(first.access_token).payload;
    const b = decodeJwt(second.access_token).payload;
    expect(b).toMatchObject({ sub: ADA.id, aud: a.aud, resid: RES, sid: a.sid, scopes: a.scopes, client_id: clientId });
    expect(b.jti).not.toBe(a.jti);
    await server.app.store.issuedTokens.flush();
    expect(await server.app.store.issuedTokens.get(String(b.jti))).toMatchObject({ grantType: 'refresh_token', subject: ADA.id });
  });

  it('accepts the rotated token again within the grace window (a lost response), not after', async () => {
    const first = await tokensWith({ scope: 'todo:read offline_access' });
    expect((await refresh(first.refresh_token)).status).toBe(200);
    const retry = await refresh(first.refresh_token);
    expect(retry.status).toBe(200);
    const next = (await retry.json()) as TokenSet;

    // Past the grace window, reuse of the rotated token revokes the whole grant.
    server.clock.advance(`${REFRESH_GRACE_SECONDS + 5}s`);
    try {
      expect(await errorOf(await refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
      expect(await errorOf(await refresh(next.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    } finally {
      server.clock.reset();
    }
  });
});

describe('RFC 9700 §4.14.2: a retry within the grace window, and reuse after it', () => {
  it('answers a retry within the grace window with the SAME successor and an access token of the same grant: one chain', async () => {
    const first = await ownGrant();
    const refresh = (token: string | undefined) => refreshAs(first.clientId, token);
    const grantId = await grantOf(first.access_token);
    const rotated = (await (await refresh(first.refresh_token)).json()) as TokenSet;
    server.clock.advance(`${REFRESH_GRACE_SECONDS - 5}s`);
    try {
      const retry = await refresh(first.refresh_token);
      expect(retry.status).toBe(200);
      const again = (await retry.json()) as TokenSet;
      expect(again.refresh_token).toBe(rotated.refresh_token);
      expect(decodeJwt(again.access_token).payload.jti).not.toBe(decodeJwt(rotated.access_token).payload.jti);
      expect(await grantOf(again.access_token)).toBe(grantId);
      expect(await unusedRefreshTokens(grantId)).toBe(1);
      // A third try is answered alike.
      expect(((await (await refresh(first.refresh_token)).json()) as TokenSet).refresh_token).toBe(rotated.refresh_token);
      expect(await unusedRefreshTokens(grantId)).toBe(1);
    } finally {
      server.clock.reset();
    }
  });

  it('answers two refreshes sent at once with the same token alike: one successor, one chain', async () => {
    const first = await ownGrant();
    const refresh = (token: string | undefined) => refreshAs(first.clientId, token);
    const answers = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const [a, b] = (await Promise.all(answers.map((r) => r.json()))) as TokenSet[];
    expect(b!.refresh_token).toBe(a!.refresh_token);
    expect(await unusedRefreshTokens(await grantOf(first.access_token))).toBe(1);
  });

  it('cannot fork the chain: once the successor was used, the older token is reuse and the grant ends, even within the window', async () => {
    const first = await ownGrant();
    const refresh = (token: string | undefined) => refreshAs(first.clientId, token);
    const second = (await (await refresh(first.refresh_token)).json()) as TokenSet;
    const third = (await (await refresh(second.refresh_token)).json()) as TokenSet;
    expect(await errorOf(await refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await errorOf(await refresh(third.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    for (const token of [first, second, third]) expect(await introspection(token.access_token)).toEqual({ active: false });
  });

  it('reuse past the grace window ends the grant: every access and refresh token of it introspects {"active":false}', async () => {
    const first = await ownGrant();
    const refresh = (token: string | undefined) => refreshAs(first.clientId, token);
    const second = (await (await refresh(first.refresh_token)).json()) as TokenSet;
    expect(await introspection(second.access_token)).toMatchObject({ active: true });
    server.clock.advance(`${REFRESH_GRACE_SECONDS + 5}s`);
    try {
      expect(await errorOf(await refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
      for (const token of [first.access_token, second.access_token, second.refresh_token!]) expect(await introspection(token)).toEqual({ active: false });
      expect(await errorOf(await refresh(second.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });
    } finally {
      server.clock.reset();
    }
  });
});

describe('RFC 8707 resource on refresh', () => {
  it('refuses another resource with invalid_target before consuming the token: the retry still works', async () => {
    const tokens = await tokensWith({ scope: 'todo:read offline_access' });
    expect(await errorOf(await refresh(tokens.refresh_token, { resource: 'https://other.example/mcp' }))).toEqual({ status: 400, error: 'invalid_target' });
    // Past the grace window, so only a token that was never consumed can still work.
    server.clock.advance(`${REFRESH_GRACE_SECONDS + 5}s`);
    const retry = await refresh(tokens.refresh_token, { resource: 'http://localhost:3002' }).finally(() => server.clock.reset());
    expect(retry.status).toBe(200);
    expect(decodeJwt(((await retry.json()) as TokenSet).access_token).payload.aud).toEqual(['http://localhost:3002/', RES]);
  });
});
