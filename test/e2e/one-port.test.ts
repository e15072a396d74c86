// One port serves HTTP/1.1 and cleartext HTTP/2 (h2c with prior knowledge), as the Scalekit Node SDK
// needs, under concurrent load of both; Connect over HTTP/1.1 reaches the same RPCs; shutdown closes
// HTTP/2 sessions.
import http2 from 'node:http2';
import net from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, environmentToken, grpcClients } from '../helpers/management.js';
import { AGENT, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  token = await environmentToken(server.url);
});
afterAll(() => server.close());

function h2Get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let status = 0;
    let body = '';
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
  });
}

describe('HTTP/1.1 and h2c on one port', () => {
  it('serves gRPC over h2c and token requests over HTTP/1.1 concurrently, all answered', async () => {
    const sessions = Array.from({ length: 6 }, () => grpcClients(server.url, token));
    const grpcCalls = sessions.flatMap((s) =>
      Array.from({ length: 20 }, () => s.organizations.listOrganization({ pageSize: 10 }).then((r) => r.organizations.length)),
    );
    const tokenCalls = Array.from({ length: 120 }, () => clientToken(server.url, AGENT.id, AGENT.secret).then((r) => r.status));
    const keysCalls = Array.from({ length: 30 }, () => fetch(`${server.url}/keys`).then((r) => r.status));
    const [grpcResults, tokenResults, keysResults] = await Promise.all([Promise.all(grpcCalls), Promise.all(tokenCalls), Promise.all(keysCalls)]);
    expect(grpcResults).toEqual(Array(120).fill(1));
    expect(tokenResults).toEqual(Array(120).fill(200));
    expect(keysResults).toEqual(Array(30).fill(200));
  });

  it('answers plain HTTP/2 requests (not gRPC) with the same routes as HTTP/1.1', async () => {
    const session = http2.connect(server.url);
    try {
      const keys = await h2Get(session, '/keys');
      expect(keys.status).toBe(200);
      expect((JSON.parse(keys.body) as { keys: unknown[] }).keys).toHaveLength(1);
      expect((await h2Get(session, '/health')).status).toBe(200);
      expect((await h2Get(session, '/nowhere')).status).toBe(404);
    } finally {
      session.close();
    }
  });

  it('reads an HTTP/1.1 request whose first packet is only the "P" it shares with the HTTP/2 preface', async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret }).toString();
    const request = `POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const { port } = new URL(server.url);
    const response = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.setNoDelay(true);
        socket.write(request.slice(0, 1));
        setTimeout(() => socket.write(request.slice(1)), 30); // a later packet
      });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('"token_type":"Bearer"');
  });

  it('serves the same RPCs with the Connect protocol (JSON over HTTP/1.1), authenticated alike', async () => {
    const call = (authorization?: string) =>
      fetch(`${server.url}/scalekit.v1.organizations.OrganizationService/GetOrganization`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ id: 'org_20000000000000001' }),
      });
    const ok = await call(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { organization: { displayName: string } }).organization.displayName).toBe('Acme');
    const denied = await call();
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { code: string }).code).toBe('unauthenticated');
  });

  it('answers a gRPC call to a service it does not serve with UNIMPLEMENTED (12)', async () => {
    const { createClient } = await import('@connectrpc/connect');
    const { createGrpcTransport } = await import('@connectrpc/connect-node');
    const { RolesService } = await import('@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/roles/roles_pb.js');
    const roles = createClient(RolesService, createGrpcTransport({ baseUrl: server.url }));
    const err: unknown = await roles.listRoles({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
  });
});

describe('shutdown', () => {
  it('sends GOAWAY to open HTTP/2 sessions, drops sockets that sent nothing, and closes', async () => {
    const own = await startTestServer();
    const session = http2.connect(own.url);
    expect((await h2Get(session, '/health')).status).toBe(200);
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const silent = net.connect(Number(new URL(own.url).port), '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    expect(own.app.h2c.sessionCount()).toBe(1);
    await own.close();
    await goaway;
    await closed;
    await silentClosed;
    expect(own.app.fastify.server.listening).toBe(false);
  });
});
