// RFC 7662 token introspection at the environment's issuer and at an MCP server's, driven by openid-client
// (tokenIntrospection) and by plain fetch for the errors. The answer for an active token is compared with
// the token the server issued; every inactive kind is exactly {"active": false}.
import { generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedInput } from '../../src/config/seed.js';
import { confidentialClientTokens, register, tokenCall } from '../helpers/code-flow.js';
import { environmentToken, restCaller } from '../helpers/management.js';
import { ADA, AGENT, basic, clientCredentialsToken, decodeJwt, ENV_CLIENT, postForm, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
const NOTES = 'res_20000000000000002';
const NOTES_AGENT = { id: 'm2morg_20000000000000003', secret: 'notes-secret-0123456789abcdef' };
const SEED: SeedInput = {
  ...TEST_SEED,
  resources: [...TEST_SEED.resources!, { id: NOTES, name: 'Notes', resource_id: 'http://localhost:4100/', scopes: [{ name: 'notes:read', description: 'Read notes' }] }],
  clients: [
    ...TEST_SEED.clients!,
    { client_id: NOTES_AGENT.id, organization_id: 'org_20000000000000001', name: 'Notes agent', scopes: ['notes:read'], audience: ['http://localhost:4100/'], plain_secret: NOTES_AGENT.secret },
  ],
};

let server: TestServer;
let env: oidc.Configuration;
beforeAll(async () => {
  server = await startTestServer({ seed: SEED });
  env = await oidc.discovery(new URL(server.url), ENV_CLIENT.id, ENV_CLIENT.secret, undefined, { execute: [oidc.allowInsecureRequests] });
});
afterAll(() => server.close());

const agentToken = (client = AGENT) => clientCredentialsToken(server.url, client);
const introspect = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) => postForm(server.url, path, form, headers);
const asEnvClient = { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) };
const userTokens = () => confidentialClientTokens(server.url, RES, { email: ADA.email, password: ADA.password });

/** Static credentials of an MCP server: a client created for it through the management API. */
async function todoCredentials(resourceId = RES): Promise<{ id: string; secret: string }> {
  const created = await restCaller(server.url, await environmentToken(server.url))('POST', `/resources/${resourceId}/clients`, { name: 'Server credentials' });
  return { id: String((created.body.client as { client_id: string }).client_id), secret: String(created.body.plain_secret) };
}

