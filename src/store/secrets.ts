// Client secrets, kept as digests with their last four characters; the plain value is never stored.
// The digest depends on who chose the value:
// - secrets we generate (256 random bits): SHA-256. Nothing can be guessed from the digest of such a
//   value, and a keyed or slow hash would buy nothing while costing the token endpoint.
// - secrets an operator chose (SCALEKIT_CLIENT_SECRET, a seed's plain_secret): people pick guessable
//   values, so these are HMAC-SHA256 under the install's key, which lives in a 0600 file beside the
//   database (install-keys.ts), not in it: a copy of the database alone allows no offline guessing.
//   HMAC rather than scrypt, because agents and benchmarks send exactly these secrets on every token
//   request: an HMAC costs about a microsecond, scrypt (N=2^14) tens of milliseconds of CPU each.
// verify() is the one place a presented secret is checked, and it does the same work whoever asks.
import { createHash, createHmac } from 'node:crypto';
import type { Db } from './database.js';
import type { IdSource } from './ids.js';
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
  /** Adds a secret: a new random one, or `plain` as an operator chose it (seeds, configuration). */
  create(clientId: string, plain?: string, createdBy?: string): CreatedSecret;
  /** Adds the operator-chosen `plain` unless the client already has it; the created secret, or undefined. */
  ensure(clientId: string, plain: string, createdBy?: string): CreatedSecret | undefined;
  list(clientId: string): ClientSecret[];
  /** Deletes one secret of the client: it stops working at once. True when a row was removed. */
  remove(clientId: string, secretId: string): boolean;
  /** Turns one secret of the client on or off (an INACTIVE secret stops working at once); the secret, or undefined if none. */
  setStatus(clientId: string, secretId: string, status: ClientSecret['status']): ClientSecret | undefined;
  /** Deletes the client's secrets made by `createdBy` except `keepId`; returns their ids. */
  removeCreatedBy(clientId: string, createdBy: string, keepId?: string): string[];
  /** Writes the noted uses now; called before reads and on close. Never throws: what it cannot write it keeps. */
  flush(): void;
  /** Leaves the operator-chosen `plain` as the client's only secret. */
  replaceAll(clientId: string, plain: string): CreatedSecret | undefined;
  /**
   * True when `plain` is an active secret of the client; that use then becomes the secret's
   * last_used_time, written at most once a second in one transaction, not once per token request.
   */
  verify(clientId: string, plain: string): boolean;
}

type HashScheme = 'sha256' | 'hmac-sha256';

