// RFC 7009 token revocation at the environment's issuer and at an MCP server's, driven by openid-client
// (tokenRevocation) and by plain fetch for the errors. Whether a token is revoked is read back through
// introspection and the token endpoint; that an offline JWT check cannot see it, through the Scalekit SDK.
import { ScalekitClient } from '@scalekit-sdk/node';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedInput } from '../../src/config/seed.js';
import { ada, authorize, confidentialClientTokens, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { environmentToken, restCaller } from '../helpers/management.js';
import { ADA, AGENT, basic, clientCredentialsToken, decodeJwt, ENV_CLIENT, postForm, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
const TODO = 'http://localhost:3002/';
const OTHER_AGENT = { id: 'm2morg_20000000000000004', secret: 'other-secret-0123456789abcdef' };
const SEED: SeedInput = {
  ...TEST_SEED,
  clients: [
    ...TEST_SEED.clients!,
    { client_id: OTHER_AGENT.id, organization_id: 'org_20000000000000001', name: 'Other agent', scopes: ['todo:read'], audience: [TODO], plain_secret: OTHER_AGENT.secret },
  ],
};

let server: TestServer;
let asAgent: oidc.Configuration;
beforeAll(async () => {
  server = await startTestServer({ seed: SEED });
  asAgent = await oidc.discovery(new URL(server.url), AGENT.id, AGENT.secret, undefined, { execute: [oidc.allowInsecureRequests] });
});
afterAll(() => server.close());

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const tokenOf = (client: { id: string; secret: string }) => clientCredentialsToken(server.url, client);
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) => postForm(server.url, path, form, headers);
const activeAtEnvironment = async (token: string) =>
  ((await (await post('/oauth/introspect', { token }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) })).json()) as { active: boolean }).active;
const revokedAt = async (token: string) => {
  await server.app.store.issuedTokens.flush();
  return (await server.app.store.issuedTokens.get(String(decodeJwt(token).payload.jti)))?.revokedAt;
};

const userTokens = () => confidentialClientTokens(server.url, RES, { email: ADA.email, password: ADA.password });

describe('RFC 7009 §2.1: an access token (a JWT, by its jti)', () => {
  it('is revoked for its own client through openid-client: introspection says inactive, the row says when', async () => {
    const token = await tokenOf(AGENT);
    expect(await activeAtEnvironment(token)).toBe(true);
    // The row's time is in whole seconds: between the clock before and after the revocation, which
    // may fall on either side of a second's boundary.
    const before = Math.floor(server.clock.now() / 1000);
    await oidc.tokenRevocation(asAgent, token, { token_type_hint: 'access_token' });
    const after = Math.floor(server.clock.now() / 1000);
    expect(await activeAtEnvironment(token)).toBe(false);
    expect(await revokedAt(token)).toBeGreaterThanOrEqual(before);
    expect(await revokedAt(token)).toBeLessThanOrEqual(after);
    const audit = await restCaller(server.url, await environmentToken(server.url))('GET', `/audit-events?type=token.revoked&client_id=${AGENT.id}`);
    expect(audit.body.events).toContainEqual(expect.objectContaining({ type: 'token.revoked', target_id: decodeJwt(token).payload.jti }));
  });

  it('still passes an offline check (validateToken against /keys): a JWT cannot know it was revoked', async () => {
    const token = await tokenOf(AGENT);
    await oidc.tokenRevocation(asAgent, token);
    const scalekit = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
    await expect(scalekit.validateToken(token, { audience: [TODO] })).resolves.toMatchObject({ jti: decodeJwt(token).payload.jti });
  });

  it('answers 200 with an empty body and no-store, and leaves the other tokens of the client alone', async () => {
    const [revoked, kept] = [await tokenOf(AGENT), await tokenOf(AGENT)];
    const res = await post('/oauth/revoke', { token: revoked, client_id: AGENT.id, client_secret: AGENT.secret });
    expect([res.status, await res.text(), res.headers.get('cache-control')]).toEqual([200, '', 'no-store']);
    expect(await activeAtEnvironment(kept)).toBe(true);
  });
});

