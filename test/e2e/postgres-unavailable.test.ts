// PostgreSQL out of reach (the server restarting, the network cut): every surface answers 503 in its own
// shape with Retry-After, /health names the cause, nothing exits, and service resumes by itself once
// the server answers again. The app reaches its database through a TCP proxy the test cuts and mends.
// Needs a PostgreSQL server; skipped without.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageFailure } from '../../src/store/storage-failure.js';
import { freshPostgresDatabase, postgresServer, type FreshDatabase } from '../helpers/databases.js';
import { environmentToken, restCaller } from '../helpers/management.js';
import { AGENT, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

/** A TCP proxy to `target` that can refuse and drop every connection, then take them again on the same port. */
async function cuttableProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    port: () => port,
    /** Refuses new connections and drops the open ones. */
    cut: () =>
      new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
    mend: listen,
  };
}

const UNREACHABLE = 'the server cannot store anything right now (the database cannot be reached: ECONNREFUSED); nothing was changed, try again later';

describe.skipIf(!postgresServer())('PostgreSQL out of reach', () => {
  let database: FreshDatabase;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;
  let server: TestServer;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    const target = new URL(database.url);
    proxy = await cuttableProxy(target);
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port());
    server = await startTestServer({ database: viaProxy.href });
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.cut();
    await database?.drop();
  });

  it('answers 503 in each shape with Retry-After, /health names the cause, the process runs on, and it serves again once the server is back', { timeout: 60_000 }, async () => {
    const clientCredentials = () => tokenRequest(server.url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret });
    expect((await clientCredentials()).status).toBe(200);
    const api = restCaller(server.url, await environmentToken(server.url));

    await proxy.cut();
    // The pool's open connections die first (CONNECTION_TERMINATED), one use each; then every new one is refused.
    for (let attempt = 0; attempt < 20; attempt++) {
      const failure = await server.app.store.ping().then(() => undefined, (err: unknown) => storageFailure(err));
      expect(['CONNECTION_TERMINATED', 'ECONNREFUSED']).toContain(failure);
      if (failure === 'ECONNREFUSED') break;
    }

    const token = await clientCredentials();
    expect(token.status).toBe(503);
    expect(token.headers.get('retry-after')).toBe('30');
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(await token.json()).toEqual({ error: 'temporarily_unavailable', error_description: UNREACHABLE });

    const rest = await api('POST', '/organizations/org_20000000000000001/clients', { name: 'Too late' });
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('30');
    expect(rest.body).toEqual({ code: 14, message: UNREACHABLE, details: [{ '@type': 'type.googleapis.com/scalekit.v1.errdetails.ErrorInfo', error_code: 'UNAVAILABLE' }] });

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable', database: 'unavailable', keys: 1, cause: UNREACHABLE });

    await proxy.mend();

    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const after = await clientCredentials();
    expect(after.status).toBe(200);
    expect((await api('POST', '/organizations/org_20000000000000001/clients', { name: 'Made again' })).status).toBe(201);
  });
});
