// HTTP/2 (h2c on the shared port) holds the same limits as HTTP/1.1: a session that sends no request
// and one left idle are closed with GOAWAY, a stream whose body stops coming is answered 408 and
// closed while a request that has arrived may take its time, streams per session are capped, and the
// connection caps (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS) count both protocols. The Scalekit
// SDK's gRPC calls go on across an idle close. Limits are shortened here; tests wait for the server's
// events (GOAWAY, close, a 408), never for a fixed time.
import http2 from 'node:http2';
import { connect, type Socket } from 'node:net';
import { ScalekitClient } from '@scalekit-sdk/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENT, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

const ORG = 'org_20000000000000001';
const TOKEN_BODY = new URLSearchParams({ grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret }).toString();

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** An HTTP/2 session and what the server does to it: its GOAWAY code and its close. */
interface Session {
  session: http2.ClientHttp2Session;
  goaway: Promise<number>;
  closed: Promise<void>;
  /** Resolves once the server's SETTINGS arrived (the session is up), or rejects if it was cut before. */
  up: Promise<void>;
}

function openSession(url: string, localAddress?: string): Session {
  const { hostname, port } = new URL(url);
  const session = http2.connect(url, localAddress ? { createConnection: () => connect({ host: hostname, port: Number(port), localAddress }) } : {});
  session.on('error', () => {}); // a reset is one way of being cut
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  const up = new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('close', () => reject(new Error('closed before the server said anything')));
  });
  up.catch(() => {}); // awaited by the tests that care
  return { session, goaway: new Promise((resolve) => session.once('goaway', (code: number) => resolve(code))), closed, up };
}

/** A request on `session`; `body` is sent and, unless `partial`, ended. Resolves to its status (0: none) and its RST code. */
function send(session: http2.ClientHttp2Session, path: string, body?: string, partial = false) {
  const stream = session.request({
    ':method': body === undefined ? 'GET' : 'POST',
    ':path': path,
    ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(TOKEN_BODY.length) }),
  });
  stream.on('error', () => {});
  let status = 0;
  let text = '';
  stream.on('response', (headers) => (status = Number(headers[':status'])));
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  if (body !== undefined) stream.write(body);
  if (!partial) stream.end();
  return {
    stream,
    done: new Promise<{ status: number; body: string; rstCode: number }>((resolve) => stream.once('close', () => resolve({ status, body: text, rstCode: stream.rstCode ?? 0 }))),
  };
}

/** A raw TCP connection (HTTP/1.1) and whether the server closed it. */
async function openRaw(url: string, localAddress?: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ port: Number(port), host: hostname, ...(localAddress ? { localAddress } : {}) });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => received, closed };
}

