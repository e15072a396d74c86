// Slow, stalled and too many clients (raw TCP sockets): each is cut within the server's limits, and
// shutdown ends even while one is connected. Limits are shortened here; their defaults are in
// src/server/http-limits.ts.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { AGENT, startTestServer, type TestServer } from '../helpers/server.js';

/** A raw connection that collects what the server sends, and knows when the server closed it. */
interface Raw {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

async function open(url: string): Promise<Raw> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {}); // a reset is one way of being cut
  // Not events.once: it rejects on 'error', and a reset (ECONNRESET) is one way of being closed.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  return { socket, received: () => received, closed };
}

const TOKEN_BODY = new URLSearchParams({ grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret }).toString();
const tokenHead = (host: string) =>
  `POST /oauth/token HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${TOKEN_BODY.length}\r\n\r\n`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('requests that never finish arriving', () => {
  it('headers that stop coming: 408 Request Timeout, then the connection is closed', async () => {
    server = await startTestServer({ httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const raw = await open(server.url);
    raw.socket.write('POST /oauth/token HTTP/1.1\r\nHost: localhost\r\n');
    await raw.closed;
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('a body that stops coming: 408 Request Timeout, then the connection is closed', async () => {
    server = await startTestServer({ httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const raw = await open(server.url);
    raw.socket.write(tokenHead('localhost') + TOKEN_BODY.slice(0, 10));
    await raw.closed;
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('a connection that sends nothing at all is closed too', async () => {
    server = await startTestServer({ httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const raw = await open(server.url);
    await raw.closed;
    expect(raw.socket.destroyed).toBe(true);
  });
});

describe('a cap on open connections', () => {
  it('closes a connection over the cap at once, and serves those within it', async () => {
    server = await startTestServer({ httpLimits: { maxConnections: 2 } });
    const [a, b] = [await open(server.url), await open(server.url)];
    const over = await open(server.url);
    await over.closed;
    expect(over.received()).toBe('');

    a.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await a.closed;
    expect(a.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*"status":"ok"/);
    b.socket.destroy();
  });
});

describe('shutdown', () => {
  it('finishes a request in flight, closes an idle keep-alive connection, cuts a stalled one, and ends', async () => {
    server = await startTestServer({ httpLimits: { shutdownGraceMs: 500 } });
    const { app } = server;
    const idle = await open(server.url);
    idle.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await once(idle.socket, 'data');
    const stalled = await open(server.url);
    stalled.socket.write('POST /oauth/token HTTP/1.1\r\nHost: localhost\r\n');
    const inFlight = await open(server.url);
    const dispatched = once(app.fastify.server, 'request');
    inFlight.socket.write(tokenHead('localhost') + TOKEN_BODY.slice(0, 10));
    await dispatched; // its headers are in: the request has begun

    const closing = app.close();
    inFlight.socket.write(TOKEN_BODY.slice(10));
    await Promise.all([closing, idle.closed, stalled.closed, inFlight.closed]);

    expect(inFlight.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*"access_token":"ey/);
    expect(idle.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/); // its one answer, nothing after
    expect(idle.received().match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(stalled.received()).toBe('');
  });
});

describe('SIGTERM with a stalled client connected', () => {
  it('the CLI exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-sigterm-'));
    try {
      const cli = await startCli({ DATA_DIR: dir });
      const stalled = await open(cli.url);
      stalled.socket.write(tokenHead('localhost') + TOKEN_BODY.slice(0, 10));
      expect(await cli.stop()).toBe(0);
      await stalled.closed;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
