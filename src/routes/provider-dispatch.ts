// Hands oidc-provider only its own paths (authorize, userinfo, logout, revoke); everything else stays
// Fastify's. Runs at onRequest, before any body parsing, so the provider reads the raw body itself.
import type { FastifyInstance } from 'fastify';
import { isProviderPath } from '../oidc/paths.js';
import type { EnvironmentContext } from './environment.js';

export function providerDispatch(app: FastifyInstance, env: EnvironmentContext): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!env.providerHandler) return;
    const q = request.url.indexOf('?');
    const path = q === -1 ? request.url : request.url.slice(0, q);
    if (!isProviderPath(path)) return;
    const handler = await env.providerHandler();
    reply.hijack();
    await handler(request.raw, reply.raw);
  });
}
