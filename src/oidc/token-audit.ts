// The one writer of the audit row of an issued access token, whatever grant issued it, and where issued
// tokens are counted for /metrics.
import type { Metrics } from '../metrics.js';
import type { ClientKind } from '../store/clients.js';
import type { Store } from '../store/index.js';
import type { AccessTokenClaims } from './claims.js';

export interface IssuedBy {
  grantType: string;
  /** For the metrics; absent for tokens the fixture mints. */
  clientKind?: ClientKind;
  grantId?: string;
}

export function recordIssuedToken(sink: { store: Store; metrics?: Metrics }, claims: AccessTokenClaims, issued: IssuedBy): void {
  const { grantType, clientKind, grantId } = issued;
  sink.store.issuedTokens.record({
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
  if (clientKind) sink.metrics?.tokenIssued(grantType, clientKind);
}
