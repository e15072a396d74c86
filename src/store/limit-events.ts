// The counts behind the sliding-window limits (wrong sign-in attempts, registrations per address),
// shared by every replica of the database: one row per counted event, kept until it stops counting.
import type { Scope } from './scope.js';

/** Which limit counts: wrong sign-in attempts, or open registrations. */
export type LimitScope = 'attempts' | 'registrations';

export interface LimitEventRepository {
  /** The times (epoch ms) of the newest `limit` events of `key` that still count at `now`, newest first. */
  recent(scope: LimitScope, key: string, now: number, limit: number): Promise<number[]>;
  /** Counts one event at `time`, counting until `expiresAt`; the key's events that stopped counting go. */
  add(scope: LimitScope, key: string, time: number, expiresAt: number): Promise<void>;
  forget(scope: LimitScope, key: string): Promise<void>;
  clear(scope: LimitScope): Promise<void>;
}

const RECENT = 'SELECT time FROM limit_events WHERE scope = ? AND key = ? AND expires_at > ? ORDER BY time DESC LIMIT ?';
const INSERT = 'INSERT INTO limit_events (scope, key, time, expires_at) VALUES (?, ?, ?, ?)';
const EXPIRED = 'DELETE FROM limit_events WHERE scope = ? AND key = ? AND expires_at <= ?';
const FORGET = 'DELETE FROM limit_events WHERE scope = ? AND key = ?';
const CLEAR = 'DELETE FROM limit_events WHERE scope = ?';

export function limitEventRepository({ sql }: Scope): LimitEventRepository {
  return {
    recent: async (scope, key, now, limit) => (await sql.all<{ time: number }>(RECENT, [scope, key, now, limit])).map((r) => r.time),
    add: async (scope, key, time, expiresAt) => {
      await sql.run(EXPIRED, [scope, key, time]);
      await sql.run(INSERT, [scope, key, time, expiresAt]);
    },
    forget: async (scope, key) => {
      await sql.run(FORGET, [scope, key]);
    },
    clear: async (scope) => {
      await sql.run(CLEAR, [scope]);
    },
  };
}
