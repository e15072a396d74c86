// Deletes what has outlived its use (old token and audit rows, expired payloads, self-registered clients
// never used, expired metadata-document caches, counts of rate limits that no longer count), a bounded
// batch at a time: each call is one short write, so a caller can spread a large backlog over many turns
// of the event loop and never hold the database (and with it the token endpoint's audit writes) for long.
import type { Scope } from './scope.js';
import { dialectOf, type Database } from './sql/sql.js';

export interface RetentionRepository {
  /** Deletes up to `limit` issued-token rows issued before `before` (epoch s); returns how many. */
  pruneIssuedTokens(before: number, limit: number): Promise<number>;
  /** Deletes up to `limit` management audit rows older than `before` (epoch ms); returns how many. */
  pruneAuditEvents(before: number, limit: number): Promise<number>;
  /** Deletes up to `limit` oidc-provider payloads expired at `now` (epoch s); returns how many. */
  pruneExpiredPayloads(now: number, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` self-registered (DCR) clients created before `before` (epoch ms) and never
   * given a code or a token (their secrets go with them); returns how many.
   */
  pruneUnusedDcrClients(before: number, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` client-ID-metadata-document rows whose cache ran out by `now` (epoch s) and
   * that hold no consent: a cache only, fetched again on the next use. Returns how many.
   */
  pruneExpiredMetadataDocuments(now: number, limit: number): Promise<number>;
  /** Deletes up to `limit` rate-limit counts that stopped counting by `now` (epoch ms); returns how many. */
  pruneExpiredLimitEvents(now: number, limit: number): Promise<number>;
  /**
   * Runs `fn` unless another replica of the database is pruning now (one at a time); resolves to
   * undefined when it skipped.
   */
  alone<T>(fn: () => Promise<T>): Promise<T | undefined>;
}

export function retentionRepository(scope: Scope, database: Database): RetentionRepository {
  const { sql } = scope;
  // <row id> IN (… ORDER BY … LIMIT): the oldest rows first, found through the time index.
  const { rowId } = dialectOf(sql);
  const TOKENS = `DELETE FROM issued_tokens WHERE ${rowId} IN (SELECT ${rowId} FROM issued_tokens WHERE issued_at < ? ORDER BY issued_at LIMIT ?)`;
  const EVENTS = 'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE time < ? ORDER BY time LIMIT ?)';
  const PAYLOADS = `DELETE FROM oidc_payloads WHERE ${rowId} IN (SELECT ${rowId} FROM oidc_payloads
      WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?)`;
  const UNUSED_CLIENTS = `DELETE FROM clients WHERE client_id IN (SELECT client_id FROM clients
      WHERE kind = 'dcr' AND last_used_time IS NULL AND create_time < ? ORDER BY create_time LIMIT ?)`;
  const DOCUMENTS = `DELETE FROM clients WHERE client_id IN (SELECT client_id FROM clients AS c
      WHERE kind = 'cimd' AND metadata_expires_at <= ?
        AND NOT EXISTS (SELECT 1 FROM user_consents AS u WHERE u.client_id = c.client_id)
      ORDER BY metadata_expires_at LIMIT ?)`;
  const LIMIT_EVENTS = `DELETE FROM limit_events WHERE ${rowId} IN (SELECT ${rowId} FROM limit_events WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`;

  const prune = async (text: string, params: unknown[]) => (await sql.run(text, params)).changes;
  // Clients are kept in every process's memory: a prune that removed some is a change to the clients.
  const pruneClients = (text: string, params: unknown[]) =>
    scope.atomic(async ({ sql, changed }) => {
      const removed = (await sql.run(text, params)).changes;
      if (removed > 0) await changed('clients');
      return removed;
    });

  return {
    pruneIssuedTokens: (before, limit) => prune(TOKENS, [before, limit]),
    pruneUnusedDcrClients: (before, limit) => pruneClients(UNUSED_CLIENTS, [new Date(before).toISOString(), limit]),
    pruneExpiredMetadataDocuments: (now, limit) => pruneClients(DOCUMENTS, [now, limit]),
    pruneAuditEvents: (before, limit) => prune(EVENTS, [before, limit]),
    pruneExpiredPayloads: (now, limit) => prune(PAYLOADS, [now, limit]),
    pruneExpiredLimitEvents: (now, limit) => prune(LIMIT_EVENTS, [now, limit]),
    alone: (fn) => database.ifAlone(fn),
  };
}
