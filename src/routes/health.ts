// GET /health: 200 when the database answers and the signing keys are loaded, else 503.
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';

export function healthRoute(app: FastifyInstance, env: EnvironmentContext): void {
  app.get('/health', async (_request, reply) => {
    let database: boolean;
    try {
      database = env.store.isOpen() && env.store.db.prepare('SELECT 1').pluck().get() === 1;
    } catch {
      database = false;
    }
    const keys = env.keys.all.length;
    const ok = database && keys > 0;
    reply.code(ok ? 200 : 503).header('cache-control', 'no-store');
    return { status: ok ? 'ok' : 'unavailable', database: database ? 'ok' : 'unavailable', keys };
  });
}
