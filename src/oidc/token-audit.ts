// The one writer of the audit of an issued access token, whatever grant issued it: its issued_tokens row
// (queued and written with others in one commit), one pino line, and the count for /metrics. Never the
// token itself, only its jti.
import type { Logger } from 'pino';
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

export interface AuditSink {
  store: Store;
  metrics?: Metrics;
  log?: Logger;
}

/** What the audit keeps of a token: an access token's claims, or an ID-JAG's (token exchange at the environment). */
export type AuditedToken = Pick<AccessTokenClaims, 'jti' | 'client_id' | 'sub' | 'scopes' | 'aud' | 'iat' | 'exp'>;

/** Resolves once the row is committed: a token is handed out only after its audit row is durable. */
export function recordIssuedToken(sink: AuditSink, claims: AuditedToken, issued: IssuedBy): Promise<void> {
  const { grantType, clientKind, grantId } = issued;
  const token = {
    jti: claims.jti,
    grantType,
    clientId: claims.client_id,
    subject: claims.sub,
    scopes: claims.scopes,
    audience: claims.aud ?? [],
    issuedAt: claims.iat,
    expiresAt: claims.exp,
    ...(grantId ? { grantId } : {}),
  };
  const committed = sink.store.issuedTokens.record(token);
  if (clientKind) sink.metrics?.tokenIssued(grantType, clientKind);
  if (sink.log?.isLevelEnabled('info')) {
    sink.log.info(
      {
        audit: 'token.issued',
        jti: token.jti,
        client_id: token.clientId,
        grant_type: grantType,
        subject: token.subject,
        scopes: token.scopes,
        audience: token.audience,
        expires_at: token.expiresAt,
      },
      'token issued',
    );
  }
  return committed;
}
