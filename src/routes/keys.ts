// GET /keys: the JWKS, public parts only. Cacheable, since keys never change under a running server.
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { allowCors } from './cors.js';

export function keysRoute(app: FastifyInstance, env: EnvironmentContext): void {
  const body = JSON.stringify(env.keys.jwks);
  app.get('/keys', { onRequest: allowCors(app, ['/keys'], ['GET']) }, async (_request, reply) => {
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return body;
  });
}
