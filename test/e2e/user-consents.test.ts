// The consents people give on the consent page, seen and revoked through the management API
// (ListResourceUserConsents, GetResourceClient's consented_users, RevokeUserConsent over gRPC and REST),
// and RegisterClient over gRPC: what a host registered and what a person approved, read back from the
// server, and a revocation that takes the host's refresh token away and brings the consent page back.
import { Code } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ada, authorize, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import type { MiniBrowser } from '../helpers/browser.js';
import { connectError, environmentToken, errorDetail, grpcClients, restCaller, type GrpcClients, type Rest } from '../helpers/management.js';
import { ADA, startTestServer, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';

let server: TestServer;
let issuer: string;
let grpc: GrpcClients;
let rest: Rest;

beforeAll(async () => {
  server = await startTestServer();
  issuer = `${server.url}/resources/${RES}`;
  const token = await environmentToken(server.url);
  grpc = grpcClients(server.url, token);
  rest = restCaller(server.url, token);
});
afterAll(() => server.close());

const sawConsentPage = (browser: MiniBrowser) => browser.pages.some((p) => p.html.includes('name="decision"'));

/** A host registers, Ada signs in and approves; returns the client, her browser and the tokens. */
async function consentedHost(name: string, scope = 'todo:read offline_access') {
  const clientId = await registerClient(server.url, RES, { client_name: name });
  const grant = await authorize(issuer, clientId, ada, { scope });
  const res = await exchange(issuer, clientId, grant);
  expect(res.status).toBe(200);
  return { clientId, browser: grant.browser, tokens: (await res.json()) as TokenSet };
}

describe('ListResourceUserConsents and GetResourceClient', () => {
  it('lists the consent Ada gave, with her id, the client and the scopes she approved', async () => {
    const { clientId } = await consentedHost('Listed host', 'todo:read todo:write offline_access');
    const { consents, totalSize } = await grpc.clients.listResourceUserConsents({ resourceId: RES, search: 'Listed host' });
    expect(totalSize).toBe(1);
    expect(consents[0]).toMatchObject({ externalUserId: ADA.id, clientId, clientName: 'Listed host' });
    expect(consents[0]!.id).toMatch(/^cns_\d+$/);
    expect([...consents[0]!.scopes].sort()).toEqual(['offline_access', 'todo:read', 'todo:write']);
    expect(consents[0]!.grantedAt?.seconds).toBeGreaterThan(0n);

    const { consentedUsers } = await grpc.clients.getResourceClient({ resourceId: RES, clientId });
    expect(consentedUsers.map((u) => ({ consentId: u.consentId, externalUserId: u.externalUserId }))).toEqual([
      { consentId: consents[0]!.id, externalUserId: ADA.id },
    ]);
  });

  it('serves the same list over REST (GET /api/v1/user_consents) in proto field names, searchable by email', async () => {
    const { clientId } = await consentedHost('REST-listed host');
    const res = await rest('GET', `/user_consents?resource_id=${RES}&search=${encodeURIComponent(ADA.email)}&page_size=100`);
    expect(res.status).toBe(200);
    const consents = res.body.consents as Record<string, unknown>[];
    expect(consents.find((c) => c.client_id === clientId)).toMatchObject({ external_user_id: ADA.id, client_name: 'REST-listed host' });
    const none = await rest('GET', `/user_consents?resource_id=${RES}&search=nobody-matches-this`);
    expect(none.body).toMatchObject({ consents: [], total_size: 0 });
  });

  it('pages the list: page_size 1 walks every consent once', async () => {
    await consentedHost('Paged host A');
    await consentedHost('Paged host B');
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await grpc.clients.listResourceUserConsents({ resourceId: RES, search: 'Paged host', pageSize: 1, pageToken });
      expect(page.consents).toHaveLength(1);
      seen.push(page.consents[0]!.clientName);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(['Paged host A', 'Paged host B']);
  });

  it('answers an unknown or missing resource_id with NOT_FOUND / INVALID_ARGUMENT', async () => {
    expect((await connectError(grpc.clients.listResourceUserConsents({ resourceId: 'res_99999999999999999' }))).code).toBe(Code.NotFound);
    const missing = await rest('GET', '/user_consents');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: 3, details: errorDetail('INVALID_ARGUMENT') });
  });
});

