// The dashboard's sign-ins, shared by every replica of the database: one row per session, named by
// the digest of the id its cookie carries (the row alone names no cookie). A notice or a new client
// secret waits in the row for the next page; the secret sealed by the page room (pages/dashboard/session.ts)
// under a key only the cookie's id gives, so this table never holds a usable secret.
import type { Scope } from './scope.js';

export interface StoredDashboardSession {
  /** Who acts: the environment client's id or 'admin'. */
  actor: string;
  signedInAs: string;
  /** Epoch ms. */
  expiresAt: number;
  notice?: string;
  /** Opaque to the store: what the next page of a client shows once. */
  revealed?: string;
}

export interface DashboardSessionRepository {
  /** Keeps a new session; expired ones go, and the oldest ones beyond `maxSessions`. */
  create(idHash: string, session: StoredDashboardSession, now: number, maxSessions: number): Promise<void>;
  /** The live session, or undefined (an expired one is deleted). */
  get(idHash: string, now: number): Promise<StoredDashboardSession | undefined>;
  /** Replaces what waits for the next page (undefined: nothing). */
  setPending(idHash: string, pending: { notice?: string; revealed?: string }): Promise<void>;
  remove(idHash: string): Promise<void>;
}

interface Row {
  actor: string;
  signed_in_as: string;
  expires_at: number;
  notice: string | null;
  revealed: string | null;
}

const INSERT = 'INSERT INTO dashboard_sessions (id_hash, actor, signed_in_as, expires_at) VALUES (?, ?, ?, ?)';
const GET = 'SELECT actor, signed_in_as, expires_at, notice, revealed FROM dashboard_sessions WHERE id_hash = ?';
const PRUNE = 'DELETE FROM dashboard_sessions WHERE expires_at <= ?';
const COUNT = 'SELECT count(*) AS n FROM dashboard_sessions';
const OLDEST = 'DELETE FROM dashboard_sessions WHERE id_hash IN (SELECT id_hash FROM dashboard_sessions ORDER BY expires_at LIMIT ?)';
const PENDING = 'UPDATE dashboard_sessions SET notice = ?, revealed = ? WHERE id_hash = ?';
const REMOVE = 'DELETE FROM dashboard_sessions WHERE id_hash = ?';

export function dashboardSessionRepository(scope: Scope): DashboardSessionRepository {
  const { sql } = scope;
  return {
    create: (idHash, session, now, maxSessions) =>
      scope.atomic(async ({ sql }) => {
        await sql.run(PRUNE, [now]);
        const { n } = (await sql.get<{ n: number }>(COUNT))!;
        if (n >= maxSessions) await sql.run(OLDEST, [n - maxSessions + 1]);
        await sql.run(INSERT, [idHash, session.actor, session.signedInAs, session.expiresAt]);
      }),
    get: async (idHash, now) => {
      const row = await sql.get<Row>(GET, [idHash]);
      if (!row) return undefined;
      if (row.expires_at <= now) {
        await sql.run(REMOVE, [idHash]);
        return undefined;
      }
      return {
        actor: row.actor,
        signedInAs: row.signed_in_as,
        expiresAt: row.expires_at,
        ...(row.notice !== null ? { notice: row.notice } : {}),
        ...(row.revealed !== null ? { revealed: row.revealed } : {}),
      };
    },
    setPending: async (idHash, pending) => {
      await sql.run(PENDING, [pending.notice ?? null, pending.revealed ?? null, idHash]);
    },
    remove: async (idHash) => {
      await sql.run(REMOVE, [idHash]);
    },
  };
}
