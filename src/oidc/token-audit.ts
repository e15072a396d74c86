// The audit of an issued token: its issued_tokens row (queued and written with others in one
// commit) and one pino line. Never the token itself, only its jti.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { IssuedToken } from '../store/issued-tokens.js';

export function recordIssuedToken(store: Store, log: Logger | undefined, token: IssuedToken): void {
  store.issuedTokens.record(token);
  if (log?.isLevelEnabled('info')) {
    log.info(
      {
        audit: 'token.issued',
        jti: token.jti,
        client_id: token.clientId,
        grant_type: token.grantType,
        subject: token.subject,
        scopes: token.scopes,
        audience: token.audience,
        expires_at: token.expiresAt,
      },
      'token issued',
    );
  }
}
