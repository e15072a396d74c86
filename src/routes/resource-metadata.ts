// RFC 8414 metadata of each MCP server's issuer, `<env>/resources/<res_id>`, served at both URLs
// Scalekit serves: path insertion (what MCP clients try first) and path append. The OIDC variants and
// `/resources/<id>/keys` stay 404, as on Scalekit.
// Only what works is listed: the code flow, DCR and CIMD on this issuer come with the login pages.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import type { Resource } from '../store/resources.js';
import { allowCors } from './cors.js';
import type { EnvironmentContext } from './environment.js';

export const resourceIssuer = (environmentUrl: string, resourceId: string) => `${environmentUrl}/resources/${resourceId}`;

const enabledScopes = (resource: Resource) => resource.scopes.filter((s) => s.enabled).map((s) => s.name);

/**
 * The "Metadata JSON" Scalekit's dashboard hands out for an MCP server, which the server copies into its
 * /.well-known/oauth-protected-resource (RFC 9728).
 */
export function protectedResourceMetadata(environmentUrl: string, resource: Resource) {
  const serverUrl = resource.serverUrl;
  return {
    authorization_servers: [resourceIssuer(environmentUrl, resource.id)],
    bearer_methods_supported: ['header'],
    resource: serverUrl,
    resource_documentation: `${serverUrl.replace(/\/$/, '')}/docs`,
    scopes_supported: enabledScopes(resource),
  };
}

export function resourceMetadata(environmentUrl: string, resource: Resource) {
  const issuer = resourceIssuer(environmentUrl, resource.id);
  return {
    issuer,
    token_endpoint: issuer + ENVIRONMENT_PATHS.token,
    jwks_uri: environmentUrl + ENVIRONMENT_PATHS.jwks,
    response_types_supported: ['code'],
    grant_types_supported: ['client_credentials'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    scopes_supported: enabledScopes(resource),
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
