import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, basic, decodeJwt, ENV_CLIENT, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const cc = (extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  client_id: AGENT.id,
  client_secret: AGENT.secret,
  ...extra,
});

async function expectOAuthError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\.ts:\d+|\.js:\d+/);
  return body;
}

describe('RFC 6749 §4.4 client_credentials: success', () => {
  it('issues a Bearer token with client_secret_post and answers with Cache-Control: no-store', async () => {
    const res = await tokenRequest(server.url, cc({ scope: 'todo:read' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1800, scope: 'todo:read' });
  });

  it('issues a token with client_secret_basic', async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'todo:write' }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('todo:write');
  });

  it('grants all of the client scopes when scope is omitted', async () => {
    const res = await tokenRequest(server.url, cc());
    expect(((await res.json()) as { scope: string }).scope).toBe('todo:read todo:write');
  });

  it("mints Scalekit's M2M token shape: header, claims, custom claims", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await tokenRequest(server.url, cc({ scope: 'todo:read todo:write' }));
    const { header, payload } = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    const kid = ((await (await fetch(`${server.url}/keys`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
    expect(header).toEqual({ alg: 'RS256', kid, typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: server.url,
      sub: AGENT.id,
      client_id: AGENT.id,
      aud: ['http://localhost:3002/'],
      oid: 'org_20000000000000001',
      scope: 'todo:read todo:write',
      scopes: ['todo:read', 'todo:write'],
      team: 'platform',
    });
    expect(payload.jti).toMatch(/^tkn_\d{17}$/);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp).toBe((payload.iat as number) + 1800);
  });

  it('keeps the registered claims when a stored client carries reserved custom claims (the seed refuses them)', async () => {
    const agent = (await server.app.store.clients.get(AGENT.id))!;
    await server.app.store.clients.upsert({
      ...agent,
      clientId: 'm2morg_20000000000000008',
      customClaims: [
        { key: 'iss', value: 'https://evil.example' },
        { key: 'aud', value: 'https://evil.example/' },
        { key: 'team', value: 'platform' },
      ],
    });
    await server.app.store.secrets.create('m2morg_20000000000000008', 'override-secret-0123456789abcdef');
    const res = await tokenRequest(server.url, cc({ client_id: 'm2morg_20000000000000008', client_secret: 'override-secret-0123456789abcdef' }));
    const { payload } = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    expect(payload).toMatchObject({ iss: server.url, aud: ['http://localhost:3002/'], team: 'platform' });
  });

  it('omits aud when the client has no audience', async () => {
    const res = await tokenRequest(server.url, {
      grant_type: 'client_credentials',
      client_id: 'm2morg_20000000000000002',
      client_secret: 'plain-secret-0123456789abcdef',
    });
    const { payload } = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    expect(payload).not.toHaveProperty('aud');
    expect(payload.scopes).toEqual(['reports:read']);
  });

  it("issues the environment client's token: scope openid, 86399 s, no audience", async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials', client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ expires_in: 86399, scope: 'openid' });
    const { payload } = decodeJwt(body.access_token);
    expect(payload).toMatchObject({ sub: ENV_CLIENT.id, client_id: ENV_CLIENT.id, scopes: ['openid'] });
    expect(payload).not.toHaveProperty('aud');
    expect(payload).not.toHaveProperty('oid');
  });

  it('accepts a resource that is one of the client audiences (RFC 8707), with or without a trailing slash', async () => {
    for (const resource of ['http://localhost:3002/', 'http://localhost:3002']) {
      const res = await tokenRequest(server.url, cc({ resource }));
      expect(res.status).toBe(200);
    }
  });

  it('records one audit row per issued token (jti, client, scopes, time)', async () => {
    const res = await tokenRequest(server.url, cc({ scope: 'todo:read' }));
    const { payload } = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    await server.app.store.issuedTokens.flush();
    const row = (await server.db.get<Record<string, unknown>>('SELECT * FROM issued_tokens WHERE jti = ?', [payload.jti]))!;
    expect(row).toMatchObject({ grant_type: 'client_credentials', client_id: AGENT.id, subject: AGENT.id, scopes: 'todo:read', issued_at: payload.iat, expires_at: payload.exp });
  });
});

