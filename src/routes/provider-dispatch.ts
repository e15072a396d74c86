// Hands oidc-provider only its own paths (authorize, userinfo, logout, revoke); everything else stays
// Fastify's. Runs at onRequest, before Fastify parses anything. A body is read here first, so that a
// body over BODY_LIMIT gets the same 413 as on Fastify's routes (the provider would answer 400).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorPage } from '../oidc/error-page.js';
import { ENVIRONMENT_PATHS, providerRouteOf } from '../oidc/paths.js';
import { BODY_TOO_LARGE, readBodyWithinLimit } from './body-limit.js';
import type { EnvironmentContext } from './environment.js';
import { withReplayedBody } from './replayed-request.js';

// The provider answers these with an HTML page (a browser is on the other end); the rest with JSON.
const PAGE_ROUTES: string[] = [ENVIRONMENT_PATHS.authorization, ENVIRONMENT_PATHS.end_session];

export function providerDispatch(app: FastifyInstance, env: EnvironmentContext): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!env.providerHandler) return;
    const q = request.url.indexOf('?');
    const path = q === -1 ? request.url : request.url.slice(0, q);
    const route = providerRouteOf(path);
    if (route === undefined) return;
    let req = request.raw;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const body = await readBodyWithinLimit(req);
      if (!body) return bodyTooLarge(reply, PAGE_ROUTES.includes(route));
      req = withReplayedBody(req, body);
    }
    const handler = await env.providerHandler();
    reply.hijack();
    await handler(req, reply.raw);
  });
}

// The rest of the body is left unread, so the connection cannot be reused.
function bodyTooLarge(reply: FastifyReply, page: boolean): FastifyReply {
  reply.code(413).header('connection', 'close').header('cache-control', 'no-store');
  return page
    ? reply.type('text/html; charset=utf-8').send(errorPage('invalid_request', BODY_TOO_LARGE))
    : reply.send({ error: 'invalid_request', error_description: BODY_TOO_LARGE });
}
