// Client secrets: 256-bit random strings, stored as SHA-256 digests with their last four characters.
// A slow password hash buys nothing for secrets of that entropy and would cost the token endpoint.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.js';
import { newId } from './ids.js';
import { isoNow, type Clock } from './time.js';

export interface ClientSecret {
  id: string;
  clientId: string;
  secretSuffix: string;
  status: 'ACTIVE' | 'INACTIVE';
  createTime: string;
  updateTime: string;
  expireTime?: string;
  lastUsedTime?: string;
}

export interface CreatedSecret {
  secret: ClientSecret;
  /** The only time the plain value exists outside the client's hands. */
  plainSecret: string;
}

export interface SecretRepository {
  /** Adds a secret (a new random one unless `plain` is given, as seeds do). */
  create(clientId: string, plain?: string): CreatedSecret;
  /** Adds `plain` unless the client already has it; the created secret, or undefined. */
  ensure(clientId: string, plain: string): CreatedSecret | undefined;
  list(clientId: string): ClientSecret[];
  /** Leaves `plain` as the client's only secret. */
  replaceAll(clientId: string, plain: string): CreatedSecret | undefined;
  /** True when `plain` is an active secret of the client. */
  verify(clientId: string, plain: string): boolean;
}

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(plain: string): string {
  return createHash('sha256').update(plain, 'utf8').digest('hex');
}

interface Row {
  id: string;
  client_id: string;
  secret_suffix: string;
  status: 'ACTIVE' | 'INACTIVE';
  create_time: string;
  update_time: string;
  expire_time: string | null;
  last_used_time: string | null;
}

const toSecret = (r: Row): ClientSecret => ({
  id: r.id,
  clientId: r.client_id,
  secretSuffix: r.secret_suffix,
  status: r.status,
  createTime: r.create_time,
  updateTime: r.update_time,
  ...(r.expire_time ? { expireTime: r.expire_time } : {}),
  ...(r.last_used_time ? { lastUsedTime: r.last_used_time } : {}),
});

export function sqliteSecrets(db: Db, clock: Clock): SecretRepository {
  const insert = db.prepare(
    `INSERT INTO client_secrets (id, client_id, secret_hash, secret_suffix, status, create_time, update_time)
     VALUES (?, ?, ?, ?, 'ACTIVE', ?, ?)`,
  );
  const byHash = db.prepare<[string, string], Row>(
    'SELECT * FROM client_secrets WHERE client_id = ? AND secret_hash = ?',
  );
  const active = db.prepare<[string, string, string], { one: number }>(
    `SELECT 1 AS one FROM client_secrets WHERE client_id = ? AND secret_hash = ? AND status = 'ACTIVE'
       AND (expire_time IS NULL OR expire_time > ?)`,
  );
  const list = db.prepare<[string], Row>('SELECT * FROM client_secrets WHERE client_id = ? ORDER BY create_time, id');
  const removeOthers = db.prepare('DELETE FROM client_secrets WHERE client_id = ? AND secret_hash <> ?');

  const create = (clientId: string, plain = generateSecret()): CreatedSecret => {
    const id = newId('secret');
    const now = isoNow(clock);
    insert.run(id, clientId, hashSecret(plain), plain.slice(-4), now, now);
    return { secret: toSecret(byHash.get(clientId, hashSecret(plain))!), plainSecret: plain };
  };

  const ensure = (clientId: string, plain: string) =>
    byHash.get(clientId, hashSecret(plain)) ? undefined : create(clientId, plain);

  return {
    create,
    ensure,
    replaceAll: (clientId, plain) => {
      removeOthers.run(clientId, hashSecret(plain));
      return ensure(clientId, plain);
    },
    list: (clientId) => list.all(clientId).map(toSecret),
    verify: (clientId, plain) => active.get(clientId, hashSecret(plain), isoNow(clock)) !== undefined,
  };
}