describe('RFC 6749 §5.2 errors', () => {
  it('answers invalid_client (401) for a wrong secret', async () => {
    await expectOAuthError(await tokenRequest(server.url, cc({ client_secret: 'wrong-secret-0123456789' })), 401, 'invalid_client');
  });

  it('answers invalid_client (401) for an unknown client, the same as for a wrong secret', async () => {
    const body = await expectOAuthError(await tokenRequest(server.url, cc({ client_id: 'm2morg_99999999999999999' })), 401, 'invalid_client');
    expect(body.error_description).toBe('client authentication failed');
  });

  it('answers invalid_client (401) with WWW-Authenticate: Basic when Basic credentials fail', async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials' }, { authorization: basic(AGENT.id, 'wrong-secret-012345') });
    await expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${server.url}"`);
  });

  it('answers invalid_client for a malformed Basic header', async () => {
    for (const authorization of ['Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Basic ' + 'QQ=='.repeat(2000)]) {
      await expectOAuthError(await tokenRequest(server.url, { grant_type: 'client_credentials' }, { authorization }), 401, 'invalid_client');
    }
  });

  it('answers invalid_client when no credentials are presented', async () => {
    await expectOAuthError(await tokenRequest(server.url, { grant_type: 'client_credentials' }), 401, 'invalid_client');
  });

  it('answers invalid_request when Basic and client_secret are both used', async () => {
    const res = await tokenRequest(server.url, cc(), { authorization: basic(AGENT.id, AGENT.secret) });
    await expectOAuthError(res, 400, 'invalid_request');
  });

  it('answers invalid_request when grant_type is missing', async () => {
    await expectOAuthError(await tokenRequest(server.url, { client_id: AGENT.id, client_secret: AGENT.secret }), 400, 'invalid_request');
  });

  it('answers invalid_request when a parameter is repeated', async () => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${AGENT.id}&client_secret=${AGENT.secret}&scope=todo:read&scope=todo:write`,
    });
    await expectOAuthError(res, 400, 'invalid_request');
  });

  it('answers unsupported_grant_type for an unknown grant', async () => {
    await expectOAuthError(await tokenRequest(server.url, cc({ grant_type: 'password' })), 400, 'unsupported_grant_type');
  });

  it('answers invalid_scope for a scope the client lacks, and issues nothing', async () => {
    const count = await server.app.store.issuedTokens.count();
    await expectOAuthError(await tokenRequest(server.url, cc({ scope: 'todo:read admin' })), 400, 'invalid_scope');
    expect(await server.app.store.issuedTokens.count()).toBe(count);
  });

  it('answers invalid_target for a resource outside the client audience', async () => {
    await expectOAuthError(await tokenRequest(server.url, cc({ resource: 'http://localhost:9999/' })), 400, 'invalid_target');
  });

  it('answers 405 invalid_request with Allow: POST for a GET', async () => {
    const res = await fetch(`${server.url}/oauth/token?grant_type=client_credentials`);
    await expectOAuthError(res, 405, 'invalid_request');
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('accepts a form content type with a charset parameter', async () => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams(cc()).toString(),
    });
    expect(res.status).toBe(200);
  });

  it('answers invalid_request for a JSON body', async () => {
    const res = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cc()) });
    await expectOAuthError(res, 400, 'invalid_request');
  });

  it('answers invalid_request for a body without a content type', async () => {
    const res = await fetch(`${server.url}/oauth/token`, { method: 'POST', body: new Uint8Array(Buffer.from('grant_type=client_credentials')) });
    await expectOAuthError(res, 400, 'invalid_request');
  });

  it('answers 413 invalid_request for a huge body', async () => {
    const res = await tokenRequest(server.url, cc({ filler: 'x'.repeat(200_000) }));
    await expectOAuthError(res, 413, 'invalid_request');
  });

  it('answers invalid_client, not 5xx, for huge credentials', async () => {
    await expectOAuthError(await tokenRequest(server.url, cc({ client_secret: 's'.repeat(20_000) })), 401, 'invalid_client');
  });

  it('answers unauthorized_client for a client that may not use client_credentials', async () => {
    await server.app.store.clients.upsert({
      clientId: 'm2m_20000000000000009',
      kind: 'dcr',
      resourceId: 'res_20000000000000001',
      name: 'Public',
      description: '',
      scopes: ['todo:read'],
      audience: [],
      customClaims: [],
      expiry: 3600,
      redirectUris: ['http://127.0.0.1/cb'],
    });
    await server.app.store.secrets.create('m2m_20000000000000009', 'dcr-secret-0123456789abcdef');
    const res = await tokenRequest(server.url, cc({ client_id: 'm2m_20000000000000009', client_secret: 'dcr-secret-0123456789abcdef' }));
    await expectOAuthError(res, 400, 'unauthorized_client');
  });

  it('never writes a secret into the logs, even at trace level', async () => {
    await tokenRequest(server.url, cc());
    await tokenRequest(server.url, { grant_type: 'client_credentials' }, { authorization: basic(AGENT.id, AGENT.secret) });
    await tokenRequest(server.url, cc({ client_secret: 'wrong-secret-0123456789' }));
    await server.app.store.issuedTokens.flush();
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(AGENT.secret);
    expect(logs).not.toContain(ENV_CLIENT.secret);
    expect(logs).not.toContain('wrong-secret-0123456789');
  });
});
