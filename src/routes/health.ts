// GET /health: 200 when the database takes a write and the signing keys are loaded, else 503 naming the
// cause (a full disk answers reads but not writes, so a read alone would say ok while every token fails).
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { storageFailure, storageProblem } from '../store/storage-failure.js';

export function healthRoute(app: FastifyInstance, env: EnvironmentContext): void {
  app.get('/health', async (_request, reply) => {
    let database: string | undefined; // why the database cannot serve, if it cannot
    try {
      if (env.store.isOpen()) await env.store.ping();
      else database = 'the database is closed';
    } catch (err) {
      const storage = storageFailure(err);
      database = storage ? storageProblem(storage) : 'the database does not answer';
    }
    const keys = env.keys.all.length;
    const cause = database ?? (keys === 0 ? 'no signing key is loaded' : undefined);
    reply.code(cause ? 503 : 200).header('cache-control', 'no-store');
    return { status: cause ? 'unavailable' : 'ok', database: database ? 'unavailable' : 'ok', keys, ...(cause ? { cause } : {}) };
  });
}
