// The PostgreSQL executor: node-postgres, one pool per process. Statements are written with `?` as
// for SQLite and numbered `$1…$n` here, once per distinct text; each is a named prepared statement, so
// a connection parses it once. BIGINT columns (epoch times, counts) come back as numbers, as SQLite's
// INTEGER does. Connection problems are answered as storage failures (storage-failure.ts) and the
// pool opens fresh connections when the server is back: nothing here exits.
import pg from 'pg';
import type { Database, Sql, TransactionOptions } from './sql.js';

/** Held by every store transaction that writes (TransactionOptions.writeLock): one at a time, as SQLite's BEGIN IMMEDIATE. */
const WRITE_LOCK = 0x5ca1e001;
/** Held while migrations run: replicas starting at once apply each file once. */
const MIGRATION_LOCK = 0x5ca1e000;
/** Held by the replica pruning old rows (retention): the others skip their turn. */
const ALONE_LOCK = 0x5ca1e002;

const BIGINT = 20;
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === BIGINT && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
};

/** `?` placeholders as `$1…$n`, outside quoted text. */
export function numberPlaceholders(text: string): string {
  let n = 0;
  let out = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Hears of an idle connection that failed (the pool drops it and opens another when needed). */
  connectionError?: (err: unknown) => void;
}

export interface PostgresDatabase extends Database {
  /** A connection of its own, outside the pool (LISTEN), not yet connected. */
  newClient(): pg.Client;
}

export function openPostgres(options: PostgresOptions): PostgresDatabase {
  const clientConfig: pg.ClientConfig = { connectionString: options.url, types, application_name: 'scalekit-emulator' };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  pool.on('error', (err) => options.connectionError?.(err));
  let open = true;

  const named = new Map<string, { name: string; text: string }>();
  const query = (text: string, values: readonly unknown[] = []): pg.QueryConfig => {
    let statement = named.get(text);
    if (statement === undefined) named.set(text, (statement = { name: `s${named.size + 1}`, text: numberPlaceholders(text) }));
    return { name: statement.name, text: statement.text, values: values as unknown[] };
  };

  /**
   * Runs `fn` holding the session advisory lock `key` on a connection of its own: waiting for it, or
   * trying once and resolving to undefined without running `fn` when another session holds it.
   */
  const holding = async <T>(key: number, take: 'wait' | 'try', fn: () => Promise<T>): Promise<T | undefined> => {
    const client = await pool.connect();
    try {
      const lock = take === 'wait' ? 'SELECT true AS locked FROM pg_advisory_lock($1)' : 'SELECT pg_try_advisory_lock($1) AS locked';
      if (!(await client.query<{ locked: boolean }>(lock, [key])).rows[0]?.locked) return undefined;
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.release();
    }
  };

  // The connection behind each transaction's executor, for exec().
  const connections = new WeakMap<Sql, pg.PoolClient>();
  const over = (client: pg.Pool | pg.PoolClient, live: () => boolean = () => true): Sql => {
    const ended = () => Promise.reject(new Error('this transaction has already ended'));
    const sql: Sql = {
      dialect: 'postgres',
      all: async <R>(text: string, params?: readonly unknown[]) => (live() ? ((await client.query(query(text, params))).rows as R[]) : ended()),
      get: async <R>(text: string, params?: readonly unknown[]) => (live() ? ((await client.query(query(text, params))).rows[0] as R | undefined) : ended()),
      run: async (text: string, params?: readonly unknown[]) => (live() ? { changes: (await client.query(query(text, params))).rowCount ?? 0 } : ended()),
    };
    if (client !== pool) connections.set(sql, client as pg.PoolClient);
    return sql;
  };

  return {
    dialect: 'postgres',
    sql: over(pool),
    newClient: () => new pg.Client(clientConfig),
    async transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      const client = await pool.connect();
      let live = true;
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        if (options.writeLock ?? true) await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
        const result = await fn(over(client, () => live));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
        throw err;
      } finally {
        live = false;
        client.release(broken); // a connection that could not roll back is closed, not reused
      }
    },
    exec: async (tx, script) => {
      // The simple query protocol runs several statements in one call; inside the caller's transaction.
      await (connections.get(tx) ?? pool).query(script);
    },
    withMigrationLock: async <T>(fn: () => Promise<T>): Promise<T> => (await holding(MIGRATION_LOCK, 'wait', fn))!,
    ifAlone: <T>(fn: () => Promise<T>): Promise<T | undefined> => holding(ALONE_LOCK, 'try', fn),
    isOpen: () => open,
    close: async () => {
      if (!open) return;
      open = false;
      await pool.end();
    },
  };
}
