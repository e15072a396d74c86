// Storage for oidc-provider's models (sessions, grants, codes, interactions, ...). `ns` separates
// issuers (the environment, and one per MCP server) that share one database.
import type { Scope } from './scope.js';
import { dialectOf } from './sql/sql.js';

export type OidcPayload = Record<string, unknown>;

/** Whose payloads: one by its id (in whichever issuer), or those of a client or of a user (account). */
export type PayloadOwner = { id: string } | { clientId: string } | { accountId: string };

export interface OidcPayloadRepository {
  upsert(ns: string, model: string, id: string, payload: OidcPayload, expiresAt: number | null): Promise<void>;
  /** Stores `id` as the successor of the (consumed) `replacedId`, and links the two, in one transaction. */
  upsertSuccessor(ns: string, model: string, replacedId: string, id: string, payload: OidcPayload, expiresAt: number | null): Promise<void>;
  /** The id that replaced this one (a rotated refresh token's successor), live or not. */
  successorOf(ns: string, model: string, id: string): Promise<string | undefined>;
  find(ns: string, model: string, id: string, now: number): Promise<OidcPayload | undefined>;
  findByUid(ns: string, model: string, uid: string, now: number): Promise<OidcPayload | undefined>;
  findByUserCode(ns: string, model: string, userCode: string, now: number): Promise<OidcPayload | undefined>;
  /**
   * Marks it used at `now`; false when it was already used (another request, perhaps on another
   * replica, used it first: the first use is what counts).
   */
  consume(ns: string, model: string, id: string, now: number): Promise<boolean>;
  destroy(ns: string, model: string, id: string): Promise<void>;
  /** Deletes the codes and tokens issued under a grant (not the grant itself, nor an interaction naming it). */
  revokeByGrantId(ns: string, grantId: string): Promise<void>;
  /** A live payload of that model by id, in whichever issuer holds it. */
  findInAnyIssuer(model: string, id: string, now: number): Promise<{ ns: string; payload: OidcPayload } | undefined>;
  /** The grants of a client or a user, in every issuer: the grants themselves and those their tokens name. */
  grantsOf(owner: { clientId: string } | { accountId: string }): Promise<{ ns: string; grantId: string }[]>;
  /** Ends the matching live payloads of that model now: their expiry moves to `now`. Returns how many. */
  expire(model: string, owner: PayloadOwner, now: number): Promise<number>;
  /** Deletes expired rows; returns how many. */
  sweep(now: number): Promise<number>;
}

/** oidc-provider's models that a grant issues, and that end with it. */
const ISSUED_UNDER_GRANT = ['AuthorizationCode', 'RefreshToken', 'AccessToken', 'DeviceCode', 'BackchannelAuthenticationRequest'];

interface Row {
  payload: string;
  consumed_at: number | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > ?)';
const UPSERT = `INSERT INTO oidc_payloads (ns, model, id, payload, grant_id, uid, user_code, expires_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (ns, model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
    uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`;
const FIND = `SELECT payload, consumed_at FROM oidc_payloads WHERE ns = ? AND model = ? AND id = ? AND ${LIVE}`;
const BY_UID = `SELECT payload, consumed_at FROM oidc_payloads WHERE ns = ? AND model = ? AND uid = ? AND ${LIVE}`;
const BY_USER_CODE = `SELECT payload, consumed_at FROM oidc_payloads WHERE ns = ? AND model = ? AND user_code = ? AND ${LIVE}`;
// The first use is what counts (a refresh token's grace window runs from it), and only one use does.
const CONSUME = 'UPDATE oidc_payloads SET consumed_at = ? WHERE ns = ? AND model = ? AND id = ? AND consumed_at IS NULL';
const DESTROY = 'DELETE FROM oidc_payloads WHERE ns = ? AND model = ? AND id = ?';
const LINK = 'UPDATE oidc_payloads SET successor_id = ? WHERE ns = ? AND model = ? AND id = ?';
const SUCCESSOR = 'SELECT successor_id FROM oidc_payloads WHERE ns = ? AND model = ? AND id = ?';
// What a grant issued: its codes and tokens. An interaction also names the grant it would extend, and
// must outlive it (ending a session to switch the person signed in ends its grants mid-authorization).
const REVOKE = `DELETE FROM oidc_payloads WHERE ns = ? AND grant_id = ? AND model IN (${ISSUED_UNDER_GRANT.map((m) => `'${m}'`).join(', ')})`;
const SWEEP = 'DELETE FROM oidc_payloads WHERE expires_at IS NOT NULL AND expires_at <= ?';
// Not indexed: used by test controls and the consent screen lookup, by interaction id.
const ANY_ISSUER = `SELECT ns, payload, consumed_at FROM oidc_payloads WHERE model = ? AND id = ? AND ${LIVE}`;

