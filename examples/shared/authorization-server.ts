// Who protects an MCP server, found the MCP way: the server's protected-resource metadata (RFC 9728), then
// the metadata of the first authorization server it names (RFC 8414), through the MCP SDK's discovery.
import { discoverAuthorizationServerMetadata, discoverOAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/client/auth.js';

export interface ProtectedBy {
  /** The MCP server's `resource`: what a client asks its tokens for. */
  resource: string;
  /** The scopes the MCP server says it takes. */
  scopesSupported: string[];
  /** The authorization server's issuer. */
  issuer: string;
  /** Its RFC 8414 metadata, with whatever else it lists (e.g. RFC 8628's device_authorization_endpoint). */
  metadata: { token_endpoint: string; registration_endpoint?: string } & Record<string, unknown>;
}

export async function authorizationServerOf(mcpServerUrl: string): Promise<ProtectedBy> {
  const target = await discoverOAuthProtectedResourceMetadata(mcpServerUrl);
  const issuer = target.authorization_servers?.[0];
  const metadata = issuer ? await discoverAuthorizationServerMetadata(issuer) : undefined;
  if (!issuer || !metadata?.token_endpoint) throw new Error(`no authorization server found for ${mcpServerUrl}`);
  return { resource: target.resource, scopesSupported: target.scopes_supported ?? [], issuer, metadata };
}
