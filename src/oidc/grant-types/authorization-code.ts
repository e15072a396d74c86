// RFC 6749 §4.1 with PKCE: every issuer, clients with redirect URIs (unless they registered grant types
// without it, as a CLI that registers for the device grant alone); the issuer's oidc-provider answers.
import { registeredFor, type Grant } from './grant.js';

export const authorizationCode: Grant = {
  grantType: 'authorization_code',
  offeredAt: () => true,
  allowsClient: (client) => client.redirectUris.length > 0 && registeredFor(client, 'authorization_code'),
  registrable: true,
  handler: 'provider',
};