export function oidcPayloadRepository(scope: Scope): OidcPayloadRepository {
  const { sql } = scope;
  const dialect = dialectOf(sql);
  const ownerColumn = { id: 'id', clientId: dialect.jsonText('payload', 'clientId'), accountId: dialect.jsonText('payload', 'accountId') } as const;
  const grantsOf = (field: 'clientId' | 'accountId') =>
    `SELECT DISTINCT ns, CASE WHEN model = 'Grant' THEN id ELSE grant_id END AS grant_id FROM oidc_payloads
     WHERE ${ownerColumn[field]} = ? AND (model = 'Grant' OR grant_id IS NOT NULL)`;
  const expire = (field: keyof typeof ownerColumn) =>
    `UPDATE oidc_payloads SET expires_at = ? WHERE model = ? AND ${ownerColumn[field]} = ? AND (expires_at IS NULL OR expires_at > ?)`;
  const ownerOf = (owner: PayloadOwner) => Object.entries(owner)[0] as [keyof typeof ownerColumn, string];

  const toPayload = (row: Row | undefined): OidcPayload | undefined => {
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as OidcPayload;
    return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
  };
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const save = async (ns: string, model: string, id: string, payload: OidcPayload, expiresAt: number | null) => {
    await scope.sql.run(UPSERT, [ns, model, id, JSON.stringify(payload), text(payload.grantId), text(payload.uid), text(payload.userCode), expiresAt]);
  };

  return {
    upsert: save,
    upsertSuccessor: (ns, model, replacedId, id, payload, expiresAt) =>
      scope.atomic(async ({ sql }) => {
        await sql.run(UPSERT, [ns, model, id, JSON.stringify(payload), text(payload.grantId), text(payload.uid), text(payload.userCode), expiresAt]);
        await sql.run(LINK, [id, ns, model, replacedId]);
      }),
    successorOf: async (ns, model, id) => (await sql.get<{ successor_id: string | null }>(SUCCESSOR, [ns, model, id]))?.successor_id ?? undefined,
    find: async (ns, model, id, now) => toPayload(await sql.get<Row>(FIND, [ns, model, id, now])),
    findByUid: async (ns, model, uid, now) => toPayload(await sql.get<Row>(BY_UID, [ns, model, uid, now])),
    findByUserCode: async (ns, model, code, now) => toPayload(await sql.get<Row>(BY_USER_CODE, [ns, model, code, now])),
    consume: async (ns, model, id, now) => (await sql.run(CONSUME, [now, ns, model, id])).changes > 0,
    destroy: async (ns, model, id) => {
      await sql.run(DESTROY, [ns, model, id]);
    },
    revokeByGrantId: async (ns, grantId) => {
      await sql.run(REVOKE, [ns, grantId]);
    },
    sweep: async (now) => (await sql.run(SWEEP, [now])).changes,
    findInAnyIssuer: async (model, id, now) => {
      const row = await sql.get<Row & { ns: string }>(ANY_ISSUER, [model, id, now]);
      return row && { ns: row.ns, payload: toPayload(row)! };
    },
    grantsOf: async (owner) => {
      const [field, value] = ownerOf(owner);
      return (await sql.all<{ ns: string; grant_id: string }>(grantsOf(field as 'clientId' | 'accountId'), [value])).map((r) => ({ ns: r.ns, grantId: r.grant_id }));
    },
    expire: async (model, owner, now) => {
      const [field, value] = ownerOf(owner);
      return (await sql.run(expire(field), [now, model, value, now])).changes;
    },
  };
}