interface Row {
  id: string;
  client_id: string;
  secret_suffix: string;
  status: 'ACTIVE' | 'INACTIVE';
  hash_scheme: HashScheme;
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
const LAST_USED_RETRY_MS = 10_000;

interface Digests {
  sha256: string;
  keyed: string;
}

/** `unwritten` hears of a flush that could not be written (its uses are kept for the next try). */
export function sqliteSecrets(db: Db, clock: Clock, hashKey: Buffer, ids: IdSource, unwritten: (err: unknown) => void = () => undefined): SecretRepository {
  const sha256 = (plain: string) => createHash('sha256').update(plain, 'utf8').digest('hex');
  const keyed = (plain: string) => createHmac('sha256', hashKey).update(plain, 'utf8').digest('hex');
  const digests = (plain: string): Digests => ({ sha256: sha256(plain), keyed: keyed(plain) });
  // A row matches when its digest, of its own scheme, is the presented value's.
  const matches = `client_id = @clientId
    AND ((hash_scheme = 'sha256' AND secret_hash = @sha256) OR (hash_scheme = 'hmac-sha256' AND secret_hash = @keyed))`;
  const insert = db.prepare(
    `INSERT INTO client_secrets (id, client_id, secret_hash, hash_scheme, secret_suffix, status, create_time, update_time, created_by)
     VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?)`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM client_secrets WHERE id = ?');
  const matching = db.prepare<[{ clientId: string } & Digests], Row>(`SELECT * FROM client_secrets WHERE ${matches}`);
  const active = db.prepare<[{ clientId: string; now: string } & Digests], { one: number }>(
    `SELECT 1 AS one FROM client_secrets WHERE ${matches}
       AND status = 'ACTIVE' AND (expire_time IS NULL OR expire_time > @now)`,
  );
  const rehash = db.prepare(`UPDATE client_secrets SET secret_hash = ?, hash_scheme = 'hmac-sha256' WHERE id = ?`);
  const list = db.prepare<[string], Row>('SELECT * FROM client_secrets WHERE client_id = ? ORDER BY create_time, id');
  const removeOthers = db.prepare('DELETE FROM client_secrets WHERE client_id = ? AND id <> ?');
  const removeOne = db.prepare('DELETE FROM client_secrets WHERE client_id = ? AND id = ?');
  const setStatus = db.prepare('UPDATE client_secrets SET status = ?, update_time = ? WHERE client_id = ? AND id = ? AND status <> ?');
  const byClientAndId = db.prepare<[string, string], Row>('SELECT * FROM client_secrets WHERE client_id = ? AND id = ?');
  const createdByOthers = db.prepare<[string, string, string], { id: string }>(
    'SELECT id FROM client_secrets WHERE client_id = ? AND created_by = ? AND id <> ?',
  );
  const touch = db.prepare<[{ time: string; clientId: string } & Digests]>(
    `UPDATE client_secrets SET last_used_time = @time WHERE ${matches} AND (last_used_time IS NULL OR last_used_time < @time)`,
  );

  const create = (clientId: string, plain?: string, by?: string): CreatedSecret => {
    const value = plain ?? ids.newSecret();
    const [hash, scheme]: [string, HashScheme] = plain === undefined ? [sha256(value), 'sha256'] : [keyed(value), 'hmac-sha256'];
    const id = ids.newId('secret');
    const now = isoNow(clock);
    insert.run(id, clientId, hash, scheme, value.slice(-4), now, now, by ?? null);
    return { secret: toSecret(byId.get(id)!), plainSecret: value };
  };

  // The operator's secret as stored, re-hashed under the install key if an older version stored it as SHA-256.
  const findOperatorSecret = (clientId: string, plain: string): Row | undefined => {
    const d = digests(plain);
    const row = matching.get({ clientId, ...d });
    if (row?.hash_scheme === 'sha256') rehash.run(d.keyed, row.id);
    return row;
  };

  const ensure = (clientId: string, plain: string, by?: string) => (findOperatorSecret(clientId, plain) ? undefined : create(clientId, plain, by));

  // Uses noted since the last flush, by client and digests: only digests are held, never a secret.
  let uses = new Map<string, { clientId: string; time: string } & Digests>();
  let timer: NodeJS.Timeout | undefined;
  const writeUses = db.transaction((rows: ({ clientId: string; time: string } & Digests)[]) => {
    for (const u of rows) touch.run(u);
  });
  // Runs from a timer too: it never throws. When the write fails (a full disk), the uses are kept,
  // behind any newer one of the same secret, and tried again a little later.
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (uses.size === 0 || !db.open) return;
    const written = uses;
    uses = new Map();
    try {
      writeUses([...written.values()]);
    } catch (err) {
      uses = new Map([...written, ...uses]);
      timer = setTimeout(flush, LAST_USED_RETRY_MS).unref();
      unwritten(err);
    }
  };

  return {
    create,
    ensure,
    replaceAll: (clientId, plain) => {
      const existing = findOperatorSecret(clientId, plain);
      const created = existing ? undefined : create(clientId, plain);
      removeOthers.run(clientId, existing?.id ?? created!.secret.id);
      return created;
    },
    list: (clientId) => {
      flush();
      return list.all(clientId).map(toSecret);
    },
    remove: (clientId, secretId) => removeOne.run(clientId, secretId).changes > 0,
    setStatus: (clientId, secretId, status) => {
      setStatus.run(status, isoNow(clock), clientId, secretId, status);
      const row = byClientAndId.get(clientId, secretId);
      return row && toSecret(row);
    },
    removeCreatedBy: (clientId, by, keepId = '') => {
      const ids = createdByOthers.all(clientId, by, keepId).map((r) => r.id);
      for (const id of ids) removeOne.run(clientId, id);
      return ids;
    },
    verify: (clientId, plain) => {
      const d = digests(plain);
      const time = isoNow(clock);
      if (active.get({ clientId, ...d, now: time }) === undefined) return false;
      uses.set(`${clientId}\n${d.sha256}`, { clientId, time, ...d });
      timer ??= setTimeout(flush, LAST_USED_FLUSH_MS).unref();
      return true;
    },
    flush,
  };
}