describe('RFC 7009 §2.1: a refresh token ends its grant', () => {
  it('its refresh token stops at once, the access tokens of the grant go inactive, the consent is gone', async () => {
    const { access_token, refresh_token, clientId, clientSecret } = await userTokens();
    const issuer = `${server.url}/resources/${RES}`;
    const res = await post(`/resources/${RES}/oauth/revoke`, { token: refresh_token!, token_type_hint: 'refresh_token' }, { authorization: basic(clientId, clientSecret) });
    expect(res.status).toBe(200);
    const refreshed = await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token, client_id: clientId, client_secret: clientSecret });
    expect([refreshed.status, ((await refreshed.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect(await activeAtEnvironment(access_token)).toBe(false);
    expect(await revokedAt(access_token)).toBeDefined();
    expect(await server.app.store.consents.list({ clientId })).toEqual([]);
  });

  it('is unknown at the environment’s issuer (another issuer’s token): 200, and the grant stays', async () => {
    const { refresh_token, clientId, clientSecret } = await userTokens();
    const res = await post('/oauth/revoke', { token: refresh_token! }, { authorization: basic(clientId, clientSecret) });
    expect(res.status).toBe(200);
    expect(await server.app.store.consents.list({ clientId })).toHaveLength(1);
    const refreshed = await tokenCall(`${server.url}/resources/${RES}`, { grant_type: 'refresh_token', refresh_token, client_id: clientId, client_secret: clientSecret });
    expect(refreshed.status).toBe(200);
  });
});

describe('RFC 7009 §2.2: invalid tokens are not an error', () => {
  it.each([
    ['an unknown string', async () => 'not-a-token'],
    ['an already revoked token', async () => {
      const token = await tokenOf(AGENT);
      await oidc.tokenRevocation(asAgent, token);
      return token;
    }],
    ['an expired token', async () => {
      server.clock.advance('-1801s'); // issued 1801 s ago: its 1800 s are over
      try {
        return await tokenOf(AGENT);
      } finally {
        server.clock.reset();
      }
    }],
    ['a JWT-shaped string that is not ours', async () => 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
  ])('%s: 200 and nothing changes', async (_name, make) => {
    const token = await make();
    const res = await post('/oauth/revoke', { token }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect([res.status, await res.text()]).toEqual([200, '']);
  });
});

describe('a client may revoke only its own tokens', () => {
  it('answers 400 unauthorized_client for another client’s active token (§2.1: "the request is refused"), which stays active', async () => {
    const theirs = await tokenOf(OTHER_AGENT);
    const res = await post('/oauth/revoke', { token: theirs }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'unauthorized_client', error_description: 'the token was not issued to this client' });
    expect(await activeAtEnvironment(theirs)).toBe(true);
    expect(await revokedAt(theirs)).toBeUndefined();
  });

  it('the environment’s own client is refused another client’s token too', async () => {
    const theirs = await tokenOf(AGENT);
    const res = await post('/oauth/revoke', { token: theirs }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) });
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'unauthorized_client']);
    expect(await activeAtEnvironment(theirs)).toBe(true);
  });
});

