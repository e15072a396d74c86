// RFC 6749 §6: every issuer, code-flow clients unless they registered without it; oidc-provider answers.
import type { Grant } from './grant.js';

export const refreshToken: Grant = {
  grantType: 'refresh_token',
  offeredAt: () => true,
  allowsClient: (client) => client.redirectUris.length > 0 && (client.metadata.grant_types?.includes('refresh_token') ?? true),
  registrable: true,
  handler: 'provider',
};
