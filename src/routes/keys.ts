// GET /keys: the JWKS, public parts only. The body is rebuilt only when the key ring's version moves
// (a rotation publishes the next key at once; a retired key leaves).
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { allowCors } from './cors.js';

export function keysRoute(app: FastifyInstance, env: EnvironmentContext): void {
  let cached = { version: 0, body: '' };
  app.get('/keys', { onRequest: allowCors(app, ['/keys'], ['GET']) }, async (_request, reply) => {
    const version = env.keys.version;
    if (cached.version !== version) cached = { version, body: JSON.stringify(env.keys.jwks) };
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return cached.body;
  });
}
