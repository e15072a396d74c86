// GET /keys: the JWKS, public parts only. The body (and its ETag) is rebuilt only when the key ring's
// version moves (a rotation publishes the next key at once; a retired key leaves). A short max-age: a
// cache that honours it sees a rotated-in key within a minute.
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { jsonDocument, sendDocument, type JsonDocument } from './cached-document.js';
import { allowCors } from './cors.js';

const KEYS_CACHE_CONTROL = 'public, max-age=60';

export function keysRoute(app: FastifyInstance, env: EnvironmentContext): void {
  let cached: { version: number; doc: JsonDocument } | undefined;
  app.get('/keys', { onRequest: allowCors(app, ['/keys'], ['GET']) }, async (request, reply) => {
    const version = env.keys.version;
    if (cached?.version !== version) cached = { version, doc: jsonDocument(env.keys.jwks) };
    return sendDocument(request, reply, cached.doc, KEYS_CACHE_CONTROL);
  });
}
