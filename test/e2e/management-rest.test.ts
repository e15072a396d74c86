// The management API over REST /api/v1 with fetch: Scalekit's paths, snake_case JSON, 201 on create,
// Scalekit's error JSON, the implied update mask of a PATCH, and the emulator's audit-events extension.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { clientToken, environmentToken, errorDetail, restCaller, type Rest } from '../helpers/management.js';
import { registerClient } from '../helpers/code-flow.js';
import { decodeJwt, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

const ORG = 'org_20000000000000001';
const TODO = 'http://localhost:3002/';

let server: TestServer;
let api: Rest;

beforeAll(async () => {
  server = await startTestServer();
  api = restCaller(server.url, await environmentToken(server.url));
});
afterAll(() => server.close());

const unauthenticated = (message: string) => ({ code: 16, message, details: errorDetail('UNAUTHENTICATED') });

describe('authentication', () => {
  it('answers no token with 401 and exactly Scalekit\'s error JSON', async () => {
    const res = await restCaller(server.url)('GET', `/organizations/${ORG}/clients`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual(unauthenticated('Token empty'));
  });

  it('answers a Basic header, a garbage token and a token of another client with 401', async () => {
    const basic = await restCaller(server.url)('GET', '/organizations', undefined, { authorization: `Basic ${Buffer.from(`${ENV_CLIENT.id}:${ENV_CLIENT.secret}`).toString('base64')}` });
    expect(basic.body).toEqual(unauthenticated('Token empty'));
    expect((await restCaller(server.url, 'x.y.z')('GET', '/organizations')).body).toEqual(unauthenticated('Token invalid'));
    const agent = ((await (await clientToken(server.url, 'm2morg_20000000000000001', 'agent-secret-0123456789abcdef')).json()) as { access_token: string }).access_token;
    const res = await restCaller(server.url, agent)('GET', '/organizations');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthenticated('Token is not an environment API token'));
  });

  it('checks the token before the route: an unknown path without a token is 401, not 404', async () => {
    expect((await restCaller(server.url)('GET', '/no/such/path')).status).toBe(401);
  });
});

describe('expiry and issuer, on the emulator\'s clock', () => {
  let em: Emulator;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mgmt-rest-'));
    em = await startEmulator({ keys: 'fixed', database: join(dir, 'emulator.sqlite') });
  });
  afterAll(async () => {
    await em.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an expired environment token with 401 "Token expired"', async () => {
    const token = await environmentToken(em.url, { id: em.environment.clientId, secret: em.environment.clientSecret });
    expect((await restCaller(em.url, token)('GET', '/organizations')).status).toBe(200);
    em.clock.advance('1d');
    const res = await restCaller(em.url, token)('GET', '/organizations');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthenticated('Token expired'));
    em.clock.reset();
  });

  it('answers a token signed by an unknown key or naming another issuer with 401', async () => {
    for (const broken of ['unknown-kid', 'wrong-issuer', 'bad-signature', 'alg-none'] as const) {
      const token = await em.mintToken({ clientId: em.environment.clientId, broken });
      const res = await restCaller(em.url, token)('GET', '/organizations');
      expect(res.status, broken).toBe(401);
      expect(res.body).toEqual(unauthenticated('Token invalid'));
    }
  });
});

