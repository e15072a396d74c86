// Signing keys are generated once and kept: the Scalekit SDKs fetch /keys once and cache it forever.
import type { Db } from './database.js';
import { isoNow, type Clock } from './time.js';

export interface StoredSigningKey {
  kid: string;
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createTime: string;
}

export interface SigningKeyRepository {
  list(): StoredSigningKey[];
  add(key: Omit<StoredSigningKey, 'createTime'>): void;
  /**
   * Stores `key` only when no key is stored yet, checked under the write lock; returns the stored keys.
   * Concurrent first starts each offer a key and all come back with the one that was stored first.
   */
  addFirst(key: Omit<StoredSigningKey, 'createTime'>): StoredSigningKey[];
}

interface Row {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  create_time: string;
}

export function sqliteSigningKeys(db: Db, clock: Clock): SigningKeyRepository {
  const list = db.prepare<[], Row>('SELECT * FROM signing_keys ORDER BY create_time, kid');
  const insert = db.prepare(
    'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, create_time) VALUES (?, ?, ?, ?, ?)',
  );
  const all = () =>
    list.all().map((r) => ({
      kid: r.kid,
      alg: r.alg,
      privateJwk: JSON.parse(r.private_jwk) as Record<string, unknown>,
      publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
      createTime: r.create_time,
    }));
  const add = (k: Omit<StoredSigningKey, 'createTime'>) => {
    insert.run(k.kid, k.alg, JSON.stringify(k.privateJwk), JSON.stringify(k.publicJwk), isoNow(clock));
  };
  const addFirst = db.transaction((k: Omit<StoredSigningKey, 'createTime'>) => {
    const stored = all();
    if (stored.length > 0) return stored;
    add(k);
    return all();
  });
  return { list: all, add, addFirst: (k) => addFirst.immediate(k) };
}
