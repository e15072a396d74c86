// Which clients belong to which issuer and which MCP server. A client created under an MCP server (by the
// management API or by DCR) is bound to it (RFC 8707, RFC 9700 §2.3): at every issuer and for every grant
// it gets tokens for that server only, whatever `resource` or audience it names. Other clients (the
// environment's own, organization M2M clients) address the MCP servers their audience lists.
import type { Client } from '../store/clients.js';
import type { Resource } from '../store/resources.js';
import { sameResource } from './resource-url.js';

const BOUND_KINDS: ReadonlySet<Client['kind']> = new Set(['resource', 'dcr']);

/** The MCP server (res_ id) a client is bound to, if it is bound to one. */
export function boundResourceId(client: Client): string | undefined {
  return BOUND_KINDS.has(client.kind) ? client.resourceId : undefined;
}

/** A client of this MCP server: bound to it, or (unbound) allowed to ask tokens for its URL. */
export function isClientOfResource(client: Client, resource: Resource): boolean {
  const bound = boundResourceId(client);
  if (bound !== undefined) return bound === resource.id;
  return client.audience.some((a) => sameResource(a, resource.serverUrl));
}

/**
 * May ask this issuer about tokens (revocation, introspection): a client of the MCP server (a document
 * client where the server takes them), or the environment's own client, which is what an MCP server holds
 * (SCALEKIT_CLIENT_ID).
 */
export function mayCallIssuer(client: Client, resource: Resource | undefined): boolean {
  if (resource === undefined || client.kind === 'environment') return true;
  // A client-id metadata document's client belongs to every MCP server that takes them.
  if (client.kind === 'cimd') return resource.enableCimd;
  return isClientOfResource(client, resource);
}
