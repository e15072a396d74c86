// POST /oauth/token and each MCP server's /resources/<res_id>/oauth/token. client_credentials is answered
// here, in Scalekit's token shape; the grants of the interactive flows (authorization_code, refresh_token)
// go to that issuer's oidc-provider with the body already parsed.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientCredentialsGrant, type TokenResponse } from '../oidc/client-credentials.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { exposeOAuthError, InvalidRequest, OAuthError, UnsupportedGrantType } from '../oidc/errors.js';
import { parseForm, type FormParams } from '../oidc/form.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import { providerTokenBody } from '../oidc/provider-token-request.js';
import type { IssuerProvider } from '../oidc/providers.js';
import type { Resource } from '../store/resources.js';
import { BODY_LIMIT, BODY_TOO_LARGE } from './body-limit.js';
import { allowCors } from './cors.js';
import { asIssuerRequest } from './provider-dispatch.js';

const PROVIDER_GRANTS = new Set(['authorization_code', 'refresh_token']);

export async function tokenRoutes(app: FastifyInstance, env: EnvironmentContext): Promise<void> {
  // This context parses only forms, kept as text, so duplicates can be detected.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );
  // Every error of this surface is sent here, so counted here.
  const fail = (reply: FastifyReply, err: OAuthError) => {
    env.metrics.oauthError(err.error);
    return sendOAuthError(reply, err);
  };
  app.setErrorHandler((err: FastifyError, request, reply) => fail(reply, fromFastifyError(err, request)));

  const resourceTokenUrl = `/resources/:resourceId${ENVIRONMENT_PATHS.token}`;
  const cors = { onRequest: allowCors(app, [ENVIRONMENT_PATHS.token, resourceTokenUrl], ['POST']) };

  // RFC 6749 §3.2: the token endpoint takes POST only.
  for (const url of [ENVIRONMENT_PATHS.token, resourceTokenUrl]) {
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE'],
      url,
      ...cors,
      handler: async (_request, reply) => {
        reply.header('allow', 'POST');
        return fail(reply, new OAuthError(405, 'invalid_request', 'the token endpoint only accepts POST'));
      },
    });
  }

  // One answer for both issuers: client_credentials by our fast path, the interactive grants by the provider.
  const answer = async (request: FastifyRequest, reply: FastifyReply, issuer: () => Promise<IssuerProvider>, resource?: Resource) => {
    const params = parseForm(request.body);
    const grantType = requiredGrantType(params);
    if (grantType === 'client_credentials') {
      return sendToken(reply, await clientCredentialsGrant(env, params, request.headers.authorization, resource));
    }
    if (!PROVIDER_GRANTS.has(grantType)) throw unsupportedGrant(grantType);
    const provider = await issuer();
    const body = providerTokenBody(env, provider, params);
    reply.hijack();
    await provider.callback(asIssuerRequest(request.raw, provider, ENVIRONMENT_PATHS.token, body), reply.raw);
    return reply;
  };

  app.post<{ Params: { resourceId: string } }>(resourceTokenUrl, cors, async (request, reply) => {
    const resource = env.store.resources.get(request.params.resourceId);
    if (!resource) throw new OAuthError(404, 'invalid_request', 'no such MCP server');
    return answer(request, reply, async () => (await env.providers.forResource(resource.id))!, resource);
  });

  app.post(ENVIRONMENT_PATHS.token, cors, (request, reply) => answer(request, reply, () => env.providers.environment()));
}

const unsupportedGrant = (grantType: string) =>
  new UnsupportedGrantType(`unsupported grant_type requested: ${grantType.slice(0, 64)}`);

function requiredGrantType(params: FormParams): string {
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new InvalidRequest("missing required parameter 'grant_type'");
  return grantType;
}

function sendToken(reply: FastifyReply, body: TokenResponse): TokenResponse {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  return body;
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
  request.log.error({ err }, 'token endpoint failed');
  return exposeOAuthError(err);
}

export function sendOAuthError(reply: FastifyReply, err: OAuthError): FastifyReply {
  return reply
    .code(err.status)
    .headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...err.headers })
    .send(err.toJSON());
}
