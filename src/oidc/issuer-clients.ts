// Which clients belong to which issuer: at the environment's, every client of the environment; at an
// MCP server's, that server's clients (registered under it, or with its URL in their audience).
import type { Client } from '../store/clients.js';
import type { Resource } from '../store/resources.js';
import { sameResource } from './resource-url.js';

/** A client of this MCP server: registered under it, or allowed to ask tokens for its URL. */
export function isClientOfResource(client: Client, resource: Resource): boolean {
  return client.resourceId === resource.id || client.audience.some((a) => sameResource(a, resource.serverUrl));
}

/**
 * May ask this issuer about tokens (revocation, introspection): a client of the MCP server, or the
 * environment's own client, which is what an MCP server holds (SCALEKIT_CLIENT_ID).
 */
export function mayCallIssuer(client: Client, resource: Resource | undefined): boolean {
  return resource === undefined || client.kind === 'environment' || isClientOfResource(client, resource);
}
