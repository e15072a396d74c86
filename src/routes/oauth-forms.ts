// What the OAuth endpoints that take a form POST share (token, revocation, introspection): only
// application/x-www-form-urlencoded bodies, kept as text so a repeated parameter can be refused; every
// error as RFC 6749 JSON with no-store, counted by its code; any other method 405. Each endpoint calls
// acceptOAuthForms on its own encapsulated scope.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { exposeOAuthError, InvalidRequest, OAuthError } from '../oidc/errors.js';
import { parseForm, type FormParams } from '../oidc/form.js';
import { tokenIssuer, type TokenIssuer } from '../oidc/presented-tokens.js';
import { BODY_LIMIT, BODY_TOO_LARGE } from './body-limit.js';

/** Sends an OAuth error and counts it. */
export type FailWith = (reply: FastifyReply, err: OAuthError) => FastifyReply;

export function acceptOAuthForms(app: FastifyInstance, env: EnvironmentContext): FailWith {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );
  // Every error of this surface is sent here, so counted here.
  const fail: FailWith = (reply, err) => {
    env.metrics.oauthError(err.error);
    return sendOAuthError(reply, err);
  };
  app.setErrorHandler((err: FastifyError, request, reply) => fail(reply, fromFastifyError(err, request)));
  return fail;
}

/** 405 with `Allow: POST` for the other methods (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1). */
export function postOnly(app: FastifyInstance, urls: string[], fail: FailWith, endpoint: string, options: RouteShorthandOptions = {}): void {
  for (const url of urls) {
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE'],
      url,
      ...options,
      handler: async (_request, reply) => {
        reply.header('allow', 'POST');
        return fail(reply, new OAuthError(405, 'invalid_request', `the ${endpoint} endpoint only accepts POST`));
      },
    });
  }
}

/**
 * POST `path` at the environment's issuer and at each MCP server's (`/resources/<res_id><path>`), for
 * revocation and introspection: `answer` gets the issuer and the parsed form; any other method is 405.
 */
export function atEveryIssuer(
  app: FastifyInstance,
  env: EnvironmentContext,
  endpoint: { path: string; name: string },
  answer: (issuer: TokenIssuer, params: FormParams, request: FastifyRequest) => Promise<unknown>,
): void {
  const fail = acceptOAuthForms(app, env);
  const urls = [endpoint.path, `/resources/:resourceId${endpoint.path}`];
  postOnly(app, urls, fail, endpoint.name);
  for (const url of urls) {
    app.post<{ Params: { resourceId?: string } }>(url, async (request, reply) => {
      const body = await answer(await tokenIssuer(env, request.params.resourceId), parseForm(request.body), request);
      return noStore(reply).send(body);
    });
  }
}

export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

function fromFastifyError(err: FastifyError, request: FastifyRequest): OAuthError {
  if (err instanceof OAuthError) return err;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OAuthError(413, 'invalid_request', BODY_TOO_LARGE);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return new InvalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new InvalidRequest('the request could not be read');
  }
  request.log.error({ err }, `${request.routeOptions.url ?? 'OAuth endpoint'} failed`);
  return exposeOAuthError(err);
}

function sendOAuthError(reply: FastifyReply, err: OAuthError): FastifyReply {
  return noStore(reply.code(err.status)).headers(err.headers).send(err.toJSON());
}
