// The management API over gRPC, driven by @scalekit-sdk/node itself (new ScalekitClient(url, id,
// secret), m2m.*, organization.*, user.*) and, for the calls the SDK only ships as generated stubs
// (resources), by Scalekit's descriptors over connect's gRPC transport, as the SDK's own transport does.
import { Code } from '@connectrpc/connect';
import { ScalekitClient, ScalekitServerException } from '@scalekit-sdk/node';
import { ResourceType } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import { ErrorInfoSchema } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/errdetails/errdetails_pb.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, connectError, environmentToken, grpcClients, rejectionOf, type GrpcClients } from '../helpers/management.js';
import { decodeJwt, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

const ORG = 'org_20000000000000001';
const TODO = 'http://localhost:3002/';

let server: TestServer;
let scalekit: ScalekitClient;
let grpc: GrpcClients;

beforeAll(async () => {
  server = await startTestServer();
  scalekit = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
  grpc = grpcClients(server.url, await environmentToken(server.url));
});
afterAll(() => server.close());

/** The error an SDK call rejected with, to assert on its exact gRPC status and error code. */
const sdkError = (call: Promise<unknown>) => rejectionOf(call, ScalekitServerException);

const tokensOf = async (clientId: string) => {
  await server.app.store.issuedTokens.flush();
  return (await server.db.get<{ n: number }>('SELECT count(*) AS n FROM issued_tokens WHERE client_id = ?', [clientId]))!.n;
};

async function tokenFor(clientId: string, secret: string, extra: Record<string, string> = {}) {
  const res = await clientToken(server.url, clientId, secret, extra);
  const body = (await res.json()) as Record<string, string>;
  return { status: res.status, body, claims: res.status === 200 ? decodeJwt(body.access_token!).payload : undefined };
}

describe('authentication (the SDK authenticates lazily)', () => {
  it('answers a call without a token with gRPC status 16 UNAUTHENTICATED and an ErrorInfo detail', async () => {
    const err = await connectError(grpcClients(server.url).clients.listOrganizationClients({ organizationId: ORG }));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe('Token empty');
    expect(err.findDetails(ErrorInfoSchema).map((d) => d.errorCode)).toEqual(['UNAUTHENTICATED']);
  });

  it('lets the SDK recover: its first call gets 16, it fetches one token by client_credentials and reuses it', async () => {
    const sdk = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
    const before = await tokensOf(ENV_CLIENT.id);
    const first = await sdk.m2m.listOrganizationClients(ORG);
    expect(first.clients.map((c) => c.clientId)).toContain('m2morg_20000000000000001');
    expect(await tokensOf(ENV_CLIENT.id)).toBe(before + 1);
    await sdk.organization.getOrganization(ORG);
    expect(await tokensOf(ENV_CLIENT.id)).toBe(before + 1);
  });

  it('answers a token of another client (not the environment client) with 16', async () => {
    const agent = (await tokenFor('m2morg_20000000000000001', 'agent-secret-0123456789abcdef')).body.access_token!;
    const err = await connectError(grpcClients(server.url, agent).organizations.listOrganization({}));
    expect(err.code).toBe(Code.Unauthenticated);
  });

  it('answers a forged or malformed token with 16, never data', async () => {
    const real = await environmentToken(server.url);
    const forged = `${real.slice(0, real.lastIndexOf('.'))}.${'A'.repeat(342)}`;
    for (const token of [forged, 'not-a-jwt']) {
      const err = await connectError(grpcClients(server.url, token).clients.getOrganizationClient({ organizationId: ORG, clientId: 'm2morg_20000000000000001' }));
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.rawMessage).toBe('Token invalid');
    }
  });

  it('fails an SDK with a wrong secret at /oauth/token (401), with no management data', async () => {
    const wrong = new ScalekitClient(server.url, ENV_CLIENT.id, 'not-the-environment-secret');
    // The SDK surfaces a failed token request as its axios error (its own copy of axios).
    const err = (await wrong.m2m.listOrganizationClients(ORG).catch((e: unknown) => e)) as {
      isAxiosError?: boolean;
      response?: { status: number; data: unknown };
    };
    expect(err.isAxiosError).toBe(true);
    expect(err.response?.status).toBe(401);
    expect(err.response?.data).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });
});

