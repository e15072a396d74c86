// The issuers of an environment and what they hand out: the environment itself (`<env>`) and one per MCP
// server (`<env>/resources/<res_id>`), plus the protected-resource metadata an MCP server serves. Used by
// the providers, the routes, the CLI banner and the fixture alike.
import type { Resource } from '../store/resources.js';

export const resourceIssuer = (environmentUrl: string, resourceId: string) => `${environmentUrl}/resources/${resourceId}`;

/** The path prefix of a resource issuer, relative to the environment URL. */
export const resourcePathPrefix = (resourceId: string) => `/resources/${resourceId}`;

export const enabledScopes = (resource: Resource) => resource.scopes.filter((s) => s.enabled).map((s) => s.name);

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

/** Where an MCP server serves that JSON (RFC 9728 §3.1: the well-known path before the resource's path). */
export function protectedResourceMetadataUri(serverUrl: string): string {
  const url = new URL(serverUrl);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}
