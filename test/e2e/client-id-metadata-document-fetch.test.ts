// How the emulator fetches client ID metadata documents: one total deadline per fetch (connect, headers
// and body together: a document dripped a byte at a time cannot hold an authorization), one fetch per
// URL at a time (concurrent authorizations share it), and cached rows pruned once their cache ran out.
// The documents are served over plain http on this machine (ALLOW_INSECURE_CIMD, as a local test must).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { BrowserStopped, MiniBrowser } from '../helpers/browser.js';
import { authorizationUrl, authorize, exchange, pkce } from '../helpers/code-flow.js';
import { rejectionOf } from '../helpers/management.js';
import { ADA, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
const CALLBACK = 'http://127.0.0.1:45789/callback';
const person = { email: ADA.email, password: ADA.password };
const CIMD_SEED = { ...TEST_SEED, resources: TEST_SEED.resources!.map((r) => ({ ...r, enable_cimd: true })) };

// A document server whose answer each test decides.
let documents: Server;
let base: string;
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(404).end();
const fetches: string[] = [];

beforeAll(async () => {
  documents = createServer((req, res) => {
    fetches.push(req.url!);
    answer(req, res);
  });
  await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
});
afterAll(() => {
  documents.closeAllConnections();
  documents.close();
});

const documentFor = (url: string) => ({ client_id: url, client_name: 'Dripping Host', redirect_uris: [CALLBACK] });

/** Starts an authorization and stops at its first answer (the redirect to sign-in, or an error page). */
const startAuthorization = (issuer: string, clientId: string, state = 'state-1') =>
  fetch(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, state }), { redirect: 'manual' });

/** The error page an authorization with this client_id ends on: status, error code, text. */
async function errorPage(issuer: string, clientId: string) {
  const url = authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge });
  const stopped = await rejectionOf(new MiniBrowser(person).authorize(url, CALLBACK), BrowserStopped);
  return { status: stopped.status, code: /<code>([^<]*)<\/code>/.exec(stopped.html)?.[1], text: /<p class="lede">([^<]*)<\/p>/.exec(stopped.html)?.[1] };
}

describe('one total deadline per fetch', () => {
  let server: TestServer;
  beforeAll(async () => {
    // 300 ms instead of 5 s, so that this test does not wait long.
    server = await startTestServer({ seed: CIMD_SEED, env: { ALLOW_INSECURE_CIMD: '1' }, metadataDocumentDeadlineMs: 300 });
  });
  afterAll(() => server.close());
  afterEach(() => documents.closeAllConnections());

  it('cuts a document dripped a byte at a time: the authorization ends on invalid_client_metadata_url, and the connection is closed', async () => {
    const url = `${base}/drip.json`;
    const body = JSON.stringify({ ...documentFor(url), padding: ' '.repeat(4000) });
    let closed: Promise<void> | undefined;
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      let sent = 0;
      // Each byte arrives well within any idle timeout; the whole would take 400 s.
      const drip = setInterval(() => res.write(body[sent++]!), 100);
      closed = new Promise((resolve) => res.on('close', () => resolve(clearInterval(drip))));
    };
    expect(await errorPage(`${server.url}/resources/${RES}`, url)).toEqual({
      status: 400,
      code: 'invalid_client_metadata_url',
      text: 'the client metadata document did not arrive within 0.3 s',
    });
    await closed; // the emulator hung up: nothing keeps reading the drip
    expect(await server.app.store.clients.get(url)).toBeUndefined();
  });

  it('cuts a server that accepts the connection and never answers', async () => {
    const url = `${base}/silent.json`;
    answer = () => undefined;
    expect((await errorPage(`${server.url}/resources/${RES}`, url)).text).toBe('the client metadata document did not arrive within 0.3 s');
  });
});

describe('one fetch per URL at a time', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await startEmulator({ seed: CIMD_SEED, allowInsecureCimd: true });
  });
  afterAll(() => em.close());

  it('five authorizations at once for one document URL share one fetch, and all go on to sign-in', async () => {
    const url = `${base}/shared.json`;
    const held: ServerResponse[] = [];
    answer = (_req, res) => void held.push(res);
    const before = fetches.length;
    const issuer = em.urls.resourceIssuer(RES);
    const authorizations = [1, 2, 3, 4, 5].map((n) => startAuthorization(issuer, url, String(n)));
    // Every one has reached the emulator, and (one turn of the event loop later) its client lookup.
    for (const n of [1, 2, 3, 4, 5]) await em.waitForRequest((r) => r.path.endsWith('/oauth/authorize') && r.query.state === String(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(held).toHaveLength(1);
    held[0]!.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(documentFor(url)));
    const answered = await Promise.all(authorizations);
    expect(answered.map((r) => r.status)).toEqual([303, 303, 303, 303, 303]);
    for (const res of answered) expect(res.headers.get('location')).toMatch(new RegExp(`^/resources/${RES}/interaction/`));
    expect(fetches.length - before).toBe(1);
  });
});

describe('cached rows are pruned by retention', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ seed: CIMD_SEED, env: { ALLOW_INSECURE_CIMD: '1' } });
  });
  afterAll(() => server.close());

  it('drops a document row once its cache ran out, unless a consent holds it; the next authorization fetches it again', async () => {
    const issuer = `${server.url}/resources/${RES}`;
    answer = (req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end(JSON.stringify(documentFor(`${base}${req.url!}`)));
    const browsed = `${base}/browsed.json`; // an authorization started, never finished
    const consented = `${base}/consented.json`;
    expect((await startAuthorization(issuer, browsed)).status).toBe(303);
    expect((await server.app.store.clients.get(browsed))?.kind).toBe('cimd');
    expect((await exchange(issuer, consented, await authorize(issuer, consented, person))).status).toBe(200);

    const row = async (clientId: string) => (await server.app.store.clients.get(clientId))?.kind;
    await server.app.retention!.sweep();
    expect(await row(browsed)).toBe('cimd'); // still fresh

    server.clock.advance('61s');
    await server.app.retention!.sweep();
    expect(await row(browsed)).toBeUndefined();
    expect(await row(consented)).toBe('cimd');

    const before = fetches.filter((f) => f === '/browsed.json').length;
    expect((await startAuthorization(issuer, browsed)).status).toBe(303);
    expect(fetches.filter((f) => f === '/browsed.json').length).toBe(before + 1);
    expect((await server.app.store.clients.get(browsed))?.kind).toBe('cimd');
  });
});
