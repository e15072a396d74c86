// Which redirect URIs a client may register (RFC 8252 §7, RFC 7591 §2, OAuth 2.1 §2.3.1): https,
// http on a loopback host (any port), an app's private-use scheme in reverse-domain form. One rule at
// every door a redirect URI comes through: DCR, RegisterClient and CreateResourceClient over gRPC, the
// REST resource clients, the seed's environment redirect URIs, client ID metadata documents.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeedError } from '../../src/config/seed.js';
import { BrowserStopped, MiniBrowser } from '../helpers/browser.js';
import { authorizationUrl, pkce, register } from '../helpers/code-flow.js';
import { environmentToken, grpcClients, rejectionOf, restCaller, type GrpcClients, type Rest } from '../helpers/management.js';
import { ADA, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
let server: TestServer;
let api: Rest;
let grpc: GrpcClients;
let documents: Server;
let documentBase: string;
const served = new Map<string, unknown>();

beforeAll(async () => {
  server = await startTestServer({ env: { ALLOW_INSECURE_CIMD: '1', REGISTRATION_RATE_LIMIT: '0' } });
  const token = await environmentToken(server.url);
  api = restCaller(server.url, token);
  grpc = grpcClients(server.url, token);
  const resource = (await server.app.store.resources.get(RES))!;
  await server.app.store.resources.upsert({ ...resource, enableCimd: true });
  documents = createServer((req, res) => {
    const body = served.get(req.url!);
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
  documentBase = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await server?.close();
  documents?.close();
});

const scheme = (used: string) =>
  `must use https, http on a loopback address, or an app's private-use scheme in reverse-domain form such as com.example.app:/callback (not ${used})`;

const REFUSED: [string, string][] = [
  ['ws://127.0.0.1/cb', scheme('ws:')],
  ['wss://app.example/cb', scheme('wss:')],
  ['ftp://app.example/cb', scheme('ftp:')],
  ['view-source:https://app.example/cb', scheme('view-source:')],
  ['javascript:alert(1)', scheme('javascript:')],
  ['data:text/html,hi', scheme('data:')],
  ['file:///etc/passwd', scheme('file:')],
  ['myapp:/callback', scheme('myapp:')],
  ['http://user:pw@127.0.0.1/cb', 'must not carry a user name or password'],
  ['https://user@app.example/cb', 'must not carry a user name or password'],
  ['http://app.example/cb', 'must use https (http is allowed for 127.0.0.1, [::1] and localhost only)'],
  ['http://127.0.0.1.nip.io/cb', 'must use https (http is allowed for 127.0.0.1, [::1] and localhost only)'],
  ['https://app.example/cb#frag', 'must not have a fragment'],
  ['https://app.example/cb#', 'must not have a fragment'],
  ['/relative/cb', 'is not an absolute URI'],
  [`https://app.example/${'a'.repeat(2030)}`, 'must be at most 2048 characters'],
];

const ACCEPTED = [
  'https://app.example/callback',
  'http://127.0.0.1:33418/callback',
  'http://[::1]:8080/cb',
  'http://localhost/callback', // Claude Code's portless loopback URI
  'com.example.app:/oauth2redirect',
  'com.example.app://callback',
  'cursor://anysphere.cursor-mcp/oauth/callback', // Cursor's, beside its https and loopback ones
];

// Test names show a long URI cut short.
const named = (list: [string, string][]) => list.map(([uri, problem]) => [uri.length > 60 ? `${uri.slice(0, 60)}…` : uri, uri, problem] as const);
const quoted = (uri: string) => (uri.length > 200 ? `${uri.slice(0, 200)}…` : uri);

describe('RFC 7591 dynamic client registration', () => {
  it.each(named(REFUSED))('refuses %s with invalid_redirect_uri naming the field', async (_name, uri, problem) => {
    const res = await register(server.url, RES, { redirect_uris: ['https://app.example/ok', uri] });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'invalid_redirect_uri', error_description: `redirect_uris: ${quoted(uri)} ${problem}` });
  });

  it('accepts https, loopback http on any port or none, and private-use schemes', async () => {
    const res = await register(server.url, RES, { redirect_uris: ACCEPTED });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { redirect_uris: string[] }).redirect_uris).toEqual(ACCEPTED);
  });

  it('refuses more than 10 redirect URIs, and writes nothing', async () => {
    const before = (await server.app.store.clients.listByKind('dcr')).length;
    const uris = Array.from({ length: 11 }, (_, i) => `http://127.0.0.1/cb${i}`);
    const res = await register(server.url, RES, { redirect_uris: uris });
    expect(await res.json()).toEqual({ error: 'invalid_redirect_uri', error_description: 'redirect_uris: must list at most 10 redirect URIs' });
    expect(res.status).toBe(400);
    expect((await server.app.store.clients.listByKind('dcr')).length).toBe(before);
    expect((await register(server.url, RES, { redirect_uris: uris.slice(0, 10) })).status).toBe(201);
  });
});

