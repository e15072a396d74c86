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
import type { IdSource } from './ids.js';
import type { Scope } from './scope.js';
import type { Database, Sql } from './sql/sql.js';
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
  create(clientId: string, plain?: string, createdBy?: string): Promise<CreatedSecret>;
  /** Adds the operator-chosen `plain` unless the client already has it; the created secret, or undefined. */
  ensure(clientId: string, plain: string, createdBy?: string): Promise<CreatedSecret | undefined>;
  list(clientId: string): Promise<ClientSecret[]>;
  /** Deletes one secret of the client: it stops working at once. True when a row was removed. */
  remove(clientId: string, secretId: string): Promise<boolean>;
  /** Turns one secret of the client on or off (an INACTIVE secret stops working at once); the secret, or undefined if none. */
  setStatus(clientId: string, secretId: string, status: ClientSecret['status']): Promise<ClientSecret | undefined>;
  /** Deletes the client's secrets made by `createdBy` except `keepId`; returns their ids. */
  removeCreatedBy(clientId: string, createdBy: string, keepId?: string): Promise<string[]>;
  /** Writes the noted uses now; called before reads and on close. Never rejects: what it cannot write it keeps. */
  flush(): Promise<void>;
  /** Leaves the operator-chosen `plain` as the client's only secret. */
  replaceAll(clientId: string, plain: string): Promise<CreatedSecret | undefined>;
  /**
   * True when `plain` is an active secret of the client; that use then becomes the secret's
   * last_used_time, written at most once a second in one transaction, not once per token request.
   */
  verify(clientId: string, plain: string): Promise<boolean>;
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

interface Use extends Digests {
  clientId: string;
  time: string;
}

// A row matches when its digest, of its own scheme, is the presented value's: (clientId, sha256, keyed).
const MATCHES = `client_id = ? AND ((hash_scheme = 'sha256' AND secret_hash = ?) OR (hash_scheme = 'hmac-sha256' AND secret_hash = ?))`;
const INSERT = `INSERT INTO client_secrets (id, client_id, secret_hash, hash_scheme, secret_suffix, status, create_time, update_time, created_by)
  VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?)`;
const BY_ID = 'SELECT * FROM client_secrets WHERE id = ?';
const MATCHING = `SELECT * FROM client_secrets WHERE ${MATCHES}`;
const ACTIVE = `SELECT 1 AS one FROM client_secrets WHERE ${MATCHES} AND status = 'ACTIVE' AND (expire_time IS NULL OR expire_time > ?)`;
const ACTIVE_ANY = `SELECT client_id, secret_hash, hash_scheme, expire_time FROM client_secrets
  WHERE client_id = ANY(?) AND secret_hash = ANY(?) AND status = 'ACTIVE' AND (expire_time IS NULL OR expire_time > ?)`;
const REHASH = `UPDATE client_secrets SET secret_hash = ?, hash_scheme = 'hmac-sha256' WHERE id = ?`;
const LIST = 'SELECT * FROM client_secrets WHERE client_id = ? ORDER BY create_time, id';
const REMOVE_OTHERS = 'DELETE FROM client_secrets WHERE client_id = ? AND id <> ?';
const REMOVE_ONE = 'DELETE FROM client_secrets WHERE client_id = ? AND id = ?';
const SET_STATUS = 'UPDATE client_secrets SET status = ?, update_time = ? WHERE client_id = ? AND id = ? AND status <> ?';
const BY_CLIENT_AND_ID = 'SELECT * FROM client_secrets WHERE client_id = ? AND id = ?';
const CREATED_BY_OTHERS = 'SELECT id FROM client_secrets WHERE client_id = ? AND created_by = ? AND id <> ?';
const TOUCH = `UPDATE client_secrets SET last_used_time = ? WHERE ${MATCHES} AND (last_used_time IS NULL OR last_used_time < ?)`;

interface SecretCheck {
  clientId: string;
  sha256: string;
  keyed: string;
  time: string;
  settle(active: boolean): void;
  fail(err: unknown): void;
}

/**
 * On PostgreSQL a check is a round trip (a socket write, the server's work, the answer's parsing), the
 * token endpoint's largest cost after the signature. The checks that arrive in one turn of the event
 * loop (dozens under load) share one query instead. Each still reads the rows as they are when it runs,
 * so a secret deleted or rotated on any replica fails the next check, as with a query of its own.
 */
function sharedChecks(sql: Sql): (check: Omit<SecretCheck, 'settle' | 'fail'>) => Promise<boolean> {
  let waiting: SecretCheck[] = [];
  const run = async (checks: SecretCheck[]) => {
    try {
      const clientIds = [...new Set(checks.map((c) => c.clientId))];
      const digests = [...new Set(checks.flatMap((c) => [c.sha256, c.keyed]))];
      const earliest = checks.reduce((t, c) => (c.time < t ? c.time : t), checks[0]!.time);
      const rows = await sql.all<{ client_id: string; secret_hash: string; hash_scheme: HashScheme; expire_time: string | null }>(ACTIVE_ANY, [clientIds, digests, earliest]);
      // A row matches as MATCHES says (its digest, of its own scheme, is the presented value's), and has
      // not expired at the check's own time.
      const matches = (c: SecretCheck) => (r: (typeof rows)[number]) =>
        r.client_id === c.clientId && r.secret_hash === (r.hash_scheme === 'sha256' ? c.sha256 : c.keyed) && (r.expire_time === null || r.expire_time > c.time);
      for (const c of checks) c.settle(rows.some(matches(c)));
    } catch (err) {
      for (const c of checks) c.fail(err);
    }
  };
  return (check) =>
    new Promise<boolean>((settle, fail) => {
      if (waiting.length === 0) {
        setImmediate(() => {
          const checks = waiting;
          waiting = [];
          void run(checks);
        });
      }
      waiting.push({ ...check, settle, fail });
    });
}