describe('organization M2M clients through scalekit.m2m', () => {
  it('creates a client whose plainSecret gets a client_credentials token that validateToken accepts', async () => {
    const { client, plainSecret } = await scalekit.m2m.createOrganizationClient(ORG, {
      name: 'Reporting agent',
      description: 'reads todos',
      scopes: ['todo:read'],
      audience: [TODO],
      customClaims: { team: 'data' },
    });
    expect(client?.clientId).toMatch(/^m2morg_\d{17}$/);
    expect(plainSecret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect(client).toMatchObject({ organizationId: ORG, name: 'Reporting agent', scopes: ['todo:read'], audience: [TODO], expiry: 3600n });
    expect(client?.customClaims.map(({ key, value }) => ({ key, value }))).toEqual([{ key: 'team', value: 'data' }]);
    expect(client?.secrets).toHaveLength(1);
    expect(client?.secrets[0]?.secretSuffix).toBe(plainSecret.slice(-4));
    expect(client?.secrets[0]?.plainSecret).toBeUndefined();

    const token = await tokenFor(client!.clientId, plainSecret);
    expect(token.status).toBe(200);
    const claims = await scalekit.validateToken<Record<string, unknown>>(token.body.access_token!, { audience: [TODO], requiredScopes: ['todo:read'] });
    expect(claims).toMatchObject({ sub: client!.clientId, client_id: client!.clientId, oid: ORG, scopes: ['todo:read'], team: 'data' });
  });

  it('shows the secret only in the create response: get returns its id and suffix, never a value', async () => {
    const { client, plainSecret } = await scalekit.m2m.createOrganizationClient(ORG, { name: 'Once' });
    const got = await scalekit.m2m.getOrganizationClient(ORG, client!.clientId);
    expect(got.client?.secrets.map((s) => s.plainSecret)).toEqual([undefined]);
    expect(JSON.stringify(got, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(plainSecret);
  });

  it('lists with page_size and page_token, without repeating or skipping a client', async () => {
    await scalekit.organization.createOrganization('Paging Inc').then(async ({ organization }) => {
      const org = organization!.id;
      const made = [];
      for (const name of ['a', 'b', 'c']) made.push((await scalekit.m2m.createOrganizationClient(org, { name })).client!.clientId);
      const first = await scalekit.m2m.listOrganizationClients(org, { pageSize: 2 });
      expect(first.totalSize).toBe(3);
      expect(first.clients.map((c) => c.clientId)).toEqual(made.slice(0, 2));
      expect(first.nextPageToken).not.toBe('');
      const second = await scalekit.m2m.listOrganizationClients(org, { pageSize: 2, pageToken: first.nextPageToken });
      expect(second.clients.map((c) => c.clientId)).toEqual(made.slice(2));
      expect(second.nextPageToken).toBe('');
    });
  });

  it('adds a second secret (both work), then removes the first: it fails at /oauth/token at once', async () => {
    const { client, plainSecret: first } = await scalekit.m2m.createOrganizationClient(ORG, { name: 'Rotating', scopes: ['todo:read'] });
    const id = client!.clientId;
    const added = await scalekit.m2m.addOrganizationClientSecret(ORG, id);
    expect(added.secret?.id).toMatch(/^sks_\d{17}$/);
    expect(added.secret?.secretSuffix).toBe(added.plainSecret.slice(-4));
    expect((await tokenFor(id, first)).status).toBe(200);
    expect((await tokenFor(id, added.plainSecret)).status).toBe(200);

    const firstId = client!.secrets[0]!.id;
    await scalekit.m2m.removeOrganizationClientSecret(ORG, id, firstId);
    const refused = await tokenFor(id, first);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
    expect((await tokenFor(id, added.plainSecret)).status).toBe(200);
    expect((await scalekit.m2m.getOrganizationClient(ORG, id)).client?.secrets.map((s) => s.id)).toEqual([added.secret!.id]);
  });

  it('records last_used_time on a secret once it got a token', async () => {
    const { client, plainSecret } = await scalekit.m2m.createOrganizationClient(ORG, { name: 'Used' });
    expect(client?.secrets[0]?.lastUsedTime).toBeUndefined();
    expect((await tokenFor(client!.clientId, plainSecret)).status).toBe(200);
    const used = (await scalekit.m2m.getOrganizationClient(ORG, client!.clientId)).client!.secrets[0]!;
    expect(used.lastUsedTime).toBeDefined();
  });

  it('updates scopes: the very next token carries the new ones, and a dropped one is refused', async () => {
    const { client, plainSecret } = await scalekit.m2m.createOrganizationClient(ORG, { name: 'Growing', scopes: ['todo:read'], audience: [TODO] });
    const id = client!.clientId;
    const updated = await scalekit.m2m.updateOrganizationClient(ORG, id, { scopes: ['todo:write', 'todo:admin'] });
    expect(updated.client).toMatchObject({ name: 'Growing', scopes: ['todo:write', 'todo:admin'], audience: [TODO] });
    expect((await tokenFor(id, plainSecret)).claims?.scopes).toEqual(['todo:write', 'todo:admin']);
    const dropped = await tokenFor(id, plainSecret, { scope: 'todo:read' });
    expect(dropped.status).toBe(400);
    expect(dropped.body.error).toBe('invalid_scope');
  });

  it('deletes the client: get is NOT_FOUND (5) and its secret no longer gets a token', async () => {
    const { client, plainSecret } = await scalekit.m2m.createOrganizationClient(ORG, { name: 'Doomed' });
    await scalekit.m2m.deleteOrganizationClient(ORG, client!.clientId);
    const err = await sdkError(scalekit.m2m.getOrganizationClient(ORG, client!.clientId));
    expect(err.grpcStatus).toBe(Code.NotFound);
    expect(err.errorCode).toBe('NOT_FOUND');
    expect((await tokenFor(client!.clientId, plainSecret)).status).toBe(401);
  });

  it('answers unknown organizations and clients with NOT_FOUND (5)', async () => {
    expect((await sdkError(scalekit.m2m.listOrganizationClients('org_404'))).grpcStatus).toBe(Code.NotFound);
    expect((await sdkError(scalekit.m2m.getOrganizationClient(ORG, 'm2morg_404'))).grpcStatus).toBe(Code.NotFound);
    expect((await sdkError(scalekit.m2m.removeOrganizationClientSecret(ORG, 'm2morg_20000000000000001', 'sks_404'))).grpcStatus).toBe(Code.NotFound);
  });

  it('answers bad input with INVALID_ARGUMENT (3) naming the field', async () => {
    const err = await sdkError(scalekit.m2m.createOrganizationClient(ORG, { name: 'Bad', scopes: ['ok', 'not a scope'] }));
    expect(err.grpcStatus).toBe(Code.InvalidArgument);
    expect(err.errorCode).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('client.scopes[1]: must be a scope token');
    const long = await sdkError(scalekit.m2m.createOrganizationClient(ORG, { name: 'x'.repeat(129) }));
    expect(long.message).toContain('client.name: must be at most 128 characters');
  });
});

describe('organizations and users through scalekit.organization and scalekit.user', () => {
  it('creates, gets and lists organizations', async () => {
    const { organization } = await scalekit.organization.createOrganization('Globex');
    expect(organization?.id).toMatch(/^org_\d{17}$/);
    expect((await scalekit.organization.getOrganization(organization!.id)).organization?.displayName).toBe('Globex');
    const listed = await scalekit.organization.listOrganization({ pageSize: 100 });
    expect(listed.organizations.map((o) => o.id)).toEqual(expect.arrayContaining([ORG, organization!.id]));
    expect((await sdkError(scalekit.organization.getOrganization('org_404'))).grpcStatus).toBe(Code.NotFound);
    expect((await sdkError(scalekit.organization.createOrganization(''))).grpcStatus).toBe(Code.InvalidArgument);
  });

  it('creates a user in an organization and lists it there and environment-wide', async () => {
    const { organization } = await scalekit.organization.createOrganization('Users Ltd');
    const org = organization!.id;
    const { user } = await scalekit.user.createUserAndMembership(org, { email: 'Grace@Example.com', userProfile: { firstName: 'Grace', lastName: 'Hopper' } });
    expect(user?.id).toMatch(/^usr_\d{17}$/);
    expect(user).toMatchObject({ email: 'grace@example.com', userProfile: { name: 'Grace Hopper' } });
    expect(user?.memberships.map((m) => m.organizationId)).toEqual([org]);
    expect((await scalekit.user.listOrganizationUsers(org)).users.map((u) => u.id)).toEqual([user!.id]);
    expect((await scalekit.user.listUsers({ pageSize: 100 })).users.map((u) => u.id)).toContain(user!.id);
    const dup = await sdkError(scalekit.user.createUserAndMembership(org, { email: 'grace@example.com' }));
    expect(dup.grpcStatus).toBe(Code.AlreadyExists);
    const bad = await sdkError(scalekit.user.createUserAndMembership(org, { email: 'not-an-email' }));
    expect(bad.grpcStatus).toBe(Code.InvalidArgument);
    expect(bad.message).toContain('user.email');
  });
});

describe('resources (MCP servers) and their clients over gRPC', () => {
  it('creates an MCP server with scopes, toggles and lifetimes, and returns its protected-resource metadata', async () => {
    const { resource } = await grpc.clients.createResource({
      resource: {
        resourceType: ResourceType.MCP_SERVER,
        name: 'Notes',
        resourceId: 'http://localhost:4100/mcp',
        scopes: ['notes:read', 'notes:write'],
        accessTokenExpiry: 600n,
        refreshTokenExpiry: 7200n,
        disableDynamicClientRegistration: true,
        enableCimd: true,
      },
    });
    expect(resource?.id).toMatch(/^res_\d{17}$/);
    expect(resource).toMatchObject({
      name: 'Notes',
      resourceId: 'http://localhost:4100/mcp',
      resourceType: ResourceType.MCP_SERVER,
      accessTokenExpiry: 600n,
      refreshTokenExpiry: 7200n,
      disableDynamicClientRegistration: true,
      enableCimd: true,
      protectedMetadataUri: 'http://localhost:4100/.well-known/oauth-protected-resource/mcp',
    });
    expect(resource?.scopes.map((s) => [s.name, s.enabled])).toEqual([
      ['notes:read', true],
      ['notes:write', true],
    ]);
    expect(resource?.protectedMetadata).toEqual({
      authorization_servers: [`${server.url}/resources/${resource!.id}`],
      bearer_methods_supported: ['header'],
      resource: 'http://localhost:4100/mcp',
      resource_documentation: 'http://localhost:4100/mcp/docs',
      scopes_supported: ['notes:read', 'notes:write'],
    });
    const metadata = await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/${resource!.id}`);
    expect(metadata.status).toBe(200);
  });

  it('updates only what the update_mask names, BoolValue wrappers included, and only given values without one', async () => {
    const { resource } = await grpc.clients.createResource({
      resource: { resourceType: ResourceType.MCP_SERVER, name: 'Mask', resourceId: 'http://localhost:4101/', scopes: ['a', 'b'], description: 'keep me' },
    });
    const id = resource!.id;
    const masked = await grpc.clients.updateResource({
      resourceId: id,
      resource: { name: 'ignored: not in the mask', scopes: [], disableDynamicClientRegistration: true },
      updateMask: { paths: ['scopes', 'disable_dynamic_client_registration'] },
    });
    expect(masked.resource).toMatchObject({ name: 'Mask', description: 'keep me', disableDynamicClientRegistration: true, scopes: [] });
    const unmasked = await grpc.clients.updateResource({ resourceId: id, resource: { name: 'Renamed', enableCimd: false } });
    expect(unmasked.resource).toMatchObject({ name: 'Renamed', description: 'keep me', disableDynamicClientRegistration: true, enableCimd: false });
    const err = await connectError(grpc.clients.updateResource({ resourceId: id, resource: {}, updateMask: { paths: ['colour'] } }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe('update_mask: names no field of resource: colour');
  });

  it('xaa_enabled (Scalekit\'s field 14 / 21 / BoolValue 16): created, read, updated; it switches the jwt-bearer grant in the metadata', async () => {
    const { resource } = await grpc.clients.createResource({ resource: { resourceType: ResourceType.MCP_SERVER, name: 'Enterprise', resourceId: 'http://localhost:4106/', xaaEnabled: true } });
    const id = resource!.id;
    expect(resource!.xaaEnabled).toBe(true);
    expect((await grpc.clients.getResource({ resourceId: id })).resource!.xaaEnabled).toBe(true);
    const grants = async () => ((await (await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/${id}`)).json()) as { grant_types_supported: string[] }).grant_types_supported;
    expect(await grants()).toContain('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const off = await grpc.clients.updateResource({ resourceId: id, resource: { xaaEnabled: false } });
    expect(off.resource!.xaaEnabled).toBe(false);
    expect(await grants()).not.toContain('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const untouched = await grpc.clients.updateResource({ resourceId: id, resource: { name: 'Enterprise 2' } });
    expect(untouched.resource).toMatchObject({ name: 'Enterprise 2', xaaEnabled: false });
  });

  it('gets, lists and deletes an MCP server; an unknown one is NOT_FOUND', async () => {
    const { resource } = await grpc.clients.createResource({ resource: { resourceType: ResourceType.MCP_SERVER, name: 'Gone', resourceId: 'http://localhost:4102/' } });
    expect((await grpc.clients.getResource({ resourceId: resource!.id })).resource?.name).toBe('Gone');
    const listed = await grpc.clients.listResources({ pageSize: 30 });
    expect(listed.resources.map((r) => r.id)).toContain(resource!.id);
    await grpc.clients.deleteResource({ resourceId: resource!.id });
    expect((await connectError(grpc.clients.getResource({ resourceId: resource!.id }))).code).toBe(Code.NotFound);
    expect((await connectError(grpc.clients.listResources({ pageSize: 31 }))).code).toBe(Code.InvalidArgument);
  });

  it('refuses a second MCP server with the same Server URL (ALREADY_EXISTS) and a resource_type other than MCP_SERVER', async () => {
    const dup = await connectError(grpc.clients.createResource({ resource: { resourceType: ResourceType.MCP_SERVER, name: 'Twin', resourceId: TODO } }));
    expect(dup.code).toBe(Code.AlreadyExists);
    const web = await connectError(grpc.clients.createResource({ resource: { resourceType: ResourceType.WEB, name: 'Web', resourceId: 'http://localhost:4103/' } }));
    expect(web.code).toBe(Code.InvalidArgument);
    expect(web.rawMessage).toContain('resource.resource_type');
  });

  it('makes a client without redirect URIs a client_credentials client of the MCP server', async () => {
    const { resource } = await grpc.clients.createResource({
      resource: { resourceType: ResourceType.MCP_SERVER, name: 'Calendar', resourceId: 'http://localhost:4104/', scopes: ['cal:read', 'cal:write'] },
    });
    const id = resource!.id;
    const created = await grpc.clients.createResourceClient({ resourceId: id, client: { name: 'Sync job', scopes: ['cal:read'] } });
    const clientId = created.client!.clientId;
    expect(clientId).toMatch(/^m2m_\d{17}$/);
    expect(created.client).toMatchObject({ resourceId: id, audience: ['http://localhost:4104/', id], redirectUris: [] });
    const res = await clientToken(server.url, clientId, created.plainSecret);
    expect(res.status).toBe(200);
    const onItsIssuer = await fetch(`${server.url}/resources/${id}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: created.plainSecret }),
    });
    expect(onItsIssuer.status).toBe(200);

    const updated = await grpc.clients.updateResourceClient({ resourceId: id, clientId, client: { scopes: ['cal:read', 'cal:write'] }, updateMask: { paths: ['scopes'] } });
    expect(updated.client?.scopes).toEqual(['cal:read', 'cal:write']);
    expect((await grpc.clients.getResourceClient({ resourceId: id, clientId })).client?.name).toBe('Sync job');
    const listed = await grpc.clients.listResourceClients({ resourceId: id });
    expect(listed).toMatchObject({ totalStaticClients: 1, totalDcrClients: 0 });
    const bad = await connectError(grpc.clients.updateResourceClient({ resourceId: id, clientId, client: { scopes: ['mail:read'] } }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toContain('client.scopes[0]: is not a scope of MCP server');

    await grpc.clients.deleteResourceClient({ resourceId: id, clientId });
    expect((await clientToken(server.url, clientId, created.plainSecret)).status).toBe(401);
  });

  it('makes a client with redirect URIs an authorization-code client: client_credentials is refused', async () => {
    const { resource } = await grpc.clients.createResource({ resource: { resourceType: ResourceType.MCP_SERVER, name: 'Wiki', resourceId: 'http://localhost:4105/' } });
    const created = await grpc.clients.createResourceClient({
      resourceId: resource!.id,
      client: { name: 'Desktop app', redirectUris: ['http://127.0.0.1:7777/callback'] },
    });
    expect(created.client?.redirectUris).toEqual(['http://127.0.0.1:7777/callback']);
    const res = await clientToken(server.url, created.client!.clientId, created.plainSecret);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
  });

  it('asks for authentication on DCR and user consents too (16 without a token)', async () => {
    expect((await connectError(grpcClients(server.url).clients.registerClient({ resId: 'res_20000000000000001' }))).code).toBe(Code.Unauthenticated);
    expect((await connectError(grpcClients(server.url).clients.revokeUserConsent({ clientId: 'm2m_1', consentId: 'cns_1' }))).code).toBe(Code.Unauthenticated);
  });

  it('answers a method it does not serve (CreateClient: web, SPA and native app clients) with UNIMPLEMENTED (12), after authentication', async () => {
    expect((await connectError(grpc.clients.createClient({ client: { name: 'Web app', clientType: 'WEB_APP' } }))).code).toBe(Code.Unimplemented);
    expect((await connectError(grpcClients(server.url).clients.createClient({}))).code).toBe(Code.Unauthenticated);
    expect((await server.app.store.clients.listByKind('environment')).map((c) => c.clientId)).toEqual([ENV_CLIENT.id]);
  });
});
