// POST /oauth/token and each MCP server's /resources/<res_id>/oauth/token. client_credentials is answered
// here, in Scalekit's token shape; the grants of the interactive flows (authorization_code, refresh_token,
// the device code) go to that issuer's oidc-provider with the body already parsed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientCredentialsGrant, type TokenResponse } from '../oidc/client-credentials.js';
import { DEVICE_CODE_GRANT } from '../oidc/device-flow.js';
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

// [device flow] RFC 8628's device_code grant goes to the provider too; an MCP server's provider built
// without the device flow (enable_device_flow off) answers it unsupported_grant_type itself.
const PROVIDER_GRANTS = new Set(['authorization_code', 'refresh_token', DEVICE_CODE_GRANT]);

export async function tokenRoutes(app: FastifyInstance, env: EnvironmentContext): Promise<void> {
  const fail = acceptOAuthForms(app, env);
  const resourceTokenUrl = `/resources/:resourceId${ENVIRONMENT_PATHS.token}`;
  const cors = { onRequest: allowCors(app, [ENVIRONMENT_PATHS.token, resourceTokenUrl], ['POST']) };
  postOnly(app, [ENVIRONMENT_PATHS.token, resourceTokenUrl], fail, 'token', cors);

  // One answer for both issuers: client_credentials by our fast path, the interactive grants by the provider.
  const answer = async (request: FastifyRequest, reply: FastifyReply, issuer: () => Promise<IssuerProvider>, resource?: Resource) => {
    const params = parseForm(request.body);
    const grantType = requiredGrantType(params);
    if (grantType === 'client_credentials') {
      return sendToken(reply, await clientCredentialsGrant(env, params, request.headers.authorization, resource));
    }
    if (!PROVIDER_GRANTS.has(grantType)) throw unsupportedGrant(grantType);
    const provider = await issuer();
    const { body, answersRetry } = providerTokenRequest(env, provider, params);
    const raw = asIssuerRequest(request.raw, provider, ENVIRONMENT_PATHS.token, body);
    if (answersRetry) markRetryAnsweredBySuccessor(raw);
    reply.hijack();
    await provider.callback(raw, reply.raw);
    return reply;
  };

  app.post<{ Params: { resourceId: string } }>(resourceTokenUrl, cors, async (request, reply) => {
    const resource = env.store.resources.get(request.params.resourceId);
    if (!resource) throw new UnknownMcpServer();
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
  noStore(reply);
  return body;
}
