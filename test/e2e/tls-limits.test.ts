// The limits of the port hold on TLS sockets as on cleartext ones (test/e2e/slow-clients.test.ts): a
// handshake that never completes, a TLS connection that never sends a request, a request that stalls,
// too many connections, and shutdown. Limits are shortened here; defaults in src/server/http-limits.ts.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpLimits } from '../../src/server/http-limits.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { handshake, trustingFetch } from '../helpers/tls.js';

// A TLS record header announcing an 80-byte handshake message, and then nothing.
const HANDSHAKE_START = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x50]);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const startTls = (httpLimits: Partial<HttpLimits>) => startTestServer({ env: { TLS: '1' }, httpLimits });
const ca = (s: TestServer) => readFileSync(join(s.dataDir, 'emulator-ca.pem'), 'utf8');

/** A raw TCP connection to the server's port that knows when the server closed it. */
async function rawSocket(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {}); // a reset is one way of being cut
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  return { socket, closed };
}

/** Resolves once the server has accepted `count` connections. */
async function accepted(s: TestServer, count: number): Promise<void> {
  const open = () => new Promise<number>((resolve, reject) => s.app.fastify.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  while ((await open()) < count) await new Promise((resolve) => setImmediate(resolve));
}

describe('TLS connections are held to the same limits', () => {
  it('a handshake that never completes is cut at the headers timeout', async () => {
    server = await startTls({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const raw = await rawSocket(server.url);
    raw.socket.write(HANDSHAKE_START);
    await raw.closed;
    expect((await trustingFetch(ca(server))(`${server.url}/health`)).status).toBe(200);
  });

  it('a connection that sends nothing at all is cut', async () => {
    server = await startTls({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const raw = await rawSocket(server.url);
    await raw.closed;
  });

  it('a TLS connection that never sends a request is closed', async () => {
    server = await startTls({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const { socket } = await handshake(server.url, { ca: ca(server), alpn: ['http/1.1'] });
    await once(socket, 'close');
  });

  it('headers that stop coming over TLS: 408 Request Timeout, then the connection is closed', async () => {
    server = await startTls({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const { socket } = await handshake(server.url, { ca: ca(server), alpn: ['http/1.1'] });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write('POST /oauth/token HTTP/1.1\r\nHost: localhost\r\n');
    await once(socket, 'close');
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('the connection cap counts TLS connections: one over it is closed before any handshake', async () => {
    server = await startTls({ maxConnections: 1 });
    const first = await handshake(server.url, { ca: ca(server) });
    const over = (await handshake(server.url, { ca: ca(server) }).catch((e: unknown) => e)) as { code: string };
    expect(over.code).toBe('ECONNRESET');
    first.socket.destroy();
  });

  it('shutdown cuts a handshake in progress instead of waiting for it', async () => {
    server = await startTls({ headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 });
    const raw = await rawSocket(server.url);
    raw.socket.write(HANDSHAKE_START);
    await accepted(server, 1);
    const closing = server.close();
    server = undefined;
    await raw.closed;
    await closing;
  });
});
