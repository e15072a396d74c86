// Hands each issuer's oidc-provider only its own paths (authorize and its resume, logout, revoke; each MCP
// server's under /resources/<res_id>); everything else stays Fastify's. Runs at onRequest, before body
// parsing. The provider sees the path relative to its issuer, and the full one as req.originalUrl, from
// which it builds its own absolute URLs (the resume redirect after login).
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { withAuthorizationDefaults } from '../oidc/authorization-defaults.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { ENVIRONMENT_PATHS, providerPathOf } from '../oidc/paths.js';
import type { IssuerProvider } from '../oidc/providers.js';

export function providerDispatch(app: FastifyInstance, env: EnvironmentContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const q = request.url.indexOf('?');
    const target = providerPathOf(q === -1 ? request.url : request.url.slice(0, q));
    if (!target) return;
    const issuer = target.resourceId === undefined ? await env.providers.environment() : await env.providers.forResource(target.resourceId);
    if (!issuer) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(env.pages.error('not_found', 'There is no MCP server with this id. Check the authorization server URL in the MCP server’s protected-resource metadata.'));
    }
    let query = q === -1 ? '' : request.url.slice(q + 1);
    if (request.method === 'GET' && target.path === ENVIRONMENT_PATHS.authorization) {
      query = withAuthorizationDefaults(new URLSearchParams(query), issuer.scope, env).toString();
    }
    reply.hijack();
    await issuer.callback(asIssuerRequest(request.raw, issuer, target.path + (query ? `?${query}` : '')), reply.raw);
  });
}

/** The request as the issuer's provider must see it: its own relative path, the full one as originalUrl. */
export function asIssuerRequest(raw: IncomingMessage, issuer: IssuerProvider, url: string, body?: string): IncomingMessage {
  const request = raw as IncomingMessage & { originalUrl?: string; body?: string };
  request.url = url;
  request.originalUrl = issuer.pathPrefix + url;
  if (body !== undefined) request.body = body; // oidc-provider reads an already parsed body from here
  return request;
}
