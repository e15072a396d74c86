// Storage for oidc-provider's models (sessions, grants, codes, interactions, ...). `ns` separates
// issuers (the environment, later one per MCP server) that share one database.
import type { Db } from './database.js';

export type OidcPayload = Record<string, unknown>;

export interface OidcPayloadRepository {
  upsert(ns: string, model: string, id: string, payload: OidcPayload, expiresAt: number | null): void;
  find(ns: string, model: string, id: string, now: number): OidcPayload | undefined;
  findByUid(ns: string, model: string, uid: string, now: number): OidcPayload | undefined;
  findByUserCode(ns: string, model: string, userCode: string, now: number): OidcPayload | undefined;
  consume(ns: string, model: string, id: string, now: number): void;
  destroy(ns: string, model: string, id: string): void;
  revokeByGrantId(ns: string, grantId: string): void;
  /** Deletes expired rows; returns how many. */
  sweep(now: number): number;
}

interface Row {
  payload: string;
  consumed_at: number | null;
}

export function sqliteOidcPayloads(db: Db): OidcPayloadRepository {
  const upsert = db.prepare(
    `INSERT INTO oidc_payloads (ns, model, id, payload, grant_id, uid, user_code, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (ns, model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
       uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
  );
  const live = '(expires_at IS NULL OR expires_at > ?)';
  const find = db.prepare<[string, string, string, number], Row>(
    `SELECT payload, consumed_at FROM oidc_payloads WHERE ns = ? AND model = ? AND id = ? AND ${live}`,
  );
  const byUid = db.prepare<[string, string, string, number], Row>(
    `SELECT payload, consumed_at FROM oidc_payloads WHERE ns = ? AND model = ? AND uid = ? AND ${live}`,
  );
  const byUserCode = db.prepare<[string, string, string, number], Row>(
    `SELECT payload, consumed_at FROM oidc_payloads WHERE ns = ? AND model = ? AND user_code = ? AND ${live}`,
  );
  // The first use is what counts (a refresh token's grace window runs from it).
  const consume = db.prepare('UPDATE oidc_payloads SET consumed_at = COALESCE(consumed_at, ?) WHERE ns = ? AND model = ? AND id = ?');
  const destroy = db.prepare('DELETE FROM oidc_payloads WHERE ns = ? AND model = ? AND id = ?');
  const revoke = db.prepare('DELETE FROM oidc_payloads WHERE ns = ? AND grant_id = ?');
  const sweep = db.prepare('DELETE FROM oidc_payloads WHERE expires_at IS NOT NULL AND expires_at <= ?');

  const toPayload = (row: Row | undefined): OidcPayload | undefined => {
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as OidcPayload;
    return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
  };
  const text = (v: unknown) => (typeof v === 'string' ? v : null);

  return {
    upsert: (ns, model, id, payload, expiresAt) => {
      upsert.run(ns, model, id, JSON.stringify(payload), text(payload.grantId), text(payload.uid), text(payload.userCode), expiresAt);
    },
    find: (ns, model, id, now) => toPayload(find.get(ns, model, id, now)),
    findByUid: (ns, model, uid, now) => toPayload(byUid.get(ns, model, uid, now)),
    findByUserCode: (ns, model, code, now) => toPayload(byUserCode.get(ns, model, code, now)),
    consume: (ns, model, id, now) => {
      consume.run(now, ns, model, id);
    },
    destroy: (ns, model, id) => {
      destroy.run(ns, model, id);
    },
    revokeByGrantId: (ns, grantId) => {
      revoke.run(ns, grantId);
    },
    sweep: (now) => sweep.run(now).changes,
  };
}
