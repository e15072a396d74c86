// RFC 8414 metadata of each MCP server's issuer, `<env>/resources/<res_id>`, served at both URLs
// Scalekit serves: path insertion (what MCP clients try first) and path append. The OIDC variants and
// `/resources/<id>/keys` stay 404, as on Scalekit.
// Only what works is listed: DCR, client-id metadata documents and the device flow only while the MCP
// server allows them.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { DEVICE_CODE_GRANT } from '../oidc/device-flow.js';
import { enabledScopes, resourceIssuer } from '../oidc/issuers.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import type { Resource } from '../store/resources.js';
import { allowCors } from './cors.js';
import { TOKEN_STATE_AUTH_METHODS } from './discovery.js';
import { registrationPath } from './registration.js';

export function resourceMetadata(environmentUrl: string, resource: Resource) {
  const issuer = resourceIssuer(environmentUrl, resource.id);
  return {
    issuer,
    authorization_endpoint: issuer + ENVIRONMENT_PATHS.authorization,
    token_endpoint: issuer + ENVIRONMENT_PATHS.token,
    revocation_endpoint: issuer + ENVIRONMENT_PATHS.revocation,
    introspection_endpoint: issuer + ENVIRONMENT_PATHS.introspection,
    ...(resource.disableDynamicClientRegistration ? {} : { registration_endpoint: environmentUrl + registrationPath(resource.id) }),
    // [device flow] RFC 8628, where the MCP server enables it (device-flow.ts).
    ...(resource.enableDeviceFlow ? { device_authorization_endpoint: issuer + ENVIRONMENT_PATHS.device_authorization } : {}),
    jwks_uri: environmentUrl + ENVIRONMENT_PATHS.jwks,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', ...(resource.enableDeviceFlow ? [DEVICE_CODE_GRANT] : [])],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    ...TOKEN_STATE_AUTH_METHODS,
    // offline_access asks for a refresh token; the MCP server's own scopes are the rest.
    scopes_supported: [...enabledScopes(resource), 'offline_access'],
    authorization_response_iss_parameter_supported: true,
    ...(resource.enableCimd ? { client_id_metadata_document_supported: true } : {}),
  };
}

export function resourceMetadataRoutes(app: FastifyInstance, env: EnvironmentContext): void {
  const serve = async (resourceId: string, reply: FastifyReply) => {
    const resource = env.store.resources.get(resourceId);
    if (!resource) return reply.code(404).send({ error: 'not_found', error_description: 'no such MCP server' });
    reply.header('cache-control', 'public, max-age=60');
    return resourceMetadata(env.issuer, resource);
  };
  const urls = ['/.well-known/oauth-authorization-server/resources/:resourceId', '/resources/:resourceId/.well-known/oauth-authorization-server'];
  const cors = { onRequest: allowCors(app, urls, ['GET']) };
  for (const url of urls) {
    app.get<{ Params: { resourceId: string } }>(url, cors, (req, reply) => serve(req.params.resourceId, reply));
  }
}
