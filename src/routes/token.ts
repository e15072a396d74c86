// POST /oauth/token and each MCP server's /resources/<res_id>/oauth/token. client_credentials is answered
// here, in Scalekit's token shape; the grants of the interactive flows (authorization_code, refresh_token)
// go to that issuer's oidc-provider with the body already parsed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientCredentialsGrant, type TokenResponse } from '../oidc/client-credentials.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { InvalidRequest, UnknownMcpServer, UnsupportedGrantType } from '../oidc/errors.js';
import { parseForm, type FormParams } from '../oidc/form.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import { providerTokenRequest } from '../oidc/provider-token-request.js';
import { markRetryAnsweredBySuccessor } from '../oidc/refresh-rotation.js';
import type { IssuerProvider } from '../oidc/providers.js';
import type { Resource } from '../store/resources.js';
import { allowCors } from './cors.js';
import { acceptOAuthForms, noStore, postOnly } from './oauth-forms.js';
import { asIssuerRequest } from './provider-dispatch.js';

const PROVIDER_GRANTS = new Set(['authorization_code', 'refresh_token']);

export async function tokenRoutes(app: FastifyInstance, env: EnvironmentContext): Promise<void> {
  const fail = acceptOAuthForms(app, env);
  const resourceTokenUrl = `/resources/:resourceId${ENVIRONMENT_PATHS.token}`;
  const cors = { onRequest: allowCors(app, [ENVIRONMENT_PATHS.token, resourceTokenUrl], ['POST']) };
  postOnly(app, [ENVIRONMENT_PATHS.token, resourceTokenUrl], fail, 'token', cors);

  // Refreshes with one refresh token are answered one after another (in this process): of two sent at
  // once, the second finds the first's successor and is answered as its retry (refresh-rotation.ts).
  const refreshing = oneAtATime();

  // One answer for both issuers: client_credentials by our fast path, the interactive grants by the provider.
  const answer = async (request: FastifyRequest, reply: FastifyReply, issuer: () => Promise<IssuerProvider>, resource?: Resource) => {
    const params = parseForm(request.body);
    const grantType = requiredGrantType(params);
    if (grantType === 'client_credentials') {
      return sendToken(reply, await clientCredentialsGrant(env, params, request.headers.authorization, resource));
    }
    if (!PROVIDER_GRANTS.has(grantType)) throw unsupportedGrant(grantType);
    const provider = await issuer();
    const forward = async () => {
      const { body, answersRetry } = await providerTokenRequest(env, provider, params);
      const raw = asIssuerRequest(request.raw, provider, ENVIRONMENT_PATHS.token, body);
      if (answersRetry) markRetryAnsweredBySuccessor(raw);
      reply.hijack();
      await provider.callback(raw, reply.raw);
      return reply;
    };
    const presented = grantType === 'refresh_token' ? params.get('refresh_token') : undefined;
    return presented === undefined ? forward() : refreshing(`${provider.scope.ns}\n${presented}`, forward);
  };

  app.post<{ Params: { resourceId: string } }>(resourceTokenUrl, cors, async (request, reply) => {
    const resource = await env.store.resources.get(request.params.resourceId);
    if (!resource) throw new UnknownMcpServer();
    return answer(request, reply, async () => (await env.providers.forResource(resource.id))!, resource);
  });

  app.post(ENVIRONMENT_PATHS.token, cors, (request, reply) => answer(request, reply, () => env.providers.environment()));
}

/** Runs the calls made with one key one after another, in the order they came. */
function oneAtATime() {
  const last = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const mine = (last.get(key) ?? Promise.resolve()).then(fn);
    const settled = mine.catch(() => undefined);
    last.set(key, settled);
    void settled.then(() => last.get(key) === settled && last.delete(key));
    return mine;
  };
}

const unsupportedGrant = (grantType: string) =>
  new UnsupportedGrantType(`unsupported grant_type requested: ${grantType.slice(0, 64)}`);

function requiredGrantType(params: FormParams): string {
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new InvalidRequest("missing required parameter 'grant_type'");
  return grantType;
}

function sendToken(reply: FastifyReply, body: TokenResponse): TokenResponse {
  noStore(reply);
  return body;
}
