// Deletes what has outlived its use (old token and audit rows, expired payloads, self-registered clients
// never used, expired metadata-document caches), a bounded batch at a time: each call is one short write, so a
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
  /**
   * Deletes up to `limit` self-registered (DCR) clients created before `before` (epoch ms) and never
   * given a code or a token (their secrets go with them); returns how many.
   */
  pruneUnusedDcrClients(before: number, limit: number): number;
  /**
   * Deletes up to `limit` client-ID-metadata-document rows whose cache ran out by `now` (epoch s) and
   * that hold no consent: a cache only, fetched again on the next use. Returns how many.
   */
  pruneExpiredMetadataDocuments(now: number, limit: number): number;
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
  const unusedClients = db.prepare(
    `DELETE FROM clients WHERE client_id IN (SELECT client_id FROM clients
       WHERE kind = 'dcr' AND last_used_time IS NULL AND create_time < ? ORDER BY create_time LIMIT ?)`,
  );
  const documents = db.prepare(
    `DELETE FROM clients WHERE client_id IN (SELECT client_id FROM clients AS c
       WHERE kind = 'cimd' AND metadata_expires_at <= ?
         AND NOT EXISTS (SELECT 1 FROM user_consents AS u WHERE u.client_id = c.client_id)
       ORDER BY metadata_expires_at LIMIT ?)`,
  );
  return {
    pruneIssuedTokens: (before, limit) => tokens.run(before, limit).changes,
    pruneUnusedDcrClients: (before, limit) => unusedClients.run(new Date(before).toISOString(), limit).changes,
    pruneExpiredMetadataDocuments: (now, limit) => documents.run(now, limit).changes,
    pruneAuditEvents: (before, limit) => events.run(before, limit).changes,
    pruneExpiredPayloads: (now, limit) => payloads.run(now, limit).changes,
  };
}