describe('RevokeUserConsent', () => {
  it('revokes the refresh token at once and brings the consent page back; audited', async () => {
    const { clientId, browser, tokens } = await consentedHost('Revoked host');
    const [consent] = (await grpc.clients.listResourceUserConsents({ resourceId: RES, search: 'Revoked host' })).consents;

    // Before: the same browser is not asked again.
    const again = await authorize(issuer, clientId, ada, { scope: 'todo:read' }, browser);
    expect(again.code).not.toBe('');
    expect(sawConsentPage(browser)).toBe(true); // the first time only
    const pagesBefore = browser.pages.length;

    await grpc.clients.revokeUserConsent({ clientId, consentId: consent!.id });

    const refreshed = await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await grpc.clients.listResourceUserConsents({ resourceId: RES, search: 'Revoked host' })).consents).toEqual([]);
    expect((await grpc.clients.getResourceClient({ resourceId: RES, clientId })).consentedUsers).toEqual([]);

    const asked = await authorize(issuer, clientId, ada, { scope: 'todo:read' }, browser);
    expect(asked.code).not.toBe('');
    expect(browser.pages.slice(pagesBefore).some((p) => p.html.includes('name="decision"'))).toBe(true);

    const audit = await rest('GET', `/audit-events?client_id=${clientId}`);
    const types = (audit.body.events as { type: string; target_id?: string }[]).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['resource_client.registered', 'user_consent.revoked']));
  });

  it('revokes over REST (DELETE /api/v1/clients/{client_id}/consents/{consent_id}); a second time is NOT_FOUND', async () => {
    const { clientId } = await consentedHost('REST-revoked host');
    const [consent] = (await grpc.clients.listResourceUserConsents({ resourceId: RES, search: 'REST-revoked host' })).consents;
    const first = await rest('DELETE', `/clients/${clientId}/consents/${consent!.id}`);
    expect(first).toMatchObject({ status: 200, body: {} });
    const second = await rest('DELETE', `/clients/${clientId}/consents/${consent!.id}`);
    expect(second.status).toBe(404);
    expect(second.body).toMatchObject({ code: 5, details: errorDetail('NOT_FOUND') });
  });

  it("refuses to revoke through another client's id (NOT_FOUND) and leaves the consent in place", async () => {
    const { clientId } = await consentedHost('Guarded host');
    const other = await registerClient(server.url, RES, { client_name: 'Other host' });
    const [consent] = (await grpc.clients.listResourceUserConsents({ resourceId: RES, search: 'Guarded host' })).consents;
    expect((await connectError(grpc.clients.revokeUserConsent({ clientId: other, consentId: consent!.id }))).code).toBe(Code.NotFound);
    expect((await grpc.clients.getResourceClient({ resourceId: RES, clientId })).consentedUsers).toHaveLength(1);
  });
});

describe('RegisterClient over gRPC', () => {
  it('registers a public client of the MCP server that can run the code flow; listed as DCR', async () => {
    const registered = await grpc.clients.registerClient({
      resId: RES,
      client: { clientName: 'gRPC-registered host', redirectUris: ['http://127.0.0.1/callback'], scope: 'todo:read', clientUri: 'https://host.example/' },
    });
    expect(registered.clientId).toMatch(/^m2m_\d+$/);
    expect(registered).toMatchObject({ name: 'gRPC-registered host', resourceId: RES, scopes: ['todo:read'], clientSecret: '', secrets: [] });
    expect(registered.redirectUris).toEqual(['http://127.0.0.1/callback']);

    const { clients } = await grpc.clients.listResourceClients({ resourceId: RES });
    expect(clients.find((c) => c.clientId === registered.clientId)?.isDcr).toBe(true);

    const grant = await authorize(issuer, registered.clientId, ada, { scope: 'todo:read' });
    expect((await exchange(issuer, registered.clientId, grant)).status).toBe(200);
  });

  it('answers bad metadata with INVALID_ARGUMENT naming the field, an unknown server with NOT_FOUND', async () => {
    const bad = await connectError(grpc.clients.registerClient({ resId: RES, client: { redirectUris: ['https://evil.example/#frag'] } }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toMatch(/^client\.redirect_uris: /);
    const none = await connectError(grpc.clients.registerClient({ resId: RES, client: {} }));
    expect(none.code).toBe(Code.InvalidArgument);
    const unknown = await connectError(grpc.clients.registerClient({ resId: 'res_99999999999999999', client: { redirectUris: ['http://127.0.0.1/cb'] } }));
    expect(unknown.code).toBe(Code.NotFound);
  });

  it('answers FAILED_PRECONDITION when the server disabled registration', async () => {
    const { resource } = await grpc.clients.createResource({
      resource: { resourceType: 5, name: 'Closed', resourceId: 'http://localhost:4111/', disableDynamicClientRegistration: true },
    });
    const err = await connectError(grpc.clients.registerClient({ resId: resource!.id, client: { redirectUris: ['http://127.0.0.1/cb'] } }));
    expect(err.code).toBe(Code.FailedPrecondition);
  });
});
