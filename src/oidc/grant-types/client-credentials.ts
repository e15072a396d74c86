// RFC 6749 §4.4: every issuer; confidential M2M clients (the environment's own client may also sign people
// in; an MCP server's client with redirect URIs is a code-flow client, without them an M2M one, as on
// Scalekit). Answered by our fast path (client-credentials.ts).
import { clientCredentialsGrant } from '../client-credentials.js';
import { issuerResource, type Grant } from './grant.js';

const CONFIDENTIAL_KINDS: ReadonlySet<string> = new Set(['environment', 'organization', 'resource']);

export const clientCredentials: Grant = {
  grantType: 'client_credentials',
  offeredAt: () => true,
  allowsClient: (client) => CONFIDENTIAL_KINDS.has(client.kind) && (client.kind === 'environment' || client.redirectUris.length === 0),
  registrable: false,
  handler: ({ env, client, params, issuer }) => clientCredentialsGrant(env, client, params, issuerResource(issuer)),
};