describe('RFC 7662 §2.2: an active access token', () => {
  it('answers openid-client with the claims the token carries, token_type Bearer, and no-store', async () => {
    const token = await agentToken();
    const answer = await oidc.tokenIntrospection(env, token);
    expect(answer).toEqual({ active: true, ...decodeJwt(token).payload, token_type: 'Bearer' });
    expect(answer).toMatchObject({ iss: server.url, client_id: AGENT.id, sub: AGENT.id, scope: 'todo:read todo:write', aud: ['http://localhost:3002/'] });
    for (const claim of ['exp', 'iat', 'jti']) expect(answer).toHaveProperty(claim);
    const raw = await introspect('/oauth/introspect', { token }, asEnvClient);
    expect(raw.headers.get('cache-control')).toBe('no-store');
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('answers a code-flow token at the MCP server’s issuer, to the server’s own credentials (a client created for it)', async () => {
    const { access_token } = await userTokens();
    const own = await todoCredentials();
    const atTodo = await oidc.discovery(new URL(`${server.url}/resources/${RES}`), own.id, own.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
      algorithm: 'oauth2',
    });
    expect(await oidc.tokenIntrospection(atTodo, access_token)).toEqual({ active: true, ...decodeJwt(access_token).payload, token_type: 'Bearer' });
  });

  it('is inactive at another MCP server’s issuer, and active at the environment’s', async () => {
    const token = await agentToken(NOTES_AGENT);
    const atTodo = await introspect(`/resources/${RES}/oauth/introspect`, { token }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect([atTodo.status, await atTodo.text()]).toEqual([200, '{"active":false}']);
    const atNotes = await introspect(`/resources/${NOTES}/oauth/introspect`, { token }, { authorization: basic(NOTES_AGENT.id, NOTES_AGENT.secret) });
    expect(await atNotes.json()).toMatchObject({ active: true, client_id: NOTES_AGENT.id });
    expect(await oidc.tokenIntrospection(env, token)).toMatchObject({ active: true });
  });
});

describe('RFC 7662 §4: only those a token concerns learn that it is active', () => {
  /** A self-registered confidential client of Todo (DCR, client_secret_basic). */
  const selfRegistered = async () => {
    const reg = (await (await register(server.url, RES, { token_endpoint_auth_method: 'client_secret_basic' })).json()) as { client_id: string; client_secret: string };
    return { authorization: basic(reg.client_id, reg.client_secret) };
  };

  it('a self-registered confidential client gets exactly {"active":false} for another client’s tokens, at both issuers', async () => {
    const stranger = await selfRegistered();
    const user = await userTokens();
    const tokens = [user.access_token, user.refresh_token!, await agentToken()];
    for (const path of [`/resources/${RES}/oauth/introspect`, '/oauth/introspect']) {
      for (const token of tokens) {
        const res = await introspect(path, { token }, stranger);
        expect([path, res.status, await res.text()]).toEqual([path, 200, '{"active":false}']);
      }
    }
    // The same tokens are active to the environment's client.
    expect(await (await introspect(`/resources/${RES}/oauth/introspect`, { token: user.refresh_token! }, asEnvClient)).json()).toMatchObject({ active: true });
    expect(await (await introspect('/oauth/introspect', { token: user.access_token }, asEnvClient)).json()).toMatchObject({ active: true, sub: ADA.id });
  });

  it('the client a token was issued to sees it active', async () => {
    const user = await userTokens();
    const asOwner = { authorization: basic(user.clientId, user.clientSecret) };
    expect(await (await introspect(`/resources/${RES}/oauth/introspect`, { token: user.access_token }, asOwner)).json()).toMatchObject({ active: true, client_id: user.clientId });
    expect(await (await introspect('/oauth/introspect', { token: user.access_token }, asOwner)).json()).toMatchObject({ active: true, client_id: user.clientId });
  });

  it('an organization client with the server in its audience is no credential of the server: a person’s token is inactive to it', async () => {
    const user = await userTokens();
    const res = await introspect(`/resources/${RES}/oauth/introspect`, { token: user.access_token }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect(await res.text()).toBe('{"active":false}');
  });

  it('a server’s own credentials see its tokens, and not another server’s, at the environment’s issuer too', async () => {
    const todo = await todoCredentials();
    const asTodo = { authorization: basic(todo.id, todo.secret) };
    const user = await userTokens();
    expect(await (await introspect('/oauth/introspect', { token: user.access_token }, asTodo)).json()).toMatchObject({ active: true, resid: RES });
    expect(await (await introspect('/oauth/introspect', { token: user.refresh_token! }, asTodo)).text()).toBe('{"active":false}'); // at the env issuer, a Todo-issuer refresh token is unknown
    expect(await (await introspect(`/resources/${RES}/oauth/introspect`, { token: user.refresh_token! }, asTodo)).json()).toMatchObject({ active: true, client_id: user.clientId });
    expect(await (await introspect('/oauth/introspect', { token: await agentToken(NOTES_AGENT) }, asTodo)).text()).toBe('{"active":false}');
  });
});

describe('RFC 7662 §2.2: inactive tokens are exactly {"active": false}', () => {
  const inactive = async (token: string) => {
    const res = await introspect('/oauth/introspect', { token }, asEnvClient);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"active":false}');
  };

  it('an unknown string, and a token_type_hint that does not fit', async () => {
    await inactive('not-a-token');
    const res = await introspect('/oauth/introspect', { token: await agentToken(), token_type_hint: 'refresh_token' }, asEnvClient);
    expect(await res.json()).toMatchObject({ active: true }); // the hint may be ignored (§2.1)
  });

  it('a JWT of the right shape signed by another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(await agentToken()).payload;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: decodeJwt(await agentToken()).header.kid as string }).sign(privateKey);
    await inactive(forged);
  });

  it('an expired token, by the emulator clock', async () => {
    const token = await agentToken();
    server.clock.advance('1801s'); // the agent's tokens live 1800 s
    try {
      await inactive(token);
    } finally {
      server.clock.reset();
    }
    expect(await oidc.tokenIntrospection(env, token)).toMatchObject({ active: true });
  });

  it('a revoked access token', async () => {
    const token = await agentToken();
    const revoked = await postForm(server.url, '/oauth/revoke', { token }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect(revoked.status).toBe(200);
    await inactive(token);
  });

  it('the access token of a consent the person withdrew (REST DELETE …/consents/…)', async () => {
    const { access_token, clientId } = await userTokens();
    const consent = (await server.app.store.consents.list({ clientId }))[0]!;
    await server.app.management.consents.revoke({ actor: ENV_CLIENT.id }, clientId, consent.id);
    await inactive(access_token);
  });
});

describe('refresh tokens', () => {
  it('an active one answers with the grant’s client, user, scope and issuer, token_type refresh_token', async () => {
    const seconds = () => Math.floor(Date.now() / 1000); // oidc-provider stamps refresh tokens on the real clock
    const before = seconds();
    const { refresh_token, clientId, clientSecret } = await userTokens();
    const after = seconds();
    const res = await introspect(`/resources/${RES}/oauth/introspect`, { token: refresh_token!, token_type_hint: 'refresh_token' }, { authorization: basic(clientId, clientSecret) });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      active: true,
      scope: expect.any(String),
      client_id: clientId,
      sub: ADA.id,
      iss: `${server.url}/resources/${RES}`,
      iat: expect.any(Number),
      exp: expect.any(Number),
      token_type: 'refresh_token',
    });
    expect(String(body.scope).split(' ').sort()).toEqual(['offline_access', 'todo:read']);
    // Issued while the clock ran from `before` to `after`, for the MCP server's refresh_token_expiry.
    // Not `exp === iat + 86400`: oidc-provider reads the clock once for each (lib/models/formats/opaque.js),
    // so they may fall on either side of a second's boundary.
    for (const time of [body.iat, (body.exp as number) - 86400]) {
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(after);
    }
  });

  it('is inactive once rotated and past the grace window, and at the environment’s issuer', async () => {
    const { refresh_token, clientId, clientSecret } = await userTokens();
    const asClient = { authorization: basic(clientId, clientSecret) };
    expect(await (await introspect('/oauth/introspect', { token: refresh_token! }, asEnvClient)).text()).toBe('{"active":false}');
    const rotated = await tokenCall(`${server.url}/resources/${RES}`, { grant_type: 'refresh_token', refresh_token, client_id: clientId, client_secret: clientSecret });
    expect(rotated.status).toBe(200);
    expect(await (await introspect(`/resources/${RES}/oauth/introspect`, { token: refresh_token! }, asClient)).json()).toMatchObject({ active: true });
    server.clock.advance('31s');
    try {
      expect(await (await introspect(`/resources/${RES}/oauth/introspect`, { token: refresh_token! }, asClient)).text()).toBe('{"active":false}');
    } finally {
      server.clock.reset();
    }
  });
});

