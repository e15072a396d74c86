// Who administers the environment: only an access token the environment client (skc_…) got by
// client_credentials, still live. A person's token of the same client (the code flow at the environment
// issuer, with environment.redirect_uris seeded) is refused on every transport, and a revoked or expired
// environment token stops at once, on every call (issue 13, items 1 and 4).
import { Code } from '@connectrpc/connect';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { ada, authorize, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { connectError, environmentToken, errorDetail, grpcClients, restCaller } from '../helpers/management.js';
import { ADA, basic, decodeJwt, ENV_CLIENT, startTestServer, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';

const ORG = 'org_20000000000000001';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const unauthenticated = (message: string) => ({ code: 16, message, details: errorDetail('UNAUTHENTICATED') });

/** Ada's access token from the code flow at the environment issuer, with client_id = the environment client. */
async function personToken(): Promise<string> {
  const grant = await authorize(server.url, ENV_CLIENT.id, ada, { redirect_uri: WEB_APP_CALLBACK, scope: 'openid' });
  const res = await tokenCall(
    server.url,
    { grant_type: 'authorization_code', code: grant.code, code_verifier: grant.verifier, redirect_uri: WEB_APP_CALLBACK },
    { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) },
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as TokenSet).access_token;
}

const managementChanges = async () => (await server.app.store.auditEvents.list({ type: 'organization_client', limit: 100 })).length;

/** A Connect (JSON over HTTP/1.1) call of GetOrganization. */
const connectCall = (token: string) =>
  fetch(`${server.url}/scalekit.v1.organizations.OrganizationService/GetOrganization`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ id: ORG }),
  });

describe('a person’s token of the environment client is no admin credential', () => {
  let token: string;
  beforeAll(async () => {
    token = await personToken();
  });

  it('is a real token of ours: issuer, client and signature as an API token, but a person as subject', async () => {
    expect(decodeJwt(token).payload).toMatchObject({ iss: server.url, client_id: ENV_CLIENT.id, sub: ADA.id });
    await server.app.store.issuedTokens.flush();
    expect((await server.app.store.issuedTokens.get(String(decodeJwt(token).payload.jti)))?.grantType).toBe('authorization_code');
  });

  it('REST: 401 with Scalekit’s error JSON on a read and on a create, and nothing is created', async () => {
    const api = restCaller(server.url, token);
    const clientsBefore = (await server.app.store.clients.listByOrganization(ORG)).length;
    const changesBefore = await managementChanges();

    const list = await api('GET', '/organizations');
    expect(list.status).toBe(401);
    expect(list.body).toEqual(unauthenticated('Token is not an environment API token'));
    const create = await api('POST', `/organizations/${ORG}/clients`, { name: 'Admin by a person', scopes: ['todo:read'] });
    expect(create.status).toBe(401);
    expect(create.body).toEqual(unauthenticated('Token is not an environment API token'));

    expect((await server.app.store.clients.listByOrganization(ORG)).length).toBe(clientsBefore);
    expect(await managementChanges()).toBe(changesBefore);
  });

  it('gRPC over h2c: status 16 on a read and on a create, and nothing is created', async () => {
    const grpc = grpcClients(server.url, token);
    const clientsBefore = (await server.app.store.clients.listByOrganization(ORG)).length;
    const changesBefore = await managementChanges();

    const read = await connectError(grpc.organizations.listOrganization({}));
    expect([read.code, read.rawMessage]).toEqual([Code.Unauthenticated, 'Token is not an environment API token']);
    const create = await connectError(grpc.clients.createOrganizationClient({ organizationId: ORG, client: { name: 'Admin by a person', scopes: ['todo:read'] } }));
    expect([create.code, create.rawMessage]).toEqual([Code.Unauthenticated, 'Token is not an environment API token']);

    expect((await server.app.store.clients.listByOrganization(ORG)).length).toBe(clientsBefore);
    expect(await managementChanges()).toBe(changesBefore);
  });

  it('Connect over HTTP/1.1: 401 unauthenticated', async () => {
    const res = await connectCall(token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'unauthenticated', message: 'Token is not an environment API token' });
  });

  it('the dashboard signs in by the environment client’s secret only: a bearer token opens nothing', async () => {
    const res = await fetch(`${server.url}/dashboard/mcp-servers`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([303, '/dashboard/sign-in']);
  });

  it('while the environment client’s client_credentials token works on all three', async () => {
    const admin = await environmentToken(server.url);
    expect((await restCaller(server.url, admin)('GET', '/organizations')).status).toBe(200);
    expect((await grpcClients(server.url, admin).organizations.listOrganization({})).organizations.map((o) => o.id)).toContain(ORG);
    expect((await connectCall(admin)).status).toBe(200);
  });
});

describe('revocation (RFC 7009) counts on every management call', () => {
  it('a revoked environment token is refused at once, also after it was used (remembered), and cannot rotate keys', async () => {
    const admin = await environmentToken(server.url);
    const api = restCaller(server.url, admin);
    expect((await api('GET', '/organizations')).status).toBe(200); // verified and remembered

    const config = await oidc.discovery(new URL(server.url), ENV_CLIENT.id, ENV_CLIENT.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    await oidc.tokenRevocation(config, admin);

    const kidsBefore = server.app.context.keys.all.map((k) => k.kid);
    const rotate = await api('POST', '/signing-keys:rotate', {});
    expect(rotate.status).toBe(401);
    expect(rotate.body).toEqual(unauthenticated('Token revoked'));
    expect(server.app.context.keys.all.map((k) => k.kid)).toEqual(kidsBefore);

    const list = await api('GET', '/organizations');
    expect(list.status).toBe(401);
    expect(list.body).toEqual(unauthenticated('Token revoked'));
    const grpc = await connectError(grpcClients(server.url, admin).organizations.listOrganization({}));
    expect([grpc.code, grpc.rawMessage]).toEqual([Code.Unauthenticated, 'Token revoked']);
    expect((await connectCall(admin)).status).toBe(401);
  });
});

describe('the fixture’s revoke and expire controls count on every management call', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await startEmulator();
  });
  afterAll(() => em.close());

  const adminToken = () => environmentToken(em.url, { id: em.environment.clientId, secret: em.environment.clientSecret });
  const jtiOf = (token: string) => String(decodeJwt(token).payload.jti);

  it('(await em.expire({ jti })): 401 "Token expired" on the next call, on REST and gRPC', async () => {
    const token = await adminToken();
    expect((await restCaller(em.url, token)('GET', '/organizations')).status).toBe(200);
    expect((await em.expire({ jti: jtiOf(token) })).accessTokens).toBe(1);
    expect((await restCaller(em.url, token)('GET', '/organizations')).body).toEqual(unauthenticated('Token expired'));
    const err = await connectError(grpcClients(em.url, token).organizations.listOrganization({}));
    expect([err.code, err.rawMessage]).toEqual([Code.Unauthenticated, 'Token expired']);
  });

  it('(await em.revoke({ clientId })): every token of the environment client stops', async () => {
    const token = await adminToken();
    expect((await restCaller(em.url, token)('GET', '/organizations')).status).toBe(200);
    await em.revoke({ clientId: em.environment.clientId });
    expect((await restCaller(em.url, token)('GET', '/organizations')).body).toEqual(unauthenticated('Token revoked'));
    // A new token works again.
    expect((await restCaller(em.url, await adminToken())('GET', '/organizations')).status).toBe(200);
  });
});
