// GetConsentDetails (GET /api/v1/oauth/consent/details): the consent screen of an authorization in
// progress, named by its interaction id (the <uid> of <issuer>/interaction/<uid>), over gRPC (metadata
// `x-interaction-id`, as its request is Empty) and REST (`?interaction_id=`), with the environment's token.
import { Code } from '@connectrpc/connect';
import { ErrorInfoSchema } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/errdetails/errdetails_pb.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiniBrowser } from '../helpers/browser.js';
import { authorizationUrl, CALLBACK, consentPageInProgress, pkce, registerClient } from '../helpers/code-flow.js';
import { connectError, environmentToken, errorDetail, grpcClients, restCaller, type GrpcClients, type Rest } from '../helpers/management.js';
import { ADA, startTestServer, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
let server: TestServer;
let grpc: GrpcClients;
let rest: Rest;
let issuer: string;

beforeAll(async () => {
  server = await startTestServer();
  const token = await environmentToken(server.url);
  grpc = grpcClients(server.url, token);
  rest = restCaller(server.url, token);
  issuer = `${server.url}/resources/${RES}`;
});
afterAll(() => server.close());

/** A new authorization in a fresh browser, stopped on its first page (signing in): its interaction id. */
async function signingInInteraction(clientId: string): Promise<string> {
  const browser = new MiniBrowser();
  await browser.authorize(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, scope: 'todo:read' }), CALLBACK, 2).catch(() => undefined);
  return /\/interaction\/([^/?]+)$/.exec(browser.lastPage!.url)![1]!;
}

/** Ada, signed in once and consented to todo:read, now asked for todo:write too: the consent page in progress. */
async function consentInProgress(): Promise<{ clientId: string; uid: string; html: string }> {
  const clientId = await registerClient(server.url, RES, { client_name: 'Consent host', tos_uri: 'https://host.example/tos', logo_uri: 'https://host.example/logo.png' });
  return { clientId, ...(await consentPageInProgress(issuer, clientId, { email: ADA.email, password: ADA.password }, 'todo:read', 'todo:read todo:write')) };
}

describe('GetConsentDetails over gRPC', () => {
  it('describes the consent screen in progress: the MCP server, the user, the client, the new scopes, the organization', async () => {
    const { clientId, uid, html } = await consentInProgress();
    const details = await grpc.clients.getConsentDetails({}, { headers: { 'x-interaction-id': uid } });
    expect(details.resource).toMatchObject({ id: RES, name: 'Todo', resourceId: 'http://localhost:3002/' });
    expect(details.user?.email).toBe(ADA.email);
    expect(details.client).toMatchObject({ clientId, name: 'Consent host', tosUri: 'https://host.example/tos', logoUri: 'https://host.example/logo.png', metadataUri: '' });
    expect(details.scopes.map((s) => ({ name: s.name, description: s.description }))).toEqual([{ name: 'todo:write', description: 'Write todos' }]);
    expect(details.organization).toMatchObject({ organizationName: 'Acme', organizationMetaName: 'Organization' });
    // The page the person sees asks for the same scope, described alike.
    expect(html).toContain('Write todos');
    expect(html).not.toContain('Read todos');
  });

  it('answers INVALID_ARGUMENT without an interaction id, NOT_FOUND for an unknown one, FAILED_PRECONDITION before sign-in', async () => {
    const missing = await connectError(grpc.clients.getConsentDetails({}));
    expect(missing.code).toBe(Code.InvalidArgument);
    expect(missing.findDetails(ErrorInfoSchema)[0]?.validationErrorInfo?.fieldViolations.map((v) => v.field)).toEqual(['interaction_id']);
    const unknown = await connectError(grpc.clients.getConsentDetails({}, { headers: { 'x-interaction-id': 'no-such-interaction' } }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toBe('authorization in progress no-such-interaction not found');

    const clientId = await registerClient(server.url, RES);
    const uid = await signingInInteraction(clientId);
    const signingIn = await connectError(grpc.clients.getConsentDetails({}, { headers: { 'x-interaction-id': uid } }));
    expect(signingIn.code).toBe(Code.FailedPrecondition);
    expect(signingIn.rawMessage).toBe(`authorization ${uid} is not asking for consent: the person has not signed in yet`);
  });

  it('answers UNAUTHENTICATED without the environment token', async () => {
    const err = await connectError(grpcClients(server.url).clients.getConsentDetails({}, { headers: { 'x-interaction-id': 'x' } }));
    expect(err.code).toBe(Code.Unauthenticated);
  });
});

describe('GET /api/v1/oauth/consent/details', () => {
  it('answers the same consent screen in snake_case', async () => {
    const { clientId, uid } = await consentInProgress();
    const res = await rest('GET', `/oauth/consent/details?interaction_id=${uid}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      resource: { id: RES, resource_id: 'http://localhost:3002/' },
      user: { email: ADA.email },
      client: { client_id: clientId, name: 'Consent host', tos_uri: 'https://host.example/tos' },
      scopes: [{ name: 'todo:write', description: 'Write todos' }],
      organization: { organization_name: 'Acme', organization_meta_name: 'Organization' },
    });
  });

  it("answers Scalekit's error JSON: 400 naming interaction_id, 404, 401", async () => {
    const missing = await rest('GET', '/oauth/consent/details');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: 3, message: 'interaction_id: is required: the <uid> of the consent page <issuer>/interaction/<uid>' });
    const unknown = await rest('GET', '/oauth/consent/details?interaction_id=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 5, message: 'authorization in progress nope not found', details: errorDetail('NOT_FOUND') });
    const anonymous = await restCaller(server.url)('GET', '/oauth/consent/details?interaction_id=nope');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ code: 16, message: 'Token empty', details: errorDetail('UNAUTHENTICATED') });
  });
});
