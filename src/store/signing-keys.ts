// Signing keys are generated once and kept (the Scalekit SDKs fetch /keys once and cache it forever);
// a rotation adds one with an activation time and gives the others a retire time.
import type { Db } from './database.js';
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
  list(): StoredSigningKey[];
  add(key: Omit<StoredSigningKey, 'createTime'>): void;
  /**
   * Stores `key` only when no key is stored yet, checked under the write lock; returns the stored keys.
   * Concurrent first starts each offer a key and all come back with the one that was stored first.
   */
  addFirst(key: Omit<StoredSigningKey, 'createTime'>): StoredSigningKey[];
  /** Sets the retire time of every key not yet retiring, except `kid`. */
  retireOthers(kid: string, retireTime: string): void;
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

export function sqliteSigningKeys(db: Db, clock: Clock): SigningKeyRepository {
  const list = db.prepare<[], Row>('SELECT * FROM signing_keys ORDER BY rowid');
  const insert = db.prepare(
    'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, create_time, activate_time) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const retire = db.prepare('UPDATE signing_keys SET retire_time = ? WHERE kid <> ? AND retire_time IS NULL');
  const all = (): StoredSigningKey[] =>
    list.all().map((r) => ({
        kid: r.kid,
        alg: r.alg,
        privateJwk: JSON.parse(r.private_jwk) as Record<string, unknown>,
        publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
        createTime: r.create_time,
        ...(r.activate_time ? { activateTime: r.activate_time } : {}),
        ...(r.retire_time ? { retireTime: r.retire_time } : {}),
      }));
  const add = (k: Omit<StoredSigningKey, 'createTime'>) => {
    insert.run(k.kid, k.alg, JSON.stringify(k.privateJwk), JSON.stringify(k.publicJwk), isoNow(clock), k.activateTime ?? null);
  };
  const addFirst = db.transaction((k: Omit<StoredSigningKey, 'createTime'>) => {
    const stored = all();
    if (stored.length > 0) return stored;
    add(k);
    return all();
  });
  return {
    list: all,
    add,
    addFirst: (k) => addFirst.immediate(k),
    retireOthers: (kid, retireTime) => {
      retire.run(retireTime, kid);
    },
  };
}