describe('organization clients', () => {
  it('creates with 201 in snake_case, plain_secret only here, and the secret gets a token', async () => {
    const res = await api('POST', `/organizations/${ORG}/clients`, { name: 'REST agent', scopes: ['todo:read'], audience: [TODO], expiry: '900' });
    expect(res.status).toBe(201);
    const client = res.body.client as Record<string, unknown>;
    const secret = res.body.plain_secret as string;
    expect(Object.keys(res.body).sort()).toEqual(['client', 'plain_secret']);
    expect(Object.keys(client).sort()).toEqual(
      ['audience', 'client_id', 'create_time', 'custom_claims', 'description', 'expiry', 'is_cimd', 'is_dcr', 'metadata_uri', 'name', 'organization_id', 'redirect_uris', 'resource_id', 'scopes', 'secrets', 'update_time'],
    );
    expect(client).toMatchObject({ name: 'REST agent', organization_id: ORG, scopes: ['todo:read'], audience: [TODO], expiry: '900', is_dcr: false });
    const [s] = client.secrets as Record<string, unknown>[];
    expect(Object.keys(s!).sort()).toEqual(['create_time', 'created_by', 'id', 'secret_suffix', 'status', 'update_time']);
    expect(s).toMatchObject({ secret_suffix: secret.slice(-4), status: 'ACTIVE', created_by: ENV_CLIENT.id });
    const token = await clientToken(server.url, String(client.client_id), secret);
    expect(token.status).toBe(200);
    expect(decodeJwt(((await token.json()) as { access_token: string }).access_token).payload.exp).toBeTypeOf('number');

    const got = await api('GET', `/organizations/${ORG}/clients/${String(client.client_id)}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain(secret);
  });

  it('lists with page_size and page_token in the query', async () => {
    const org = ((await api('POST', '/organizations', { display_name: 'REST paging' })).body.organization as { id: string }).id;
    for (const name of ['one', 'two', 'three']) await api('POST', `/organizations/${org}/clients`, { name });
    const first = await api('GET', `/organizations/${org}/clients?page_size=2`);
    expect(first.body).toMatchObject({ total_size: 3, prev_page_token: '' });
    expect((first.body.clients as { name: string }[]).map((c) => c.name)).toEqual(['one', 'two']);
    const second = await api('GET', `/organizations/${org}/clients?page_size=2&page_token=${String(first.body.next_page_token)}`);
    expect((second.body.clients as { name: string }[]).map((c) => c.name)).toEqual(['three']);
    expect(second.body.next_page_token).toBe('');
    const foreign = await api('GET', `/organizations/${org}/clients?page_token=garbage`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toBe('page_token: is not a page token of this list');
  });

  it('PATCH changes the fields its body names, even to empty, and leaves the others', async () => {
    const created = await api('POST', `/organizations/${ORG}/clients`, { name: 'Patchy', description: 'stays', scopes: ['todo:read'] });
    const id = String((created.body.client as Record<string, unknown>).client_id);
    const res = await api('PATCH', `/organizations/${ORG}/clients/${id}`, { scopes: [] });
    expect(res.status).toBe(200);
    expect(res.body.client).toMatchObject({ name: 'Patchy', description: 'stays', scopes: [] });
  });

  it('adds a secret with 201, deletes one with 200 {}: the deleted one stops at once', async () => {
    const created = await api('POST', `/organizations/${ORG}/clients`, { name: 'Two secrets' });
    const client = created.body.client as { client_id: string; secrets: { id: string }[] };
    const added = await api('POST', `/organizations/${ORG}/clients/${client.client_id}/secrets`);
    expect(added.status).toBe(201);
    expect(Object.keys(added.body).sort()).toEqual(['plain_secret', 'secret']);
    const removed = await api('DELETE', `/organizations/${ORG}/clients/${client.client_id}/secrets/${client.secrets[0]!.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({});
    expect((await clientToken(server.url, client.client_id, String(created.body.plain_secret))).status).toBe(401);
    expect((await clientToken(server.url, client.client_id, String(added.body.plain_secret))).status).toBe(200);
  });

  it('deletes with 200 {}; then GET is 404 with Scalekit\'s error JSON', async () => {
    const created = await api('POST', `/organizations/${ORG}/clients`, { name: 'Temp' });
    const id = String((created.body.client as Record<string, unknown>).client_id);
    expect((await api('DELETE', `/organizations/${ORG}/clients/${id}`)).body).toEqual({});
    const res = await api('GET', `/organizations/${ORG}/clients/${id}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: 5, message: `client ${id} not found`, details: errorDetail('NOT_FOUND') });
  });

  it('answers bad input with 400 naming the field, with field violations', async () => {
    const res = await api('POST', `/organizations/${ORG}/clients`, { name: 'Bad', scopes: ['has space'] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 3,
      message: 'client.scopes[0]: must be a scope token (no spaces or quotes)',
      details: [
        {
          '@type': 'type.googleapis.com/scalekit.v1.errdetails.ErrorInfo',
          error_code: 'INVALID_ARGUMENT',
          validation_error_info: { field_violations: [{ field: 'client.scopes[0]', description: 'must be a scope token (no spaces or quotes)' }] },
        },
      ],
    });
    const typed = await api('POST', `/organizations/${ORG}/clients`, { expiry: 'soon' });
    expect(typed.status).toBe(400);
    expect(typed.body.message).toMatch(/^client\.expiry: /);
    const notJson = await api('POST', `/organizations/${ORG}/clients`, '{"name":');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ code: 3, message: '(body): is not valid JSON' });
    // As grpc-gateway: the body is JSON whatever it is labelled (curl -d sends a form content type).
    const labelled = await api('POST', `/organizations/${ORG}/clients`, '{"name":"curl"}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(labelled.status).toBe(201);
  });

  // A seed is applied through the same service and the same rules (config/field-rules.ts): what a seed
  // file refuses, the API refuses too, by the same words.
  it('refuses what a seed refuses: an audience that is not a URL, a reserved custom claim, a twin Server URL', async () => {
    const notUrl = await api('POST', `/organizations/${ORG}/clients`, { name: 'Aud', audience: [TODO, 'not a url'] });
    expect(notUrl.status).toBe(400);
    expect(notUrl.body.details).toEqual([
      {
        '@type': 'type.googleapis.com/scalekit.v1.errdetails.ErrorInfo',
        error_code: 'INVALID_ARGUMENT',
        validation_error_info: { field_violations: [{ field: 'client.audience[1]', description: 'must be an http:// or https:// URL, or an MCP server id (res_<digits>)' }] },
      },
    ]);
    const reserved = await api('POST', `/organizations/${ORG}/clients`, { name: 'Claims', custom_claims: [{ key: 'sub', value: 'admin' }] });
    expect(reserved.status).toBe(400);
    expect(reserved.body.message).toMatch(/^client\.custom_claims\[0\]\.key: "sub" is a reserved claim; a custom claim may not set iss, sub, /);
    const patched = await api('PATCH', `/organizations/${ORG}/clients/m2morg_20000000000000001`, { audience: ['todo-server'] });
    expect(patched.status).toBe(400);
    expect(patched.body.message).toBe('client.audience[0]: must be an http:// or https:// URL, or an MCP server id (res_<digits>)');
    const twin = await api('POST', '/resources', { resource_type: 'MCP_SERVER', name: 'Todo again', resource_id: 'http://localhost:3002' });
    expect(twin.status).toBe(409);
    expect(twin.body).toEqual({ code: 6, message: 'resource res_20000000000000001 already has resource_id http://localhost:3002', details: errorDetail('ALREADY_EXISTS') });
    // Nothing was written: the org's clients are the seeded two, the servers the seeded one.
    expect((await server.app.store.clients.listByOrganization(ORG)).map((c) => c.name)).not.toContain('Aud');
    expect((await server.app.store.resources.list()).filter((r) => r.name === 'Todo again')).toEqual([]);
    // A resource client's default audience (Server URL and res_ id) still passes the rule.
    const resourceClient = await api('POST', '/resources/res_20000000000000001/clients', { name: 'Default audience' });
    expect((resourceClient.body.client as { audience: string[] }).audience).toEqual([TODO, 'res_20000000000000001']);
  });

  it('answers unknown paths with 404 and a wrong method on a known path with 405', async () => {
    const unknown = await api('GET', '/no/such/thing');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 5, message: 'Not Found', details: errorDetail('NOT_FOUND') });
    const wrong = await api('PUT', `/organizations/${ORG}/clients`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, GET');
    expect(wrong.body.code).toBe(12);
  });
});

describe('resources, their clients, organizations and users', () => {
  it('creates an MCP server with token_issuer and returns its metadata JSON; PATCH changes only token_issuer', async () => {
    const res = await api('POST', '/resources', {
      resource_type: 'MCP_SERVER',
      name: 'Docs',
      resource_id: 'http://localhost:4200/',
      scopes: ['docs:read'],
      access_token_expiry: '300',
      token_issuer: 'resource',
    });
    expect(res.status).toBe(201);
    const resource = res.body.resource as Record<string, unknown>;
    expect(resource).toMatchObject({
      resource_type: 'MCP_SERVER',
      resource_id: 'http://localhost:4200/',
      access_token_expiry: '300',
      refresh_token_expiry: '86400',
      disable_dynamic_client_registration: false,
      token_issuer: 'resource',
      protected_metadata_uri: 'http://localhost:4200/.well-known/oauth-protected-resource',
      protected_metadata: {
        authorization_servers: [`${server.url}/resources/${String(resource.id)}`],
        bearer_methods_supported: ['header'],
        resource: 'http://localhost:4200/',
        resource_documentation: 'http://localhost:4200/docs',
        scopes_supported: ['docs:read'],
      },
    });
    expect((resource.scopes as Record<string, unknown>[])[0]).toMatchObject({ name: 'docs:read', enabled: true });
    expect((await server.app.store.resources.get(String(resource.id)))?.tokenIssuer).toBe('resource');

    const patched = await api('PATCH', `/resources/${String(resource.id)}`, { token_issuer: 'env' });
    expect(patched.body.resource).toMatchObject({ name: 'Docs', token_issuer: 'env', scopes: [expect.objectContaining({ name: 'docs:read' })] });
    const bad = await api('PATCH', `/resources/${String(resource.id)}`, { token_issuer: 'nobody' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe("resource.token_issuer: must be 'env' or 'resource'");
    const listed = await api('GET', '/resources?page_size=30');
    expect((listed.body.resources as Record<string, unknown>[]).every((r) => r.token_issuer === 'env' || r.token_issuer === 'resource')).toBe(true);
  });

  it('pages an MCP server’s clients by page_size and page_token, oldest first, beside Scalekit’s totals', async () => {
    const resource = (await api('POST', '/resources', { resource_type: 'MCP_SERVER', name: 'Paged', resource_id: 'http://localhost:4202/' })).body.resource as { id: string };
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(String(((await api('POST', `/resources/${resource.id}/clients`, { name: `Static ${i}` })).body.client as { client_id: string }).client_id));
    for (let i = 0; i < 3; i++) ids.push(await registerClient(server.url, resource.id, { client_name: `Host ${i}` }));
    const idsOf = (body: Record<string, unknown>) => (body.clients as { client_id: string }[]).map((c) => c.client_id);

    const first = await api('GET', `/resources/${resource.id}/clients`);
    expect(first.status).toBe(200);
    expect(idsOf(first.body)).toEqual(ids.slice(0, 10));
    expect(first.body).toMatchObject({ total_size: 15, total_static_clients: 12, total_dcr_clients: 3, next_page_token: expect.any(String) });
    const second = await api('GET', `/resources/${resource.id}/clients?page_token=${encodeURIComponent(String(first.body.next_page_token))}`);
    expect(idsOf(second.body)).toEqual(ids.slice(10));
    expect(second.body.next_page_token).toBe('');
    expect(idsOf((await api('GET', `/resources/${resource.id}/clients?page_size=100`)).body)).toEqual(ids);
    expect(idsOf((await api('GET', `/resources/${resource.id}/clients?page_size=4`)).body)).toEqual(ids.slice(0, 4));

    const foreign = await api('GET', `/resources/${resource.id}/clients?page_token=bm90LWEtdG9rZW4`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toBe('page_token: is not a page token of this list');
    const negative = await api('GET', `/resources/${resource.id}/clients?page_size=-1`);
    expect(negative.status).toBe(400);
    expect(negative.body.message).toBe('page_size: must be a whole number');
  });

  it('serves resource clients under /resources/{id}/clients', async () => {
    const resource = (await api('POST', '/resources', { resource_type: 'MCP_SERVER', name: 'Mail', resource_id: 'http://localhost:4201/', scopes: ['mail:read'] })).body
      .resource as { id: string };
    const created = await api('POST', `/resources/${resource.id}/clients`, { name: 'Mailer', scopes: ['mail:read'] });
    expect(created.status).toBe(201);
    const id = String((created.body.client as Record<string, unknown>).client_id);
    expect((await api('GET', `/resources/${resource.id}/clients`)).body).toMatchObject({ total_static_clients: 1, total_dcr_clients: 0 });
    const got = await api('GET', `/resources/${resource.id}/clients/${id}`);
    expect(got.body).toMatchObject({ client: { client_id: id, resource_id: resource.id }, consented_users: [] });
    expect((await api('PATCH', `/resources/${resource.id}/clients/${id}`, { description: 'sends mail' })).body.client).toMatchObject({
      name: 'Mailer',
      description: 'sends mail',
    });
    expect((await api('DELETE', `/resources/${resource.id}/clients/${id}`)).status).toBe(200);
    expect((await api('DELETE', `/resources/${resource.id}`)).status).toBe(200);
    expect((await api('GET', `/resources/${resource.id}`)).status).toBe(404);
  });

  it('creates, gets and lists organizations; creates users in one and lists them', async () => {
    const org = await api('POST', '/organizations', { display_name: 'Initech' });
    expect(org.status).toBe(201);
    const id = String((org.body.organization as Record<string, unknown>).id);
    expect((await api('GET', `/organizations/${id}`)).body.organization).toMatchObject({ id, display_name: 'Initech' });
    const user = await api('POST', `/organizations/${id}/users`, { email: 'peter@initech.example', user_profile: { name: 'Peter' } });
    expect(user.status).toBe(201);
    expect(user.body.user).toMatchObject({ email: 'peter@initech.example', memberships: [{ organization_id: id, membership_status: 'ACTIVE' }], user_profile: { name: 'Peter' } });
    expect(((await api('GET', `/organizations/${id}/users`)).body.users as unknown[]).length).toBe(1);
    expect((await api('GET', '/users?page_size=100')).status).toBe(200);
    expect((await api('POST', '/organizations', {})).body).toMatchObject({ code: 3, message: 'organization.display_name: is required' });
  });
});

describe('audit events', () => {
  it('records each change once, newest first, filterable by type, client and time, and paged', async () => {
    const since = new Date().toISOString();
    const created = await api('POST', `/organizations/${ORG}/clients`, { name: 'Audited' });
    const clientId = String((created.body.client as Record<string, unknown>).client_id);
    await api('PATCH', `/organizations/${ORG}/clients/${clientId}`, { name: 'Audited 2' });
    await clientToken(server.url, clientId, String(created.body.plain_secret));

    const mine = await api('GET', `/audit-events?client_id=${clientId}&start_time=${since}`);
    expect(mine.status).toBe(200);
    const events = mine.body.events as Record<string, unknown>[];
    // Management changes in the order made, newest first; the token (iat: whole seconds) among them.
    const changes = events.filter((e) => e.type !== 'token.issued');
    expect(changes.map((e) => e.type)).toEqual(['organization_client.updated', 'client_secret.created', 'organization_client.created']);
    expect(changes[0]).toMatchObject({ actor: ENV_CLIENT.id, client_id: clientId, organization_id: ORG, target_id: clientId, details: { fields: ['name'] } });
    const tokens = events.filter((e) => e.type === 'token.issued');
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ actor: clientId, client_id: clientId, details: { grant_type: 'client_credentials' } });
    expect(String(tokens[0]!.id)).toMatch(/^tkn_/);
    const times = events.map((e) => Date.parse(String(e.time)));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(JSON.stringify(mine.body)).not.toContain(String(created.body.plain_secret));

    const onlyTokens = await api('GET', `/audit-events?type=token&client_id=${clientId}`);
    expect((onlyTokens.body.events as { type: string }[]).map((e) => e.type)).toEqual(['token.issued']);

    const page1 = await api('GET', `/audit-events?client_id=${clientId}&page_size=3`);
    const page2 = await api('GET', `/audit-events?client_id=${clientId}&page_size=3&page_token=${String(page1.body.next_page_token)}`);
    const ids = [...(page1.body.events as { id: string }[]), ...(page2.body.events as { id: string }[])].map((e) => e.id);
    expect(ids).toEqual(events.map((e) => e.id));
    expect(page2.body.next_page_token).toBe('');

    const before = await api('GET', `/audit-events?client_id=${clientId}&type=organization_client&end_time=${since}`);
    expect(before.body.events).toEqual([]);
    expect((await api('GET', '/audit-events?start_time=yesterday')).body.message).toMatch(/^start_time: must be an RFC 3339 time/);
  });

  it('writes one pino line per change and per issued token, with ids and never a secret', async () => {
    const created = await api('POST', `/organizations/${ORG}/clients`, { name: 'Logged' });
    const secret = String(created.body.plain_secret);
    await clientToken(server.url, String((created.body.client as Record<string, unknown>).client_id), secret);
    const lines = server.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const clientId = (created.body.client as Record<string, unknown>).client_id;
    expect(lines.some((l) => l.audit === 'organization_client.created' && l.client_id === clientId && l.actor === ENV_CLIENT.id)).toBe(true);
    expect(lines.some((l) => l.audit === 'token.issued' && l.client_id === clientId && typeof l.jti === 'string')).toBe(true);
    expect(server.logs()).not.toContain(secret);
    expect(server.logs()).not.toContain(ENV_CLIENT.secret);
  });
});