describe('idle HTTP/2 sessions', () => {
  it('a session that sends no request is closed with GOAWAY (NO_ERROR) after the header limit', async () => {
    server = await startTestServer({ httpLimits: { headersTimeoutMs: 200, sessionIdleTimeoutMs: 60_000 } });
    const idle = openSession(server.url);
    await idle.up;
    expect(await idle.goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await idle.closed;
    expect(server.app.h2c.sessionCount()).toBe(0);
  });

  it('a session whose requests are done is closed with GOAWAY after the idle limit', async () => {
    server = await startTestServer({ httpLimits: { headersTimeoutMs: 60_000, sessionIdleTimeoutMs: 200 } });
    const used = openSession(server.url);
    const health = await send(used.session, '/health').done;
    expect(health.status).toBe(200);
    expect(await used.goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await used.closed;
  });

  it('sessions that send nothing hold the slots of MAX_CONNECTIONS only until they are closed; then new clients are answered', async () => {
    server = await startTestServer({ env: { MAX_CONNECTIONS: '3' }, httpLimits: { headersTimeoutMs: 300 } });
    const idle = [openSession(server.url), openSession(server.url), openSession(server.url)];
    await Promise.all(idle.map((s) => s.up));

    const refused = await openRaw(server.url); // over the cap: closed at once, nothing said
    await refused.closed;
    expect(refused.received()).toBe('');

    expect(await Promise.all(idle.map((s) => s.goaway))).toEqual([0, 0, 0]);
    await Promise.all(idle.map((s) => s.closed));
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
  });
});

describe('HTTP/2 streams', () => {
  it('a body that stops coming: 408, the stream is closed, then the idle session gets GOAWAY', async () => {
    server = await startTestServer({ httpLimits: { requestTimeoutMs: 200, sessionIdleTimeoutMs: 200 } });
    const s = openSession(server.url);
    const dripped = [1, 2, 3].map(() => send(s.session, '/oauth/token', TOKEN_BODY.slice(0, 10), true));
    const answers = await Promise.all(dripped.map((d) => d.done));
    expect(answers.map((a) => a.status)).toEqual([408, 408, 408]);
    expect(answers.map((a) => a.rstCode)).toEqual([0, 0, 0]); // RST_STREAM NO_ERROR after the answer
    expect(await s.goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await s.closed;
  });

  it('a request that has arrived whole is not cut by the time limit while it waits for its answer', async () => {
    const control = 'control-token-0123456789abcdef';
    server = await startTestServer({ env: { TEST_CONTROL: '1', TEST_CONTROL_TOKEN: control }, httpLimits: { requestTimeoutMs: 300 } });
    const headers = { authorization: `Bearer ${control}`, 'content-type': 'application/json' };
    const fault = (await (await fetch(`${server.url}/_emulator/faults`, { method: 'POST', headers, body: JSON.stringify({ endpoint: '/oauth/token', stall: true, times: 1 }) })).json()) as { id: string };

    const s = openSession(server.url);
    const held = send(s.session, '/oauth/token', TOKEN_BODY);
    // A dripped request started after the held one: once it has its 408, the held one's limit has passed too.
    const later = await send(s.session, '/oauth/token', TOKEN_BODY.slice(0, 10), true).done;
    expect(later.status).toBe(408);

    expect((await fetch(`${server.url}/_emulator/faults/${fault.id}/release`, { method: 'POST', headers: { authorization: headers.authorization } })).status).toBe(200);
    const answered = await held.done;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({ token_type: 'Bearer' });
    s.session.close();
  });

  it('streams over maxConcurrentStreams in one session are refused (REFUSED_STREAM), and the limit is advertised', async () => {
    server = await startTestServer({ httpLimits: { maxConcurrentStreams: 2 } });
    const s = openSession(server.url);
    // Sent at once, before the client has read the server's SETTINGS: nothing client-side holds the third back.
    const streams = [1, 2, 3].map(() => send(s.session, '/oauth/token', TOKEN_BODY.slice(0, 10), true));
    const third = await streams[2]!.done;
    expect(third.rstCode).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
    expect(s.session.remoteSettings.maxConcurrentStreams).toBe(2);
    s.session.destroy();
  });
});

describe('connection caps count both protocols', () => {
  it('MAX_CONNECTIONS_PER_ADDRESS: an address at its cap (one HTTP/2 session, one HTTP/1.1 connection) is refused more, another address is answered', async () => {
    server = await startTestServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: '2' } });
    const h2 = openSession(server.url, '127.0.0.2');
    await h2.up;
    const h1 = await openRaw(server.url, '127.0.0.2');

    const overH2 = openSession(server.url, '127.0.0.2');
    await expect(overH2.up).rejects.toThrow('closed before the server said anything');
    const overH1 = await openRaw(server.url, '127.0.0.2');
    await overH1.closed;
    expect(overH1.received()).toBe('');

    const other = openSession(server.url, '127.0.0.3');
    expect((await send(other.session, '/health').done).status).toBe(200);
    other.session.close();

    // A slot freed at that address is open again.
    h1.socket.destroy();
    await vi.waitFor(() => expect(server!.app.connections.open()).toBe(1), { timeout: 5_000, interval: 10 });
    const again = openSession(server.url, '127.0.0.2');
    expect((await send(again.session, '/health').done).status).toBe(200);
    again.session.close();
    h2.session.close();
  });

  it('MAX_CONNECTIONS: HTTP/2 sessions and HTTP/1.1 connections share the slots', async () => {
    server = await startTestServer({ env: { MAX_CONNECTIONS: '2' } });
    const h2 = openSession(server.url);
    await h2.up;
    const h1 = await openRaw(server.url);
    const over = openSession(server.url, '127.0.0.4');
    await expect(over.up).rejects.toThrow('closed before the server said anything');
    h1.socket.destroy();
    h2.session.close();
  });
});

describe('gRPC (@scalekit-sdk/node over h2c) under the limits', () => {
  it('keeps working across the close of its idle session: the next call opens a new one', async () => {
    server = await startTestServer({ httpLimits: { headersTimeoutMs: 500, requestTimeoutMs: 500, sessionIdleTimeoutMs: 200, maxConcurrentStreams: 4 } });
    const app = server.app;
    const sdk = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
    await sdk.organization.getOrganization(ORG); // the session is up: the client has read the stream cap
    const calls = await Promise.all(Array.from({ length: 8 }, () => sdk.organization.getOrganization(ORG)));
    expect(calls.map((c) => c.organization?.displayName)).toEqual(Array(8).fill('Acme'));
    await vi.waitFor(() => expect(app.h2c.sessionCount()).toBe(0), { timeout: 5_000, interval: 20 });

    const again = await sdk.m2m.listOrganizationClients(ORG);
    expect(again.clients.map((c) => c.clientId)).toContain(AGENT.id);
  });
});
