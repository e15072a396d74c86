// The environment's own API client (Scalekit's ClientService ListClient / GetClient / UpdateClient /
// DeleteClient and its secrets) and the environment-level scopes (CreateScope / ListScopes /
// UpdateScope / DeleteScope), over gRPC (Scalekit's descriptors, as the SDK's transport) and REST. The
// SDK wraps none of these calls. Environment scopes govern which scopes the environment's client may hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, type ConnectError } from '@connectrpc/connect';
import { ClientSecretStatus } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import { ErrorInfoSchema } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/errdetails/errdetails_pb.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, connectError, environmentToken, errorDetail, grpcClients, restCaller, type GrpcClients, type Rest } from '../helpers/management.js';
import { decodeJwt, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let grpc: GrpcClients;
let rest: Rest;

beforeAll(async () => {
  server = await startTestServer();
  const token = await environmentToken(server.url);
  grpc = grpcClients(server.url, token);
  rest = restCaller(server.url, token);
});
afterAll(() => server.close());

const violations = (err: ConnectError) =>
  err.findDetails(ErrorInfoSchema)[0]?.validationErrorInfo?.fieldViolations.map((v) => [v.field, v.description]);

async function auditTypes(type: string): Promise<string[]> {
  const res = await rest('GET', `/audit-events?type=${type}`);
  return (res.body.events as { type: string }[]).map((e) => e.type);
}

describe('environment app clients over gRPC', () => {
  it('lists and gets the environment client (client_type ENV, its secret without a value)', async () => {
    const listed = await grpc.clients.listClient({});
    expect(listed.clients.map((c) => [c.id, c.clientType])).toEqual([[ENV_CLIENT.id, 'ENV']]);
    expect(listed.totalSize).toBe(1);
    expect((await grpc.clients.listClient({ filter: { clientType: ['WEB_APP'] } })).clients).toEqual([]);
    const { client } = await grpc.clients.getClient({ clientId: ENV_CLIENT.id });
    expect(client).toMatchObject({ id: ENV_CLIENT.id, scopes: ['openid'], accessTokenExpiry: 86399n, postLoginUris: ['http://127.0.0.1:4010/callback'] });
    expect(client!.secrets).toHaveLength(1);
    expect(client!.secrets[0]!.plainSecret).toBeUndefined();
  });

  it('answers NOT_FOUND for another kind of client and an unknown id, INVALID_ARGUMENT for none', async () => {
    expect((await connectError(grpc.clients.getClient({ clientId: 'm2morg_20000000000000001' }))).code).toBe(Code.NotFound);
    expect((await connectError(grpc.clients.getClient({ clientId: 'skc_1' }))).rawMessage).toBe('client skc_1 not found');
    expect((await connectError(grpc.clients.getClient({ clientId: '' }))).code).toBe(Code.InvalidArgument);
  });

  it('answers every one of these calls UNAUTHENTICATED (16) without the environment token, changing nothing', async () => {
    const anonymous = grpcClients(server.url).clients;
    for (const call of [
      anonymous.listClient({}),
      anonymous.updateClient({ clientId: ENV_CLIENT.id, client: { name: 'Taken over' } }),
      anonymous.createClientSecret({ clientId: ENV_CLIENT.id }),
      anonymous.createScope({ scope: { name: 'sneaky:read' } }),
      anonymous.listScopes({}),
    ]) {
      const err = await connectError(call);
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.findDetails(ErrorInfoSchema).map((d) => d.errorCode)).toEqual(['UNAUTHENTICATED']);
    }
    expect((await server.app.store.clients.get(ENV_CLIENT.id))?.name).not.toBe('Taken over');
    expect(await server.app.store.environmentScopes.findByName('sneaky:read')).toBeUndefined();
  });

  it('adds a secret that works at /oauth/token, turns it off and on, deletes it; never the last working one', async () => {
    const created = await grpc.clients.createClientSecret({ clientId: ENV_CLIENT.id });
    expect(created.plainSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const secretId = created.secret!.id;
    expect((await clientToken(server.url, ENV_CLIENT.id, created.plainSecret)).status).toBe(200);

    const off = await grpc.clients.updateClientSecret({ clientId: ENV_CLIENT.id, secretId, secret: { status: ClientSecretStatus.INACTIVE } });
    expect(off.secret?.status).toBe(ClientSecretStatus.INACTIVE);
    expect((await clientToken(server.url, ENV_CLIENT.id, created.plainSecret)).status).toBe(401);
    await grpc.clients.updateClientSecret({ clientId: ENV_CLIENT.id, secretId, secret: { status: ClientSecretStatus.ACTIVE } });
    expect((await clientToken(server.url, ENV_CLIENT.id, created.plainSecret)).status).toBe(200);

    await grpc.clients.deleteClientSecret({ clientId: ENV_CLIENT.id, secretId });
    expect((await clientToken(server.url, ENV_CLIENT.id, created.plainSecret)).status).toBe(401);
    expect((await connectError(grpc.clients.deleteClientSecret({ clientId: ENV_CLIENT.id, secretId }))).code).toBe(Code.NotFound);

    // The configured secret is now the only one: taking it away would lock every caller out.
    const [only] = await server.app.store.secrets.list(ENV_CLIENT.id);
    const last = await connectError(grpc.clients.deleteClientSecret({ clientId: ENV_CLIENT.id, secretId: only!.id }));
    expect(last.code).toBe(Code.FailedPrecondition);
    expect(last.rawMessage).toBe(`secret ${only!.id} is the last active secret of ${ENV_CLIENT.id}: create another first`);
    expect((await connectError(grpc.clients.updateClientSecret({ clientId: ENV_CLIENT.id, secretId: only!.id, secret: { status: ClientSecretStatus.INACTIVE } }))).code).toBe(Code.FailedPrecondition);
    expect((await clientToken(server.url, ENV_CLIENT.id, ENV_CLIENT.secret)).status).toBe(200);
    expect(await auditTypes('client_secret')).toEqual(expect.arrayContaining(['client_secret.created', 'client_secret.updated', 'client_secret.removed']));
  });

  it('refuses to delete the default client (FAILED_PRECONDITION)', async () => {
    const err = await connectError(grpc.clients.deleteClient({ clientId: ENV_CLIENT.id }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toBe(`client ${ENV_CLIENT.id} is the environment's default client: it cannot be deleted`);
    expect((await connectError(grpc.clients.deleteClient({ clientId: 'skc_1' }))).code).toBe(Code.NotFound);
  });
});

it('keeps what UpdateClient set across a restart (name, scopes, lifetime)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'env-client-restart-'));
  try {
    const first = await startTestServer({ env: { DATA_DIR: dataDir } });
    const clients = grpcClients(first.url, await environmentToken(first.url)).clients;
    await clients.createScope({ scope: { name: 'kept:read' } });
    await clients.updateClient({ clientId: ENV_CLIENT.id, client: { name: 'Kept', scopes: ['openid', 'kept:read'], accessTokenExpiry: 7200n } });
    await first.close();
    const second = await startTestServer({ env: { DATA_DIR: dataDir } });
    try {
      expect(await second.app.store.clients.get(ENV_CLIENT.id)).toMatchObject({ name: 'Kept', scopes: ['openid', 'kept:read'], expiry: 7200 });
      expect(((await (await clientToken(second.url, ENV_CLIENT.id, ENV_CLIENT.secret)).json()) as { expires_in: number }).expires_in).toBe(7200);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('environment scopes govern what the environment client may hold', () => {
  it('lists the system OpenID Connect scopes, creates one, refuses duplicates, bad and reserved names', async () => {
    const before = await grpc.clients.listScopes({});
    expect(before.scopes.map((s) => s.name)).toEqual(['openid', 'profile', 'email', 'offline_access']);
    const { scope } = await grpc.clients.createScope({ scope: { name: 'reports:read', description: 'Read reports' } });
    expect(scope).toMatchObject({ name: 'reports:read', description: 'Read reports', enabled: true });
    expect(scope!.id).toMatch(/^scope_\d{17}$/);
    expect((await grpc.clients.listScopes({ envId: 'env_1' })).scopes.map((s) => s.name)).toContain('reports:read');

    expect((await connectError(grpc.clients.createScope({ scope: { name: 'reports:read' } }))).code).toBe(Code.AlreadyExists);
    const bad = await connectError(grpc.clients.createScope({ scope: { name: 'reports read' } }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(violations(bad)).toEqual([['scope.name', 'must be 1 to 64 letters, digits or colons']]);
    expect(violations(await connectError(grpc.clients.createScope({ scope: { name: 'phone' } })))).toEqual([['scope.name', 'phone is a reserved OpenID Connect scope']]);
    const system = before.scopes[0]!.id;
    expect((await connectError(grpc.clients.updateScope({ id: system, scope: { description: 'x' } }))).code).toBe(Code.FailedPrecondition);
    expect((await connectError(grpc.clients.deleteScope({ id: 'scope_1' }))).code).toBe(Code.NotFound);
  });

  it('UpdateClient gives the client an environment scope (its next token carries it) and refuses one the environment lacks', async () => {
    const { scope } = await grpc.clients.createScope({ scope: { name: 'billing:read', description: 'Billing' } });
    const refused = await connectError(grpc.clients.updateClient({ clientId: ENV_CLIENT.id, client: { scopes: ['openid', 'todo:read'] } }));
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(violations(refused)).toEqual([['client.scopes[1]', 'is not an enabled scope of the environment (todo:read)']]);

    const { client } = await grpc.clients.updateClient({ clientId: ENV_CLIENT.id, client: { scopes: ['openid', 'billing:read'], name: 'Platform API' } });
    expect(client).toMatchObject({ name: 'Platform API', scopes: ['openid', 'billing:read'], accessTokenExpiry: 86399n });
    const token = (await (await clientToken(server.url, ENV_CLIENT.id, ENV_CLIENT.secret)).json()) as { access_token: string; scope: string };
    expect(token.scope).toBe('openid billing:read');
    expect(decodeJwt(token.access_token).payload.scopes).toEqual(['openid', 'billing:read']);

    // Held, it cannot go; disabled, it cannot be given again.
    expect((await connectError(grpc.clients.deleteScope({ id: scope!.id }))).rawMessage).toBe(`scope billing:read is held by client ${ENV_CLIENT.id}: remove it from the client first`);
    await grpc.clients.updateScope({ id: scope!.id, scope: { enabled: false } });
    await grpc.clients.updateClient({ clientId: ENV_CLIENT.id, client: { scopes: ['openid'] } });
    expect((await connectError(grpc.clients.updateClient({ clientId: ENV_CLIENT.id, client: { scopes: ['billing:read'] } }))).code).toBe(Code.InvalidArgument);
    await grpc.clients.deleteScope({ id: scope!.id });
    expect((await grpc.clients.listScopes({})).scopes.map((s) => s.name)).not.toContain('billing:read');
    expect(await auditTypes('scope')).toEqual(['scope.deleted', 'scope.updated', 'scope.created', 'scope.created']);
    // The two updates that changed something, after the seed's redirect URIs at start; the refused ones left none.
    expect(await auditTypes('environment_client')).toEqual(['environment_client.updated', 'environment_client.updated', 'environment_client.updated']);
  });

  it('UpdateClient sets the redirect URIs (post_login_uris) and refuses one with a fragment', async () => {
    const bad = await connectError(grpc.clients.updateClient({ clientId: ENV_CLIENT.id, client: { postLoginUris: ['http://127.0.0.1:4011/cb#x'] } }));
    expect(violations(bad)).toEqual([['client.post_login_uris[0]', expect.stringContaining('fragment')]]);
    const { client } = await grpc.clients.updateClient({ clientId: ENV_CLIENT.id, client: { postLoginUris: ['http://127.0.0.1:4011/cb'] } });
    expect(client!.postLoginUris).toEqual(['http://127.0.0.1:4011/cb']);
    expect((await server.app.store.clients.get(ENV_CLIENT.id))?.redirectUris).toEqual(['http://127.0.0.1:4011/cb']);
  });
});

describe('the same over REST', () => {
  it('GET /clients, PATCH /clients/{id} (the body is the mask), secrets POST 201 / PUT / DELETE', async () => {
    const listed = await rest('GET', '/clients');
    expect(listed.status).toBe(200);
    expect((listed.body.clients as { id: string; client_type: string }[]).map((c) => [c.id, c.client_type])).toEqual([[ENV_CLIENT.id, 'ENV']]);
    const patched = await rest('PATCH', `/clients/${ENV_CLIENT.id}`, { access_token_expiry: '3600' });
    expect(patched.status).toBe(200);
    expect(patched.body.client).toMatchObject({ access_token_expiry: '3600', name: 'Platform API' });

    const created = await rest('POST', `/clients/${ENV_CLIENT.id}/secrets`);
    expect(created.status).toBe(201);
    const secretId = (created.body.secret as { id: string }).id;
    expect(typeof created.body.plain_secret).toBe('string');
    const off = await rest('PUT', `/clients/${ENV_CLIENT.id}/secrets/${secretId}`, { status: 'INACTIVE' });
    expect(off.body.secret).toMatchObject({ id: secretId, status: 'INACTIVE' });
    const deleted = await rest('DELETE', `/clients/${ENV_CLIENT.id}/secrets/${secretId}`);
    expect(deleted).toMatchObject({ status: 200, body: {} });
    expect((await server.app.store.secrets.list(ENV_CLIENT.id)).map((s) => s.id)).not.toContain(secretId);
  });

  it("answers Scalekit's error JSON: 404, 400 naming the field, FAILED_PRECONDITION (400) for the default client, 405 for POST /clients, 401", async () => {
    const missing = await rest('GET', '/clients/skc_1');
    expect(missing).toMatchObject({ status: 404, body: { code: 5, message: 'client skc_1 not found', details: errorDetail('NOT_FOUND') } });
    const bad = await rest('PATCH', `/clients/${ENV_CLIENT.id}`, { scopes: ['nope'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('client.scopes[0]: is not an enabled scope of the environment (nope)');
    const undeletable = await rest('DELETE', `/clients/${ENV_CLIENT.id}`);
    expect(undeletable.status).toBe(400);
    expect(undeletable.body).toMatchObject({ code: 9, details: errorDetail('FAILED_PRECONDITION') });
    const create = await rest('POST', '/clients', { name: 'Web app', client_type: 'WEB_APP' });
    expect(create.status).toBe(405);
    expect(create.body.code).toBe(12);
    expect((await restCaller(server.url)('GET', '/clients')).status).toBe(401);
  });

  it('scopes: POST /scopes and /environments/{env_id}/scopes 201, GET, PATCH enabled, DELETE; errors', async () => {
    const created = await rest('POST', '/scopes', { name: 'audit:read', description: 'Audit' });
    expect(created.status).toBe(201);
    const id = (created.body.scope as { id: string }).id;
    expect((await rest('POST', '/environments/env_1/scopes', { name: 'audit:write' })).status).toBe(201);
    const listed = await rest('GET', '/environments/env_1/scopes');
    expect((listed.body.scopes as { name: string }[]).map((s) => s.name)).toEqual(expect.arrayContaining(['openid', 'audit:read', 'audit:write']));
    const disabled = await rest('PATCH', `/scopes/${id}`, { enabled: false });
    expect(disabled.body.scope).toEqual({ id, name: 'audit:read', description: 'Audit', enabled: false });
    const cleared = await rest('PATCH', `/scopes/${id}`, { description: '' });
    expect(cleared.body.scope).toMatchObject({ description: '', enabled: false });
    expect((await rest('DELETE', `/scopes/${id}`)).status).toBe(200);
    expect(await rest('DELETE', `/scopes/${id}`)).toMatchObject({ status: 404, body: { message: `scope ${id} not found` } });
    const dup = await rest('POST', '/scopes', { name: 'audit:write' });
    expect(dup).toMatchObject({ status: 409, body: { code: 6, message: 'scope audit:write already exists' } });
    expect((await rest('POST', '/scopes', { name: '' })).body.message).toBe('scope.name: must be 1 to 64 letters, digits or colons');
  });
});