describe('the management API: resource clients over REST and gRPC, RegisterClient', () => {
  it.each(named(REFUSED))('REST refuses %s with INVALID_ARGUMENT naming client.redirect_uris[1]', async (_name, uri, problem) => {
    const res = await api('POST', `/resources/${RES}/clients`, { name: 'Web app', redirect_uris: ['https://app.example/ok', uri] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 3,
      message: `client.redirect_uris[1]: ${problem}`,
      details: [{ error_code: 'INVALID_ARGUMENT', validation_error_info: { field_violations: [{ field: 'client.redirect_uris[1]', description: problem }] } }],
    });
  });

  it('REST refuses more than 10, and takes the accepted kinds', async () => {
    const many = await api('POST', `/resources/${RES}/clients`, { name: 'Many', redirect_uris: Array.from({ length: 11 }, (_, i) => `https://app.example/${i}`) });
    expect(many.status).toBe(400);
    expect(many.body.message).toBe('client.redirect_uris: must list at most 10 redirect URIs');
    const ok = await api('POST', `/resources/${RES}/clients`, { name: 'Web app', redirect_uris: ACCEPTED });
    expect(ok.status).toBe(201);
    expect((ok.body.client as { redirect_uris: string[] }).redirect_uris).toEqual(ACCEPTED);
  });

  it('gRPC CreateResourceClient and RegisterClient refuse ws:// with INVALID_ARGUMENT', async () => {
    const created = await rejectionOf(grpc.clients.createResourceClient({ resourceId: RES, client: { name: 'ws', redirectUris: ['ws://127.0.0.1/cb'] } }), ConnectError);
    expect(created.code).toBe(Code.InvalidArgument);
    expect(created.rawMessage).toBe(`client.redirect_uris[0]: ${scheme('ws:')}`);
    const registered = await rejectionOf(grpc.clients.registerClient({ resId: RES, client: { redirectUris: ['ws://127.0.0.1/cb'] } }), ConnectError);
    expect(registered.code).toBe(Code.InvalidArgument);
    expect(registered.rawMessage).toBe(`client.redirect_uris: ws://127.0.0.1/cb ${scheme('ws:')}`);
  });
});

describe('the seed’s environment redirect URIs', () => {
  it('refuses a start whose seed lists ftp://, naming the entry', async () => {
    const seed = { ...TEST_SEED, environment: { redirect_uris: ['ftp://app.example/cb'], post_logout_redirect_uris: [] } };
    const err = await startTestServer({ seed }).then(
      async (started) => {
        await started.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SeedError);
    expect((err as SeedError).problems).toEqual([`environment: redirect_uris[0]: ${scheme('ftp:')}`]);
  });
});

describe('client ID metadata documents', () => {
  it('refuses a document that lists a view-source: redirect URI, on a readable page', async () => {
    const url = `${documentBase}/view-source.json`;
    served.set('/view-source.json', { client_id: url, client_name: 'Doc', redirect_uris: ['http://127.0.0.1:45789/callback', 'view-source:https://app.example/cb'] });
    const start = authorizationUrl(`${server.url}/resources/${RES}`, { client_id: url, code_challenge: pkce().challenge });
    const stopped = await rejectionOf(new MiniBrowser({ email: ADA.email, password: ADA.password }).authorize(start, 'http://127.0.0.1:45789/callback'), BrowserStopped);
    expect(stopped.status).toBe(400);
    expect(/<p class="lede">([^<]*)<\/p>/.exec(stopped.html)?.[1]).toBe(
      `redirect_uris: view-source:https://app.example/cb ${scheme('view-source:').replace("'", '&#39;')}`,
    );
  });
});
