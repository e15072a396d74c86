// Storage for oidc-provider's models (sessions, grants, codes, interactions, ...). `ns` separates
// issuers (the environment, later one per MCP server) that share one database.
import type { Db } from './database.js';

export type OidcPayload = Record<string, unknown>;

/** Whose payloads: one by its id (in whichever issuer), or those of a client or of a user (account). */
export type PayloadOwner = { id: string } | { clientId: string } | { accountId: string };

export interface OidcPayloadRepository {
  upsert(ns: string, model: string, id: string, payload: OidcPayload, expiresAt: number | null): void;
  /** Stores `id` as the successor of the (consumed) `replacedId`, and links the two, in one transaction. */
  upsertSuccessor(ns: string, model: string, replacedId: string, id: string, payload: OidcPayload, expiresAt: number | null): void;
  /** The id that replaced this one (a rotated refresh token's successor), live or not. */
  successorOf(ns: string, model: string, id: string): string | undefined;
  find(ns: string, model: string, id: string, now: number): OidcPayload | undefined;
  findByUid(ns: string, model: string, uid: string, now: number): OidcPayload | undefined;
  findByUserCode(ns: string, model: string, userCode: string, now: number): OidcPayload | undefined;
  consume(ns: string, model: string, id: string, now: number): void;
  destroy(ns: string, model: string, id: string): void;
  /** Deletes the codes and tokens issued under a grant (not the grant itself, nor an interaction naming it). */
  revokeByGrantId(ns: string, grantId: string): void;
  /** A live payload of that model by id, in whichever issuer holds it. */
  findInAnyIssuer(model: string, id: string, now: number): { ns: string; payload: OidcPayload } | undefined;
  /** The grants of a client or a user, in every issuer: the grants themselves and those their tokens name. */
  grantsOf(owner: { clientId: string } | { accountId: string }): { ns: string; grantId: string }[];
  /** Ends the matching live payloads of that model now: their expiry moves to `now`. Returns how many. */
  expire(model: string, owner: PayloadOwner, now: number): number;
  /** Deletes expired rows; returns how many. */
  sweep(now: number): number;
}

/** oidc-provider's models that a grant issues, and that end with it. */
const ISSUED_UNDER_GRANT = ['AuthorizationCode', 'RefreshToken', 'AccessToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];

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
  const link = db.prepare('UPDATE oidc_payloads SET successor_id = ? WHERE ns = ? AND model = ? AND id = ?');
  const successor = db.prepare<[string, string, string], string | null>('SELECT successor_id FROM oidc_payloads WHERE ns = ? AND model = ? AND id = ?').pluck();
  // What a grant issued: its codes and tokens. An interaction also names the grant it would extend, and
  // must outlive it (ending a session to switch the person signed in ends its grants mid-authorization).
  const revoke = db.prepare(`DELETE FROM oidc_payloads WHERE ns = ? AND grant_id = ? AND model IN (${ISSUED_UNDER_GRANT.map((m) => `'${m}'`).join(', ')})`);
  const sweep = db.prepare('DELETE FROM oidc_payloads WHERE expires_at IS NOT NULL AND expires_at <= ?');
  // Not indexed: used by test controls, on a fixture's few rows.
  const anyIssuer = db.prepare<[string, string, number], Row & { ns: string }>(
    `SELECT ns, payload, consumed_at FROM oidc_payloads WHERE model = ? AND id = ? AND ${live}`,
  );
  const ownerColumn = { id: 'id', clientId: "json_extract(payload, '$.clientId')", accountId: "json_extract(payload, '$.accountId')" } as const;
  const grantsOf = Object.fromEntries(
    (['clientId', 'accountId'] as const).map((field) => [
      field,
      db.prepare<[string], { ns: string; grant_id: string }>(
        `SELECT DISTINCT ns, CASE WHEN model = 'Grant' THEN id ELSE grant_id END AS grant_id FROM oidc_payloads
         WHERE ${ownerColumn[field]} = ? AND (model = 'Grant' OR grant_id IS NOT NULL)`,
      ),
    ]),
  );
  const expire = Object.fromEntries(
    (Object.keys(ownerColumn) as (keyof typeof ownerColumn)[]).map((field) => [
      field,
      db.prepare(`UPDATE oidc_payloads SET expires_at = @now WHERE model = @model AND ${ownerColumn[field]} = @value AND (expires_at IS NULL OR expires_at > @now)`),
    ]),
  );
  const ownerOf = (owner: PayloadOwner) => Object.entries(owner)[0] as [keyof typeof ownerColumn, string];

  const toPayload = (row: Row | undefined): OidcPayload | undefined => {
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as OidcPayload;
    return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
  };
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const save = (ns: string, model: string, id: string, payload: OidcPayload, expiresAt: number | null) => {
    upsert.run(ns, model, id, JSON.stringify(payload), text(payload.grantId), text(payload.uid), text(payload.userCode), expiresAt);
  };
  const saveSuccessor = db.transaction((ns: string, model: string, replacedId: string, id: string, payload: OidcPayload, expiresAt: number | null) => {
    save(ns, model, id, payload, expiresAt);
    link.run(id, ns, model, replacedId);
  });

  return {
    upsert: save,
    upsertSuccessor: (ns, model, replacedId, id, payload, expiresAt) => {
      saveSuccessor(ns, model, replacedId, id, payload, expiresAt);
    },
    successorOf: (ns, model, id) => successor.get(ns, model, id) ?? undefined,
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
    findInAnyIssuer: (model, id, now) => {
      const row = anyIssuer.get(model, id, now);
      return row && { ns: row.ns, payload: toPayload(row)! };
    },
    grantsOf: (owner) => {
      const [field, value] = ownerOf(owner);
      return grantsOf[field]!.all(value).map((r) => ({ ns: r.ns, grantId: r.grant_id }));
    },
    expire: (model, owner, now) => {
      const [field, value] = ownerOf(owner);
      return expire[field]!.run({ now, model, value }).changes;
    },
  };
}
