// RFC 6749 §5.1: the token response's `scope` names the scopes of the access token issued. Our JWTs list
// the resource's scopes and the OpenID scopes the person granted (offline_access, openid, ...), as
// Scalekit's do; the response must say the same, for both grants oidc-provider answers. (The environment's
// issuer: oidc-environment.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ada, authorize, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { decodeJwt, startTestServer, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const scopeOf = (accessToken: string) => decodeJwt(accessToken).payload.scope;

describe("an MCP server's issuer: the response's scope is the token's", () => {
  it.each(['todo:read offline_access', 'openid todo:read offline_access', 'todo:read todo:write'])('asked %j: code grant, then refresh', async (asked) => {
    const issuer = `${server.url}/resources/${RES}`;
    const clientId = await registerClient(server.url, RES);
    const res = await exchange(issuer, clientId, await authorize(issuer, clientId, ada, { scope: asked }));
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as TokenSet;
    expect(tokens.scope).toBe(scopeOf(tokens.access_token));
    expect(tokens.scope!.split(' ').sort()).toEqual(asked.split(' ').sort());
    if (!tokens.refresh_token) return;
    const refreshed = (await (await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId })).json()) as TokenSet;
    expect(refreshed.scope).toBe(scopeOf(refreshed.access_token));
    expect(refreshed.scope).toBe(tokens.scope);
  });
});
