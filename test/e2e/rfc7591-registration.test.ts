// RFC 7591 dynamic client registration at POST <env>/api/v1/resources/<res_id>/clients:register, as MCP
// hosts send it, answered in RFC 7591 fields beside Scalekit's RegisterClientResponse fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, exchange, register, registerClient, type TokenSet } from '../helpers/code-flow.js';
import { environmentToken, restCaller } from '../helpers/management.js';
import { ADA, decodeJwt, startTestServer, type TestServer } from '../helpers/server.js';
import { withEmulator } from '../../src/index.js';

let server: TestServer;
const RES = 'res_20000000000000001';

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: string; error_description: string }) });

describe('RFC 7591 §3.2.1: a successful registration', () => {
  it('registers a public client (none) by default: 201, m2m_ id, no secret, RFC 7591 and Scalekit fields', async () => {
    const res = await register(server.url, RES, {
      redirect_uris: ['http://127.0.0.1:33418/callback', 'cursor://anysphere.cursor-retrieval/oauth/callback'],
      client_name: 'Cursor',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      scope: 'todo:read',
      software_id: 'cursor',
      unknown_field: 'is ignored',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      client_id: expect.stringMatching(/^m2m_\d{17}$/),
      client_id_issued_at: expect.any(Number),
      client_name: 'Cursor',
      redirect_uris: ['http://127.0.0.1:33418/callback', 'cursor://anysphere.cursor-retrieval/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      scope: 'todo:read',
      software_id: 'cursor',
      name: 'Cursor',
      description: '',
      create_time: expect.any(String),
      update_time: expect.any(String),
      scopes: ['todo:read'],
      audience: ['http://localhost:3002/'],
      custom_claims: [],
      expiry: '3600',
      resource_id: RES,
      secrets: [],
    });
    expect(await server.app.store.clients.get(String(body.client_id))).toMatchObject({ kind: 'dcr', resourceId: RES });
    expect(await server.app.store.secrets.list(String(body.client_id))).toEqual([]);
  });

  it('gives a secret only when a client_secret_* method is asked, shown once, stored hashed', async () => {
    const res = await register(server.url, RES, { token_endpoint_auth_method: 'client_secret_post' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { client_id: string; client_secret: string; client_secret_expires_at: number; secrets: { secret_suffix: string }[] };
    expect(body.client_secret).toMatch(/^[\w-]{43}$/);
    expect(body.client_secret_expires_at).toBe(0);
    expect(body.secrets).toEqual([expect.objectContaining({ secret_suffix: body.client_secret.slice(-4), status: 'ACTIVE' })]);
    expect(await server.app.store.secrets.verify(body.client_id, body.client_secret)).toBe(true);
    const rows = await server.db.all('SELECT * FROM client_secrets WHERE client_id = ?', [body.client_id]);
    expect(JSON.stringify(rows)).not.toContain(body.client_secret);
  });

  it('does not turn the registered scope into an allow-list: the client may step up later', async () => {
    const id = await registerClient(server.url, RES, { scope: 'todo:read' });
    const grant = await authorize(`${server.url}/resources/${RES}`, id, { email: ADA.email, password: ADA.password }, { scope: 'todo:read todo:write' });
    const token = (await (await exchange(`${server.url}/resources/${RES}`, id, grant)).json()) as TokenSet;
    expect(decodeJwt(token.access_token).payload.scopes).toEqual(['todo:read', 'todo:write']);
  });
});

describe('from a browser page (the MCP Inspector, web agents)', () => {
  it('answers the CORS preflight and marks the response readable by any origin', async () => {
    const url = `${server.url}/api/v1/resources/${RES}/clients:register`;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    const res = await register(server.url, RES, {});
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const refused = await register(server.url, RES, { redirect_uris: [] });
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('RFC 7591 §3.2.2: errors name the field', () => {
  it.each([
    [{ redirect_uris: [] }, 'invalid_redirect_uri', 'redirect_uris: must list at least one redirect URI'],
    [{ redirect_uris: ['http://app.example/callback'] }, 'invalid_redirect_uri', 'redirect_uris: http://app.example/callback must use https (http is allowed for 127.0.0.1, [::1] and localhost only)'],
    [{ redirect_uris: ['https://app.example/cb#frag'] }, 'invalid_redirect_uri', 'redirect_uris: https://app.example/cb#frag must not have a fragment'],
    [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', "redirect_uris: javascript:alert(1) must use https, http on a loopback address, or an app's private-use scheme in reverse-domain form such as com.example.app:/callback (not javascript:)"],
    [{ redirect_uris: 'http://127.0.0.1/cb' }, 'invalid_redirect_uri', 'redirect_uris: must be an array of redirect URIs'],
    [{ token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', 'token_endpoint_auth_method: must be none, client_secret_basic or client_secret_post'],
    [{ grant_types: ['client_credentials'] }, 'invalid_client_metadata', 'grant_types: only authorization_code and refresh_token are supported'],
    [{ grant_types: ['refresh_token'] }, 'invalid_client_metadata', 'grant_types: must include authorization_code'],
    [{ response_types: ['token'] }, 'invalid_client_metadata', 'response_types: only code is supported'],
    [{ logo_uri: 'not a url' }, 'invalid_client_metadata', 'logo_uri: must be an http(s) URL'],
  ])('%j → 400 %s', async (body, error, description) => {
    expect(await errorOf(await register(server.url, RES, body))).toEqual({ status: 400, error, error_description: description });
  });

  // Every field is bounded, so one registration stays a few kilobytes (RegisterClient over gRPC shares these).
  it.each([
    ['client_name', { client_name: 'n'.repeat(129) }, 'invalid_client_metadata', 'client_name: must be at most 128 characters'],
    ['description', { description: 'd'.repeat(513) }, 'invalid_client_metadata', 'description: must be at most 512 characters'],
    ['client_uri', { client_uri: `https://app.example/${'a'.repeat(2048)}` }, 'invalid_client_metadata', 'client_uri: must be at most 2048 characters'],
    ['tos_uri', { tos_uri: `https://app.example/${'a'.repeat(2048)}` }, 'invalid_client_metadata', 'tos_uri: must be at most 2048 characters'],
    ['contacts', { contacts: Array.from({ length: 11 }, (_, i) => `c${i}@example.com`) }, 'invalid_client_metadata', 'contacts: must list at most 10 contacts'],
    ['contacts', { contacts: [`${'c'.repeat(321)}@example.com`] }, 'invalid_client_metadata', 'contacts: must be at most 320 characters'],
    ['scope', { scope: 's '.repeat(1001) }, 'invalid_client_metadata', 'scope: must be at most 2000 characters'],
    ['software_id', { software_id: 'x'.repeat(201) }, 'invalid_client_metadata', 'software_id: must be at most 200 characters'],
    ['software_version', { software_version: 'x'.repeat(201) }, 'invalid_client_metadata', 'software_version: must be at most 200 characters'],
    ['grant_types', { grant_types: Array.from({ length: 11 }, () => 'authorization_code') }, 'invalid_client_metadata', 'grant_types: must list at most 10 grant types'],
    ['response_types', { response_types: Array.from({ length: 11 }, () => 'code') }, 'invalid_client_metadata', 'response_types: must list at most 10 response types'],
    ['redirect_uris', { redirect_uris: Array.from({ length: 11 }, (_, i) => `http://127.0.0.1/cb${i}`) }, 'invalid_redirect_uri', 'redirect_uris: must list at most 10 redirect URIs'],
    ['redirect_uris', { redirect_uris: [`https://app.example/${'a'.repeat(2048)}`] }, 'invalid_redirect_uri', `redirect_uris: https://app.example/${'a'.repeat(180)}… must be at most 2048 characters`],
  ] as const)('a %s over its limit → 400', async (_field, body, error, description) => {
    expect(await errorOf(await register(server.url, RES, body))).toEqual({ status: 400, error, error_description: description });
  });

  it('a body that is not JSON → 400 invalid_client_metadata', async () => {
    const res = await fetch(`${server.url}/api/v1/resources/${RES}/clients:register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(await errorOf(res)).toEqual({ status: 400, error: 'invalid_client_metadata', error_description: 'the request body is not valid JSON' });
  });

  it('a JSON array → 400 invalid_client_metadata', async () => {
    const res = await fetch(`${server.url}/api/v1/resources/${RES}/clients:register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    expect((await errorOf(res)).error).toBe('invalid_client_metadata');
  });

  it('an unknown MCP server → 404, and nothing is written', async () => {
    const before = (await server.app.store.clients.listByKind('dcr')).length;
    expect((await errorOf(await register(server.url, 'res_99999999999999999', {}))).status).toBe(404);
    expect((await server.app.store.clients.listByKind('dcr')).length).toBe(before);
  });

  it('an MCP server with DCR switched off → 403 access_denied, and nothing is written', async () => {
    const resource = (await server.app.store.resources.get(RES))!;
    await server.app.store.resources.upsert({ ...resource, disableDynamicClientRegistration: true });
    try {
      const before = (await server.app.store.clients.listByKind('dcr')).length;
      expect(await errorOf(await register(server.url, RES, {}))).toEqual({
        status: 403,
        error: 'access_denied',
        error_description: 'dynamic client registration is disabled for this MCP server',
      });
      expect((await server.app.store.clients.listByKind('dcr')).length).toBe(before);
    } finally {
      await server.app.store.resources.upsert(resource);
    }
  });
});

describe('a per-address limit on open registration (REGISTRATION_RATE_LIMIT)', () => {
  it('answers 429 too_many_requests with Retry-After past the limit, writes nothing, and registers again once the hour has moved on', async () => {
    const limited = await startTestServer({ env: { REGISTRATION_RATE_LIMIT: '3' } });
    try {
      for (let i = 0; i < 3; i++) expect((await register(limited.url, RES, { client_name: `Host ${i}` })).status).toBe(201);
      limited.clock.advance(20 * 60_000);
      const before = (await limited.app.store.clients.listByKind('dcr')).length;
      const refused = await register(limited.url, RES, { client_name: 'One too many' });
      expect(refused.status).toBe(429);
      // The oldest of the three leaves the hour 40 minutes from now (less the real time the test took).
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeLessThanOrEqual(40 * 60);
      expect(retryAfter).toBeGreaterThan(39 * 60);
      expect(refused.headers.get('cache-control')).toBe('no-store');
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');
      expect(await refused.json()).toEqual({ error: 'too_many_requests', error_description: `too many client registrations from this address: try again in ${retryAfter} s` });
      expect((await limited.app.store.clients.listByKind('dcr')).length).toBe(before);
      expect((await limited.app.store.clients.listByKind('dcr')).map((c) => c.name)).not.toContain('One too many');
      // Another emulator in this process keeps its own count.
      expect((await register(server.url, RES, {})).status).toBe(201);

      limited.clock.advance(40 * 60_000);
      for (let i = 0; i < 3; i++) expect((await register(limited.url, RES, { client_name: `After the hour ${i}` })).status).toBe(201);
      expect((await register(limited.url, RES, { client_name: 'Over again' })).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('is on by default (20 an hour), and 0 turns it off', async () => {
    const open = await startTestServer({ env: { REGISTRATION_RATE_LIMIT: '0' } });
    const defaults = await startTestServer();
    try {
      const statuses = async (url: string, n: number) => {
        const seen: number[] = [];
        for (let i = 0; i < n; i++) seen.push((await register(url, RES, {})).status);
        return seen;
      };
      expect(new Set(await statuses(open.url, 30))).toEqual(new Set([201]));
      const counted = await statuses(defaults.url, 21);
      expect(counted.filter((s) => s === 201)).toHaveLength(20);
      expect(counted.at(-1)).toBe(429);
    } finally {
      await Promise.all([open.close(), defaults.close()]);
    }
  });

  it('is cleared by the fixture’s reset(), with the test that reached it', async () => {
    await withEmulator({}, async (em) => {
      const demo = 'res_10000000000000001';
      for (let i = 0; i < 20; i++) expect((await register(em.url, demo, {})).status).toBe(201);
      expect((await register(em.url, demo, {})).status).toBe(429);
      await em.reset();
      expect((await register(em.url, demo, {})).status).toBe(201);
    });
  });
});

describe('self-registered clients never used are pruned (UNUSED_DCR_CLIENT_DAYS)', () => {
  it('deletes, past the set days, the DCR clients never given a code or a token, with their secrets; keeps used, recent and static ones', async () => {
    const pruned = await startTestServer({ env: { UNUSED_DCR_CLIENT_DAYS: '2' } });
    try {
      const api = restCaller(pruned.url, await environmentToken(pruned.url));
      const issuer = `${pruned.url}/resources/${RES}`;
      const unused = (await (await register(pruned.url, RES, { client_name: 'Never used', token_endpoint_auth_method: 'client_secret_basic' })).json()) as { client_id: string };
      const tokened = await registerClient(pruned.url, RES, { client_name: 'Got a token' });
      const coded = await registerClient(pruned.url, RES, { client_name: 'Got a code' });
      expect((await exchange(issuer, tokened, await authorize(issuer, tokened, { email: ADA.email, password: ADA.password }))).status).toBe(200);
      await authorize(issuer, coded, { email: ADA.email, password: ADA.password });
      const staticClient = (await api('POST', `/resources/${RES}/clients`, { name: 'Static, never used' })).body.client as { client_id: string };
      expect(await pruned.app.store.secrets.list(unused.client_id)).toHaveLength(1);

      // A new environment token each time: the clock moves by days.
      const status = async (clientId: string) => (await restCaller(pruned.url, await environmentToken(pruned.url))('GET', `/resources/${RES}/clients/${clientId}`)).status;
      pruned.clock.advance('1d');
      await pruned.app.retention!.sweep();
      expect(await status(unused.client_id)).toBe(200); // a day old: kept
      pruned.clock.advance('1d');
      const recent = await registerClient(pruned.url, RES, { client_name: 'Registered today' });
      pruned.clock.advance('1h');
      await pruned.app.retention!.sweep();

      expect(await status(unused.client_id)).toBe(404);
      expect(await pruned.db.get('SELECT count(*) AS n FROM client_secrets WHERE client_id = ?', [unused.client_id])).toEqual({ n: 0 });
      for (const kept of [tokened, coded, recent, staticClient.client_id]) expect(await status(kept)).toBe(200);
      // The used client goes on working.
      const again = await authorize(issuer, tokened, { email: ADA.email, password: ADA.password });
      expect((await exchange(issuer, tokened, again)).status).toBe(200);
    } finally {
      await pruned.close();
    }
  });
});
