// Signing keys are generated once and kept (the Scalekit SDKs fetch /keys once and cache it forever);
// a rotation adds one with an activation time and gives the others a retire time.
import type { Scope, Write } from './scope.js';
import { dialectOf, type Sql } from './sql/sql.js';
import { isoNow, type Clock } from './time.js';

export interface StoredSigningKey {
  kid: string;
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createTime: string;
  /** Signs from then on (a rotated-in key); absent: since createTime. */
  activateTime?: string;
  /** Unpublished from then on (a rotated-out key); absent: published for good. */
  retireTime?: string;
}

export interface SigningKeyRepository {
  list(): Promise<StoredSigningKey[]>;
  add(key: Omit<StoredSigningKey, 'createTime'>): Promise<void>;
  /**
   * Stores `key` only when no key is stored yet, checked under the write lock; returns the stored keys.
   * Concurrent first starts (replicas too) each offer a key and all come back with the one stored first.
   */
  addFirst(key: Omit<StoredSigningKey, 'createTime'>): Promise<StoredSigningKey[]>;
  /** Sets the retire time of every key not yet retiring, except `kid`. */
  retireOthers(kid: string, retireTime: string): Promise<void>;
}

interface Row {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  create_time: string;
  activate_time: string | null;
  retire_time: string | null;
}

const INSERT = 'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, create_time, activate_time) VALUES (?, ?, ?, ?, ?, ?)';
const RETIRE = 'UPDATE signing_keys SET retire_time = ? WHERE kid <> ? AND retire_time IS NULL';

const toKey = (r: Row): StoredSigningKey => ({
  kid: r.kid,
  alg: r.alg,
  privateJwk: JSON.parse(r.private_jwk) as Record<string, unknown>,
  publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
  createTime: r.create_time,
  ...(r.activate_time ? { activateTime: r.activate_time } : {}),
  ...(r.retire_time ? { retireTime: r.retire_time } : {}),
});

export function signingKeyRepository(scope: Scope, clock: Clock): SigningKeyRepository {
  // The order keys were added in: the key ring signs with the one rotated in last.
  const LIST = `SELECT * FROM signing_keys ORDER BY ${dialectOf(scope.sql).insertionOrder}`;
  const all = async (sql: Sql) => (await sql.all<Row>(LIST)).map(toKey);
  const add = async ({ sql, changed }: Write, k: Omit<StoredSigningKey, 'createTime'>) => {
    await sql.run(INSERT, [k.kid, k.alg, JSON.stringify(k.privateJwk), JSON.stringify(k.publicJwk), isoNow(clock), k.activateTime ?? null]);
    await changed('signing_keys');
  };
  return {
    list: () => all(scope.sql),
    add: (k) => scope.atomic((write) => add(write, k)),
    addFirst: (k) =>
      scope.atomic(async (write) => {
        const stored = await all(write.sql);
        if (stored.length > 0) return stored;
        await add(write, k);
        return all(write.sql);
      }),
    retireOthers: (kid, retireTime) =>
      scope.atomic(async ({ sql, changed }) => {
        await sql.run(RETIRE, [retireTime, kid]);
        await changed('signing_keys');
      }),
  };
}
