// RFC 6749 §6: every issuer; the clients of the grants that issue refresh tokens (the code flow, the device
// flow), unless they registered without it; oidc-provider answers.
import { authorizationCode } from './authorization-code.js';
import { deviceCode } from './device-code.js';
import { registeredFor, type Grant } from './grant.js';

export const refreshToken: Grant = {
  grantType: 'refresh_token',
  offeredAt: () => true,
  allowsClient: (client, issuer) => (authorizationCode.allowsClient(client, issuer) || deviceCode.allowsClient(client, issuer)) && registeredFor(client, 'refresh_token'),
  registrable: true,
  renews: true,
  handler: 'provider',
};
