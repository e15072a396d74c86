// RFC 8414 metadata of each MCP server's issuer, `<env>/resources/<res_id>`, served at both URLs
// Scalekit serves: path insertion (what MCP clients try first) and path append. The OIDC variants and
// `/resources/<id>/keys` stay 404, as on Scalekit.
// Only what works is listed: DCR and client-id metadata documents only while the MCP server allows them,
// the grants (and their endpoints, as RFC 8628's device authorization endpoint) as the registry says.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { grantsMetadata } from '../oidc/grant-types/index.js';
import { enabledScopes, resourceIssuer } from '../oidc/issuers.js';
import { ENVIRONMENT_PATHS } from '../oidc/paths.js';
import type { Store } from '../store/index.js';
import type { Resource } from '../store/resources.js';
import { sendDocument, storeDocuments } from './cached-document.js';
import { allowCors } from './cors.js';
import { TOKEN_STATE_AUTH_METHODS } from './discovery.js';
import { registrationPath } from './registration.js';

export async function resourceMetadata(environmentUrl: string, resource: Resource, store: Store) {
  const issuer = resourceIssuer(environmentUrl, resource.id);
  return {
    issuer,
    authorization_endpoint: issuer + ENVIRONMENT_PATHS.authorization,
    token_endpoint: issuer + ENVIRONMENT_PATHS.token,
    revocation_endpoint: issuer + ENVIRONMENT_PATHS.revocation,
    introspection_endpoint: issuer + ENVIRONMENT_PATHS.introspection,
    ...(resource.disableDynamicClientRegistration ? {} : { registration_endpoint: environmentUrl + registrationPath(resource.id) }),
    jwks_uri: environmentUrl + ENVIRONMENT_PATHS.jwks,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    ...(await grantsMetadata(store, { kind: 'resource', resource }, issuer)),
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
  // One document per MCP server, built again after any server changed: its grants follow the others'
  // settings too (whom it accepts tokens from), and an edit anywhere is heard here (store/changes.ts).
  const documents = storeDocuments<Resource>(env.store.changes, 'resources');
  const serve = async (resourceId: string, request: FastifyRequest, reply: FastifyReply) => {
    const resource = await env.store.resources.get(resourceId);
    if (!resource) return reply.code(404).send({ error: 'not_found', error_description: 'no such MCP server' });
    const doc = await documents(resource, env.issuer, () => resourceMetadata(env.issuer, resource, env.store));
    return sendDocument(request, reply, doc, 'public, max-age=60');
  };
  const urls = ['/.well-known/oauth-authorization-server/resources/:resourceId', '/resources/:resourceId/.well-known/oauth-authorization-server'];
  const cors = { onRequest: allowCors(app, urls, ['GET']) };
  for (const url of urls) {
    app.get<{ Params: { resourceId: string } }>(url, cors, (req, reply) => serve(req.params.resourceId, req, reply));
  }
}
