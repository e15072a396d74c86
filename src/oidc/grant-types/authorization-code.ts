// RFC 6749 §4.1 with PKCE: every issuer, clients with redirect URIs; the issuer's oidc-provider answers.
import type { Grant } from './grant.js';

export const authorizationCode: Grant = {
  grantType: 'authorization_code',
  offeredAt: () => true,
  allowsClient: (client) => client.redirectUris.length > 0,
  registrable: true,
  handler: 'provider',
};