describe('RFC 7009 §2.1: a public client (an MCP host) revokes its own tokens by its client_id alone', () => {
  const issuer = () => `${server.url}/resources/${RES}`;
  /** A public client registered by DCR (token_endpoint_auth_method none) and Ada's tokens for it, with a refresh token. */
  const publicClientTokens = async () => {
    const clientId = await registerClient(server.url, RES, { client_name: 'Public MCP host' });
    const grant = await authorize(issuer(), clientId, ada, { scope: 'todo:read offline_access' });
    const res = await exchange(issuer(), clientId, grant);
    expect(res.status).toBe(200);
    return { clientId, ...((await res.json()) as TokenSet) };
  };
  const asPublicClient = (clientId: string) =>
    oidc.discovery(new URL(issuer()), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });

  it('revokes its refresh token with openid-client’s None() client authentication: the grant ends', async () => {
    const tokens = await publicClientTokens();
    await oidc.tokenRevocation(await asPublicClient(tokens.clientId), tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    const refreshed = await tokenCall(issuer(), { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: tokens.clientId });
    expect([refreshed.status, ((await refreshed.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect(await activeAtEnvironment(tokens.access_token)).toBe(false);
    expect(await server.app.store.consents.list({ clientId: tokens.clientId })).toEqual([]);
  });

  it('revokes its access token the same way', async () => {
    const tokens = await publicClientTokens();
    const res = await post(`/resources/${RES}/oauth/revoke`, { token: tokens.access_token, client_id: tokens.clientId });
    expect([res.status, await res.text()]).toEqual([200, '']);
    expect(await activeAtEnvironment(tokens.access_token)).toBe(false);
  });

  it('is refused another client’s token with 400 unauthorized_client, which stays active', async () => {
    const mine = await publicClientTokens();
    const theirs = await publicClientTokens();
    const agents = await tokenOf(AGENT);
    for (const token of [theirs.access_token, theirs.refresh_token!, agents]) {
      const res = await post(`/resources/${RES}/oauth/revoke`, { token, client_id: mine.clientId });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'unauthorized_client', error_description: 'the token was not issued to this client' });
    }
    expect(await activeAtEnvironment(theirs.access_token)).toBe(true);
    expect(await activeAtEnvironment(agents)).toBe(true);
    const refreshed = await tokenCall(issuer(), { grant_type: 'refresh_token', refresh_token: theirs.refresh_token, client_id: theirs.clientId });
    expect(refreshed.status).toBe(200);
  });

  it('a confidential client’s client_id without its secret, and an unknown client_id: the same 401 invalid_client, nothing revoked', async () => {
    const token = await tokenOf(AGENT);
    const confidential = await post('/oauth/revoke', { token, client_id: AGENT.id });
    const unknown = await post('/oauth/revoke', { token, client_id: 'm2morg_29999999999999999' });
    for (const res of [confidential, unknown]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    }
    const user = await userTokens(); // a confidential DCR client (client_secret_post)
    const withoutSecret = await post(`/resources/${RES}/oauth/revoke`, { token: user.refresh_token!, client_id: user.clientId });
    expect([withoutSecret.status, ((await withoutSecret.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
    expect(await activeAtEnvironment(token)).toBe(true);
    expect(await activeAtEnvironment(user.access_token)).toBe(true);
  });
});

describe('client authentication and bad requests', () => {
  it('answers 401 invalid_client without credentials and with a wrong secret', async () => {
    const token = await tokenOf(AGENT);
    const none = await post('/oauth/revoke', { token });
    expect([none.status, ((await none.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
    const wrong = await post('/oauth/revoke', { token }, { authorization: basic(AGENT.id, 'not-the-secret-0123456789') });
    expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, `Basic realm="${server.url}"`]);
    expect(await activeAtEnvironment(token)).toBe(true);
  });

  it('answers 400 invalid_request without a token or with it twice, 405 to GET', async () => {
    const auth = { authorization: basic(AGENT.id, AGENT.secret) };
    expect(await (await post('/oauth/revoke', {}, auth)).json()).toEqual({ error: 'invalid_request', error_description: "missing required parameter 'token'" });
    const twice = await fetch(`${server.url}/oauth/revoke`, { method: 'POST', headers: { ...FORM, ...auth }, body: 'token=a&token=b' });
    expect([twice.status, await twice.json()]).toEqual([400, { error: 'invalid_request', error_description: "'token' parameter must only be provided once" }]);
    const get = await fetch(`${server.url}/resources/${RES}/oauth/revoke`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });
});
