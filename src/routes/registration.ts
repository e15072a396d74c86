// POST <env>/api/v1/resources/<res_id>/clients:register: dynamic client registration for an MCP server's
// issuer (RFC 7591), public and unauthenticated as on Scalekit. JSON in, RFC 7591 JSON out (errors too).
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { BODY_LIMIT, BODY_TOO_LARGE } from './body-limit.js';
import { OPEN_REGISTRATION, registrationResponse, RegistrationError, type RegistrationService } from '../management/registration.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { exposeOAuthError } from '../oidc/errors.js';
import { allowCors } from './cors.js';

/** The registration endpoint of an MCP server's issuer. */
export const registrationPath = (resourceId: string) => `/api/v1/resources/${resourceId}/clients:register`;

export async function registrationRoutes(app: FastifyInstance, registration: RegistrationService, env: EnvironmentContext): Promise<void> {
  const limits = env.registrationLimits;
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof RegistrationError) return sendError(reply, err.status, err.error, err.message);
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'invalid_client_metadata', BODY_TOO_LARGE);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_EMPTY_TYPE':
        return sendError(reply, 415, 'invalid_client_metadata', 'the request body must be application/json');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 400, 'invalid_client_metadata', 'the request body is not valid JSON');
    }
    if (err.statusCode !== undefined && err.statusCode < 500) return sendError(reply, 400, 'invalid_client_metadata', 'the request could not be read');
    request.log.error({ err }, 'client registration failed');
    const exposed = exposeOAuthError(err); // a full disk: 503 temporarily_unavailable with Retry-After
    return sendError(reply.headers(exposed.headers), exposed.status, exposed.error, exposed.description);
  });

  // `::` is a literal colon in a Fastify path. Browser-based MCP clients register from a page: CORS.
  const url = '/api/v1/resources/:resourceId/clients::register';
  app.post<{ Params: { resourceId: string } }>(url, { bodyLimit: BODY_LIMIT, onRequest: allowCors(app, [url], ['POST']) }, async (request, reply) => {
    // Anyone may register: so many per address and hour (request.ip: the peer, or what TRUST_PROXY trusts).
    const retryAt = limits.retryAt(request.ip);
    if (retryAt !== undefined) {
      const seconds = Math.max(1, Math.ceil((retryAt - env.clock()) / 1000));
      reply.header('retry-after', String(seconds));
      // The error code the MCP SDK's own authorization server answers a registration flood with.
      return sendError(reply, 429, 'too_many_requests', `too many client registrations from this address: try again in ${seconds} s`);
    }
    // The audit log records the registration (as any management change).
    const registered = await registration.register(OPEN_REGISTRATION, request.params.resourceId, request.body);
    limits.registered(request.ip);
    return reply.code(201).header('cache-control', 'no-store').header('pragma', 'no-cache').send(registrationResponse(registered));
  });
}

function sendError(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}
