// The one writer of the audit row of an issued access token, whatever grant issued it.
import type { Store } from '../store/index.js';
import type { AccessTokenClaims } from './claims.js';

export function recordIssuedToken(store: Store, claims: AccessTokenClaims, grantType: string, grantId?: string): void {
  store.issuedTokens.record({
    jti: claims.jti,
    grantType,
    clientId: claims.client_id,
    subject: claims.sub,
    scopes: claims.scopes,
    audience: claims.aud ?? [],
    issuedAt: claims.iat,
    expiresAt: claims.exp,
    ...(grantId ? { grantId } : {}),
  });
}
