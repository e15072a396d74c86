// POST <issuer>/oauth/device/code, the device authorization endpoint (RFC 8628 §3.1), at the environment's
// issuer and at each MCP server's that offers the device flow (404 elsewhere, as its metadata lists no
// such endpoint). An OAuth form endpoint like the token endpoint (form bodies only, RFC 6749 error JSON,
// 405, 413), whose request gets the authorization request's defaults before the issuer's oidc-provider
// reads it: `resource` as the MCP server is registered, a missing `scope` as the server's scopes, a client
// bound to an MCP server asking for that server. The provider then authenticates the client (public
// clients by client_id, confidential ones with their secret), checks the grant is the client's, and
// answers with the codes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withAuthorizationDefaults } from '../oidc/authorization-defaults.js';
import { claimedClientId } from '../oidc/client-auth.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { OAuthError, UnknownMcpServer } from '../oidc/errors.js';
import { parseForm } from '../oidc/form.js';
import { deviceCode } from '../oidc/grant-types/device-code.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import type { IssuerProvider } from '../oidc/providers.js';
import { acceptOAuthForms, postOnly } from './oauth-forms.js';
import { asIssuerRequest } from './provider-dispatch.js';

/** An MCP server that does not offer the device flow has no device authorization endpoint. */
class DeviceFlowNotOffered extends OAuthError {
  constructor() {
    super(404, 'invalid_request', 'this MCP server does not offer the device authorization grant (enable_device_flow is off)');
  }
}

export async function deviceAuthorizationRoutes(app: FastifyInstance, env: EnvironmentContext): Promise<void> {
  const fail = acceptOAuthForms(app, env);
  const path = ENVIRONMENT_PATHS.device_authorization;
  const resourcePath = `/resources/:resourceId${path}`;
  postOnly(app, [path, resourcePath], fail, 'device authorization');

  const answer = async (request: FastifyRequest, reply: FastifyReply, issuer: IssuerProvider) => {
    const params = parseForm(request.body);
    const clientId = claimedClientId(request.headers.authorization, params);
    const body = await withAuthorizationDefaults(new URLSearchParams(params.toString()), issuer.scope, env, clientId, true);
    reply.hijack();
    await issuer.callback(asIssuerRequest(request.raw, issuer, path, body.toString()), reply.raw);
    return reply;
  };

  app.post(path, async (request, reply) => answer(request, reply, await env.providers.environment()));
  app.post<{ Params: { resourceId: string } }>(resourcePath, async (request, reply) => {
    const resource = await env.store.resources.get(request.params.resourceId);
    if (!resource) throw new UnknownMcpServer();
    if (!(await deviceCode.offeredAt({ kind: 'resource', resource }, env.store))) throw new DeviceFlowNotOffered();
    return answer(request, reply, (await env.providers.forResource(resource.id))!);
  });
}
