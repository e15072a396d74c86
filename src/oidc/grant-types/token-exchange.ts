// RFC 8693 token exchange, at two kinds of issuer. At an MCP server's (B): a person's access token for
// another MCP server (A) becomes one for B, acted on by A's client (token-exchange.ts); always taken, and
// refused with invalid_target unless B accepts tokens from A (its token_exchange policy), so listed in
// B's metadata only while that policy names some server. At the environment's, acting as the enterprise
// identity provider: an ID token it issued becomes an ID-JAG for an MCP server (id-jag/request.ts);
// offered while some MCP server accepts ID-JAGs (xaa_enabled).
import { exchangeAccessToken } from '../token-exchange.js';
import type { Grant } from './grant.js';
import { TOKEN_EXCHANGE, TOKEN_TYPES } from './urns.js';

export const tokenExchange: Grant = {
  grantType: TOKEN_EXCHANGE,
  offeredAt: async (issuer, store) => issuer.kind === 'resource' || (await store.resources.list()).some((r) => r.xaaEnabled),
  listedAt: async (issuer, store) =>
    issuer.kind === 'environment' || (await store.tokenExchangePolicies.acceptedFrom(issuer.resource.id)).length > 0,
  notOffered: () => 'the environment issues ID-JAGs only while an MCP server accepts them (xaa_enabled), and none does',
  // At an MCP server's issuer, the confidential client of the server the subject token is for (checked
  // by the handler); at the environment's, a client that may present the ID-JAG at the server.
  allowsClient: (client, issuer) => client.kind === 'resource' || (issuer.kind === 'environment' && client.kind === 'environment'),
  registrable: false,
  // draft-ietf-oauth-identity-assertion-authz-grant §6: the identity provider says it issues ID-JAGs.
  metadata: (issuer) => (issuer.kind === 'environment' ? { identity_chaining_requested_token_types_supported: [TOKEN_TYPES.idJag] } : {}),
  // ID-JAGs load jose (verifying the ID token) on the first one asked: a start that never sees one does not.
  handler: async (request) =>
    request.issuer.kind === 'resource' ? exchangeAccessToken(request, request.issuer.resource) : (await import('../id-jag/request.js')).requestIdJag(request),
};