describe('RFC 7662 §2.1: the caller authenticates as a client of that issuer', () => {
  it('answers 401 invalid_client without credentials, with a wrong secret (WWW-Authenticate for Basic), and to a public client', async () => {
    const token = await agentToken();
    const none = await introspect('/oauth/introspect', { token });
    expect([none.status, ((await none.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
    const wrong = await introspect('/oauth/introspect', { token }, { authorization: basic(ENV_CLIENT.id, 'not-the-secret-0123456789') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe(`Basic realm="${server.url}"`);
    expect(await wrong.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    const publicClient = ((await (await register(server.url, RES)).json()) as { client_id: string }).client_id;
    const asPublic = await introspect(`/resources/${RES}/oauth/introspect`, { token, client_id: publicClient });
    expect([asPublic.status, ((await asPublic.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
  });

  it('answers 400 unauthorized_client to a client of another MCP server, and tells it nothing', async () => {
    const res = await introspect(`/resources/${RES}/oauth/introspect`, { token: await agentToken() }, { authorization: basic(NOTES_AGENT.id, NOTES_AGENT.secret) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'unauthorized_client', error_description: 'the client is not a client of this MCP server' });
  });

  it('answers 400 invalid_request without a token, 404 for an unknown MCP server, 405 to GET', async () => {
    const missing = await introspect('/oauth/introspect', {}, asEnvClient);
    expect([missing.status, await missing.json()]).toEqual([400, { error: 'invalid_request', error_description: "missing required parameter 'token'" }]);
    const unknown = await introspect('/resources/res_99999999999999999/oauth/introspect', { token: 'x' }, asEnvClient);
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'invalid_request', error_description: 'no such MCP server' }]);
    const get = await fetch(`${server.url}/oauth/introspect`, { headers: asEnvClient });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });
});
