// Hands each issuer's oidc-provider only its own paths (authorize and its resume, logout, the device
// flow's user-code page and its resume; each MCP server's under /resources/<res_id>, of logout only its
// confirmation, the user-code page only where the server offers it); everything else stays Fastify's.
// Runs at onRequest, before Fastify parses anything. A body is read here, within the one body limit (413
// as everywhere else), and handed to the provider as a request that streams it again. The provider sees
// the path relative to its issuer, and the full one as req.originalUrl, from which it builds its own
// absolute URLs (the resume redirect after login).
import { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withAuthorizationDefaults } from '../oidc/authorization-defaults.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { DEVICE_CODE } from '../oidc/grant-types/urns.js';
import { END_SESSION_CONFIRM, ENVIRONMENT_PATHS, providerPathOf, type ProviderPath } from '../oidc/paths.js';
import type { IssuerProvider } from '../oidc/providers.js';
import { BODY_TOO_LARGE, readBodyWithinLimit } from './body-limit.js';

// The provider answers these with an HTML page (a browser is on the other end); the rest with JSON.
const PAGE_ROUTES: string[] = [ENVIRONMENT_PATHS.authorization, ENVIRONMENT_PATHS.end_session, END_SESSION_CONFIRM, ENVIRONMENT_PATHS.code_verification];

// The steps of the provider's logout below its path; any other address there is the pages' 404.
const LOGOUT_STEPS: Record<string, string[]> = { '/confirm': ['POST'], '/success': ['GET', 'HEAD'] };

// The user-code page (RFC 8628 §3.3) takes the code by GET (verification_uri_complete) or its form's POST;
// below it only the resume after sign-in (`/device/<uid>`, GET). Anything else there is the pages' 404.
const DEVICE_PAGE_METHODS = ['GET', 'HEAD', 'POST'];
const DEVICE_RESUME = /^\/[^/]+$/;

// Where a browser is sent takes GET (OAuth 2.1 §3.1). OIDC's POST option for these would make
// oidc-provider set its session cookie SameSite=None, which a plain-http origin cannot keep.
const GET_ONLY: Record<string, string | undefined> = {
  [ENVIRONMENT_PATHS.authorization]: 'The authorization endpoint takes GET requests: send the parameters in the query string.',
  [ENVIRONMENT_PATHS.end_session]: 'The logout endpoint takes GET requests: send the parameters in the query string.',
};

export function providerDispatch(app: FastifyInstance, env: EnvironmentContext): void {
  // Every request passes here: the others (the token endpoint's load among them) go on at once, with no
  // promise of their own; a provider's request is answered here and never goes on.
  app.addHook('onRequest', (request, reply, done) => {
    const q = request.url.indexOf('?');
    const target = providerPathOf(q === -1 ? request.url : request.url.slice(0, q));
    if (!target || unknownLogoutStep(target, request.method) || unknownDeviceStep(target, request.method)) return done();
    dispatch(request, reply, target, q).catch((err: unknown) => done(err as Error));
  });

  const dispatch = async (request: FastifyRequest, reply: FastifyReply, target: ProviderPath, q: number): Promise<unknown> => {
    const page = PAGE_ROUTES.includes(target.route);
    const issuer = target.resourceId === undefined ? await env.providers.environment() : await env.providers.forResource(target.resourceId);
    if (!issuer) {
      const description = 'There is no MCP server with this id. Check the authorization server URL in the MCP server’s protected-resource metadata.';
      reply.code(404).header('cache-control', 'no-store');
      return page ? reply.type('text/html; charset=utf-8').send(env.pages.error('not_found', description)) : reply.send({ error: 'not_found', error_description: description });
    }
    if (target.route === ENVIRONMENT_PATHS.code_verification && !issuer.grantTypes.includes(DEVICE_CODE)) {
      const description = 'This MCP server does not offer the device authorization grant (sign-in with a code).';
      return reply.code(404).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(env.pages.error('not_found', description));
    }
    const getOnly = target.path === target.route ? GET_ONLY[target.route] : undefined;
    if (getOnly && request.method !== 'GET' && request.method !== 'HEAD') {
      reply.code(405).header('allow', 'GET, HEAD').header('cache-control', 'no-store');
      return reply.type('text/html; charset=utf-8').send(env.pages.error('invalid_request', getOnly));
    }
    let body: string | undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const read = await readBodyWithinLimit(request.raw);
      if (!read) return bodyTooLarge(reply, env, page);
      body = read.toString('utf8');
    }
    let query = q === -1 ? '' : request.url.slice(q + 1);
    if (request.method === 'GET' && target.route === ENVIRONMENT_PATHS.authorization && target.path === target.route) {
      query = (await withAuthorizationDefaults(new URLSearchParams(query), issuer.scope, env)).toString();
    }
    reply.hijack();
    return issuer.callback(asIssuerRequest(request.raw, issuer, target.path + (query ? `?${query}` : ''), body), reply.raw);
  };
}

function unknownLogoutStep(target: ProviderPath, method: string): boolean {
  if (target.route !== ENVIRONMENT_PATHS.end_session || target.path === target.route) return false;
  return !LOGOUT_STEPS[target.path.slice(target.route.length)]?.includes(method);
}

function unknownDeviceStep(target: ProviderPath, method: string): boolean {
  if (target.route !== ENVIRONMENT_PATHS.code_verification) return false;
  if (target.path === target.route) return !DEVICE_PAGE_METHODS.includes(method);
  return !DEVICE_RESUME.test(target.path.slice(target.route.length)) || (method !== 'GET' && method !== 'HEAD');
}

/** The request as the issuer's provider must see it: its own relative path, the full one as originalUrl. */
export function asIssuerRequest(raw: IncomingMessage, issuer: IssuerProvider, url: string, body?: string): IncomingMessage {
  const request = (body === undefined ? raw : replaying(raw, body)) as IncomingMessage & { originalUrl?: string };
  request.url = url;
  request.originalUrl = issuer.pathPrefix + url;
  return request;
}

// oidc-provider reads a body from the request stream. Given a request whose stream was read already, it
// falls back to req.body and prints a warning to stderr ("already parsed request body detected") in
// every process that uses it, fixtures included. So it gets a request of its own that streams the body
// we read (or rewrote), with the headers, method and socket of the one that arrived.
function replaying(raw: IncomingMessage, body: string): IncomingMessage {
  const bytes = Buffer.from(body, 'utf8');
  const request = new IncomingMessage(raw.socket);
  const { 'transfer-encoding': _chunked, ...headers } = raw.headers;
  request.headers = { ...headers, 'content-length': String(bytes.length) };
  request.method = raw.method;
  request.httpVersion = raw.httpVersion;
  request.httpVersionMajor = raw.httpVersionMajor;
  request.httpVersionMinor = raw.httpVersionMinor;
  request.complete = true; // else, once read and destroyed, it counts as aborted and closes the socket
  request.push(bytes);
  request.push(null);
  return request;
}

// The rest of the body is left unread, so the connection cannot be reused.
function bodyTooLarge(reply: FastifyReply, env: EnvironmentContext, page: boolean): FastifyReply {
  reply.code(413).header('connection', 'close').header('cache-control', 'no-store');
  return page
    ? reply.type('text/html; charset=utf-8').send(env.pages.error('invalid_request', BODY_TOO_LARGE))
    : reply.send({ error: 'invalid_request', error_description: BODY_TOO_LARGE });
}
