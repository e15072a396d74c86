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
  /** 'seed', or the client id of the caller who created it. */
  createdBy?: string;
}

export interface CreatedSecret {
  secret: ClientSecret;
  /** The only time the plain value exists outside the client's hands. */
  plainSecret: string;
}

export interface SecretRepository {
  /** Adds a secret (a new random one unless `plain` is given, as seeds do). */
  create(clientId: string, plain?: string, createdBy?: string): CreatedSecret;
  /** Adds `plain` unless the client already has it; the created secret, or undefined. */
  ensure(clientId: string, plain: string, createdBy?: string): CreatedSecret | undefined;
  list(clientId: string): ClientSecret[];
  /** Deletes one secret of the client: it stops working at once. True when a row was removed. */
  remove(clientId: string, secretId: string): boolean;
  /** Deletes the client's secrets made by `createdBy` except `keepId`; returns their ids. */
  removeCreatedBy(clientId: string, createdBy: string, keepId?: string): string[];
  /**
   * Notes a successful use of `plain` (after verify). Written as last_used_time at most once a second
   * in one transaction, not once per token request.
   */
  noteUse(clientId: string, plain: string): void;
  /** Writes the noted uses now; called before reads and on close. */
  flush(): void;
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
  created_by: string | null;
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
  ...(r.created_by ? { createdBy: r.created_by } : {}),
});

const LAST_USED_FLUSH_MS = 1000;

export function sqliteSecrets(db: Db, clock: Clock): SecretRepository {
  const insert = db.prepare(
    `INSERT INTO client_secrets (id, client_id, secret_hash, secret_suffix, status, create_time, update_time, created_by)
     VALUES (?, ?, ?, ?, 'ACTIVE', ?, ?, ?)`,
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
  const removeOne = db.prepare('DELETE FROM client_secrets WHERE client_id = ? AND id = ?');
  const createdBy = db.prepare<[string, string, string], { id: string }>(
    'SELECT id FROM client_secrets WHERE client_id = ? AND created_by = ? AND id <> ?',
  );
  const touch = db.prepare(
    `UPDATE client_secrets SET last_used_time = ? WHERE client_id = ? AND secret_hash = ?
       AND (last_used_time IS NULL OR last_used_time < ?)`,
  );

  const create = (clientId: string, plain = generateSecret(), by?: string): CreatedSecret => {
    const id = newId('secret');
    const now = isoNow(clock);
    insert.run(id, clientId, hashSecret(plain), plain.slice(-4), now, now, by ?? null);
    return { secret: toSecret(byHash.get(clientId, hashSecret(plain))!), plainSecret: plain };
  };

  const ensure = (clientId: string, plain: string, by?: string) =>
    byHash.get(clientId, hashSecret(plain)) ? undefined : create(clientId, plain, by);

  // Uses noted since the last flush: client id + hash -> latest use. Only hashes are held, never a secret.
  let uses = new Map<string, { clientId: string; hash: string; time: string }>();
  let timer: NodeJS.Timeout | undefined;
  const writeUses = db.transaction((rows: { clientId: string; hash: string; time: string }[]) => {
    for (const u of rows) touch.run(u.time, u.clientId, u.hash, u.time);
  });
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (uses.size === 0 || !db.open) return;
    const rows = [...uses.values()];
    uses = new Map();
    writeUses(rows);
  };

  return {
    create,
    ensure,
    replaceAll: (clientId, plain) => {
      removeOthers.run(clientId, hashSecret(plain));
      return ensure(clientId, plain);
    },
    list: (clientId) => {
      flush();
      return list.all(clientId).map(toSecret);
    },
    remove: (clientId, secretId) => removeOne.run(clientId, secretId).changes > 0,
    removeCreatedBy: (clientId, by, keepId = '') => {
      const ids = createdBy.all(clientId, by, keepId).map((r) => r.id);
      for (const id of ids) removeOne.run(clientId, id);
      return ids;
    },
    verify: (clientId, plain) => active.get(clientId, hashSecret(plain), isoNow(clock)) !== undefined,
    noteUse: (clientId, plain) => {
      const hash = hashSecret(plain);
      uses.set(`${clientId}\n${hash}`, { clientId, hash, time: isoNow(clock) });
      timer ??= setTimeout(flush, LAST_USED_FLUSH_MS).unref();
    },
    flush,
  };
}