/** The uses verify() notes, written at most once a second: one per store, whichever scope verified. */
export interface SecretUses {
  note(use: Use): void;
  /** Never rejects: when the write fails (a full disk), the uses are kept and tried again a little later. */
  flush(): Promise<void>;
}

/** `unwritten` hears of a flush that could not be written (its uses are kept for the next try). */
export function secretUses(database: Database, unwritten: (err: unknown) => void = () => undefined): SecretUses {
  // Uses noted since the last flush, by client and digests: only digests are held, never a secret.
  let uses = new Map<string, Use>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const write = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (uses.size === 0 || !database.isOpen()) return;
    const written = uses;
    uses = new Map();
    try {
      // The updates depend on nothing read: no write lock needed.
      await database.transaction(
        async (tx) => {
          for (const u of written.values()) await tx.run(TOUCH, [u.time, u.clientId, u.sha256, u.keyed, u.time]);
        },
        { writeLock: false },
      );
    } catch (err) {
      // Behind any newer use of the same secret.
      uses = new Map([...written, ...uses]);
      timer = setTimeout(() => void flush(), LAST_USED_RETRY_MS).unref();
      unwritten(err);
    }
  };
  // One flush at a time, in order.
  const flush = () => (writing = writing.catch(() => undefined).then(write));

  return {
    note(use) {
      uses.set(`${use.clientId}\n${use.sha256}`, use);
      timer ??= setTimeout(() => void flush(), LAST_USED_FLUSH_MS).unref();
    },
    flush,
  };
}

export function secretRepository(scope: Scope, clock: Clock, hashKey: Buffer, ids: IdSource, uses: SecretUses): SecretRepository {
  const { sql: own } = scope;
  // SQLite answers in the same turn, and a transaction's reads stay its own: both check one by one.
  const shared = own.dialect === 'postgres' && !scope.inTransaction ? sharedChecks(own) : undefined;
  const sha256 = (plain: string) => createHash('sha256').update(plain, 'utf8').digest('hex');
  const keyed = (plain: string) => createHmac('sha256', hashKey).update(plain, 'utf8').digest('hex');

  const create = async (clientId: string, plain?: string, by?: string, sql: Sql = own): Promise<CreatedSecret> => {
    const value = plain ?? ids.newSecret();
    const [hash, scheme]: [string, HashScheme] = plain === undefined ? [sha256(value), 'sha256'] : [keyed(value), 'hmac-sha256'];
    const id = ids.newId('secret');
    const now = isoNow(clock);
    await sql.run(INSERT, [id, clientId, hash, scheme, value.slice(-4), now, now, by ?? null]);
    return { secret: toSecret((await sql.get<Row>(BY_ID, [id]))!), plainSecret: value };
  };

  // The operator's secret as stored, re-hashed under the install key if an older version stored it as SHA-256.
  const findOperatorSecret = async (clientId: string, plain: string, sql: Sql = own): Promise<Row | undefined> => {
    const k = keyed(plain);
    const row = await sql.get<Row>(MATCHING, [clientId, sha256(plain), k]);
    if (row?.hash_scheme === 'sha256') await sql.run(REHASH, [k, row.id]);
    return row;
  };

  const ensure = async (clientId: string, plain: string, by?: string) => ((await findOperatorSecret(clientId, plain)) ? undefined : create(clientId, plain, by));

  return {
    create,
    ensure,
    replaceAll: (clientId, plain) =>
      scope.atomic(async ({ sql }) => {
        const existing = await findOperatorSecret(clientId, plain, sql);
        const created = existing ? undefined : await create(clientId, plain, undefined, sql);
        await sql.run(REMOVE_OTHERS, [clientId, existing?.id ?? created!.secret.id]);
        return created;
      }),
    list: async (clientId) => {
      // Outside a transaction only: the flush is a transaction of its own (inside one, the last use may be a second old).
      if (!scope.inTransaction) await uses.flush();
      return (await own.all<Row>(LIST, [clientId])).map(toSecret);
    },
    remove: async (clientId, secretId) => (await own.run(REMOVE_ONE, [clientId, secretId])).changes > 0,
    setStatus: async (clientId, secretId, status) => {
      await own.run(SET_STATUS, [status, isoNow(clock), clientId, secretId, status]);
      const row = await own.get<Row>(BY_CLIENT_AND_ID, [clientId, secretId]);
      return row && toSecret(row);
    },
    removeCreatedBy: async (clientId, by, keepId = '') => {
      const ids = (await own.all<{ id: string }>(CREATED_BY_OTHERS, [clientId, by, keepId])).map((r) => r.id);
      for (const id of ids) await own.run(REMOVE_ONE, [clientId, id]);
      return ids;
    },
    verify: async (clientId, plain) => {
      const digests = { sha256: sha256(plain), keyed: keyed(plain) };
      const time = isoNow(clock);
      const active = shared ? await shared({ clientId, time, ...digests }) : (await own.get(ACTIVE, [clientId, digests.sha256, digests.keyed, time])) !== undefined;
      if (!active) return false;
      uses.note({ clientId, time, ...digests });
      return true;
    },
    flush: () => uses.flush(),
  };
}
