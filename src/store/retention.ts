// Deletes what has outlived its use, a bounded batch at a time: each call is one short write, so a
// caller can spread a large backlog over many turns of the event loop and never hold the database
// (and with it the token endpoint's audit writes) for long.
import type { Db } from './database.js';

export interface RetentionRepository {
  /** Deletes up to `limit` issued-token rows issued before `before` (epoch s); returns how many. */
  pruneIssuedTokens(before: number, limit: number): number;
  /** Deletes up to `limit` management audit rows older than `before` (epoch ms); returns how many. */
  pruneAuditEvents(before: number, limit: number): number;
  /** Deletes up to `limit` oidc-provider payloads expired at `now` (epoch s); returns how many. */
  pruneExpiredPayloads(now: number, limit: number): number;
}

export function sqliteRetention(db: Db): RetentionRepository {
  // rowid IN (… ORDER BY … LIMIT): the oldest rows first, found through the time index.
  const tokens = db.prepare(
    'DELETE FROM issued_tokens WHERE rowid IN (SELECT rowid FROM issued_tokens WHERE issued_at < ? ORDER BY issued_at LIMIT ?)',
  );
  const events = db.prepare(
    'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE time < ? ORDER BY time LIMIT ?)',
  );
  const payloads = db.prepare(
    `DELETE FROM oidc_payloads WHERE rowid IN (SELECT rowid FROM oidc_payloads
       WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?)`,
  );
  return {
    pruneIssuedTokens: (before, limit) => tokens.run(before, limit).changes,
    pruneAuditEvents: (before, limit) => events.run(before, limit).changes,
    pruneExpiredPayloads: (now, limit) => payloads.run(now, limit).changes,
  };
}
