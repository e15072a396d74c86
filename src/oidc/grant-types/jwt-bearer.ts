// RFC 7523 §2.1 JWT bearer grant, with ID-JAGs (enterprise-managed authorization): at an MCP server's
// issuer while the server accepts them (Scalekit's xaa_enabled); a confidential client the server knows,
// the environment's own or one bound to the server (id-jag/grant.ts checks it is the one the ID-JAG names).
import { tokenEndpointAuthMethod } from '../client-auth.js';
import { boundResourceId } from '../issuer-clients.js';
import { issuerResource, type Grant } from './grant.js';
import { ID_JAG_GRANT_PROFILE, JWT_BEARER } from './urns.js';

export const jwtBearer: Grant = {
  grantType: JWT_BEARER,
  offeredAt: (issuer) => issuer.kind === 'resource' && issuer.resource.xaaEnabled,
  notOffered: (issuer) =>
    issuer.kind === 'resource'
      ? 'this MCP server does not accept ID-JAGs: its xaa_enabled is off'
      : "the environment issues ID-JAGs (token exchange); present them at the MCP server's own issuer",
  allowsClient: (client, issuer) =>
    issuer.kind === 'resource' && tokenEndpointAuthMethod(client) !== 'none' && (client.kind === 'environment' || boundResourceId(client) === issuer.resource.id),
  registrable: false,
  // ext-auth §6: how an MCP client tells that the server takes ID-JAGs.
  metadata: () => ({ authorization_grant_profiles_supported: [ID_JAG_GRANT_PROFILE] }),
  // jose (verifying the assertion) loads with the first ID-JAG presented, not at start.
  handler: async (request) => (await import('../id-jag/grant.js')).idJagGrant(request, issuerResource(request.issuer)!),
};
