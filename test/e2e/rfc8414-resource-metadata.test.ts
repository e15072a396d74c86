// Each MCP server's issuer, <env>/resources/<res_id>, as MCP clients discover it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, decodeJwt, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const RES = 'res_20000000000000001';
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('RFC 8414 §3: metadata of <env>/resources/<res_id>', () => {
  it('serves one document at the path-inserted and the path-appended URL, issuer byte-identical', async () => {
    const inserted = await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/${RES}`);
    const appended = await fetch(`${server.url}/resources/${RES}/.well-known/oauth-authorization-server`);
    expect(inserted.status).toBe(200);
    expect(appended.status).toBe(200);
    const doc = (await inserted.json()) as Record<string, unknown>;
    expect(await appended.json()).toEqual(doc);
    expect(doc).toEqual({
      issuer: `${server.url}/resources/${RES}`,
      authorization_endpoint: `${server.url}/resources/${RES}/oauth/authorize`,
      token_endpoint: `${server.url}/resources/${RES}/oauth/token`,
      revocation_endpoint: `${server.url}/resources/${RES}/oauth/revoke`,
      introspection_endpoint: `${server.url}/resources/${RES}/oauth/introspect`,
      registration_endpoint: `${server.url}/api/v1/resources/${RES}/clients:register`,
      jwks_uri: `${server.url}/keys`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['todo:read', 'todo:write', 'offline_access'],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('lists no registration_endpoint while the MCP server disables dynamic client registration', async () => {
    const resource = (await server.app.store.resources.get(RES))!;
    await server.app.store.resources.upsert({ ...resource, disableDynamicClientRegistration: true });
    try {
      const doc = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/${RES}`)).json()) as Record<string, unknown>;
      expect(doc).not.toHaveProperty('registration_endpoint');
      expect(doc.issuer).toBe(`${server.url}/resources/${RES}`);
    } finally {
      await server.app.store.resources.upsert(resource);
    }
  });

  it.each([
    `/resources/${RES}/.well-known/openid-configuration`,
    `/.well-known/openid-configuration/resources/${RES}`,
    `/resources/${RES}/keys`,
    '/.well-known/oauth-authorization-server/resources/res_99999999999999999',
  ])('answers 404 at %s', async (path) => {
    expect((await fetch(server.url + path)).status).toBe(404);
  });
});

describe("the MCP server's token endpoint", () => {
  const token = (resourceId: string, form: Record<string, string>) =>
    fetch(`${server.url}/resources/${resourceId}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
    });

  it('issues a client-credentials token to a client whose audience is the server', async () => {
    const res = await token(RES, { client_id: AGENT.id, client_secret: AGENT.secret, scope: 'todo:read' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  // Scalekit's tokens carry iss = <env> today (issuer-bound tokens are being rolled out); the README says so.
  it('puts the environment URL in iss, not the MCP server issuer', async () => {
    const res = await token(RES, { client_id: AGENT.id, client_secret: AGENT.secret });
    const { access_token } = (await res.json()) as { access_token: string };
    expect(decodeJwt(access_token).payload.iss).toBe(server.url);
  });

  it('answers unauthorized_client to a client of no concern to the server', async () => {
    const res = await token(RES, { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
  });

  it('answers 404 invalid_request for an unknown MCP server', async () => {
    const res = await token('res_99999999999999999', { client_id: AGENT.id, client_secret: AGENT.secret });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});
