// The small SQL executor every repository is written against, once for both engines. Statements use
// `?` placeholders (the PostgreSQL executor numbers them), times as epoch numbers or RFC 3339 text,
// booleans as 0/1 and JSON as text, so a row reads the same from SQLite and from PostgreSQL. Where the
// dialects truly differ, a repository asks `dialectOf(sql)` below instead of branching itself.

export type Dialect = 'sqlite' | 'postgres';

export interface Sql {
  readonly dialect: Dialect;
  all<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  get<R>(text: string, params?: readonly unknown[]): Promise<R | undefined>;
  run(text: string, params?: readonly unknown[]): Promise<{ changes: number }>;
}

export interface TransactionOptions {
  /**
   * Take the store's write lock first, so what the transaction reads cannot change under it before it
   * writes (SQLite: BEGIN IMMEDIATE; PostgreSQL: one transaction-scoped advisory lock). Default true;
   * the audit group commit and the last-used flush, which read nothing, take none on PostgreSQL.
   */
  writeLock?: boolean;
}

/** One open database: statements on their own, transactions, and the engine's own jobs. */
export interface Database {
  readonly dialect: Dialect;
  /** Each statement on its own (autocommit). */
  readonly sql: Sql;
  /** Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a script of several statements (a migration) inside `sql`'s transaction. */
  exec(sql: Sql, script: string): Promise<void>;
  /** Runs `fn` holding the engine's migration lock (PostgreSQL: a session advisory lock; SQLite: none needed). */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` unless another process is running it on this database (retention: one replica prunes at a
   * time; PostgreSQL: pg_try_advisory_lock). Resolves to undefined when it was skipped.
   */
  ifAlone<T>(fn: () => Promise<T>): Promise<T | undefined>;
  /** True until close(). */
  isOpen(): boolean;
  close(): Promise<void>;
}

/** The few places where the two dialects write the same thing differently. */
export interface DialectHelpers {
  /** The JSON text `column` holds, read at the top-level `key`, as text. */
  jsonText(column: string, key: string): string;
  /** A JSON object text built from name/expression pairs; `json` marks expressions holding JSON text. */
  jsonObject(fields: readonly (readonly [string, string, 'json'?])[]): string;
  /** The column that follows insertion order (signing keys, outbox messages). */
  insertionOrder: string;
  /** A physical row id usable in `DELETE … WHERE <rowId> IN (SELECT <rowId> … LIMIT n)`. */
  rowId: string;
}

const SQLITE: DialectHelpers = {
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
  jsonObject: (fields) => `json_object(${fields.map(([name, expr, kind]) => `'${name}', ${kind === 'json' ? `json(${expr})` : expr}`).join(', ')})`,
  insertionOrder: 'rowid',
  rowId: 'rowid',
};

const POSTGRES: DialectHelpers = {
  jsonText: (column, key) => `(${column}::jsonb ->> '${key}')`,
  jsonObject: (fields) => `json_build_object(${fields.map(([name, expr, kind]) => `'${name}', ${kind === 'json' ? `${expr}::json` : expr}`).join(', ')})::text`,
  insertionOrder: 'seq',
  rowId: 'ctid',
};

export const dialectOf = (sql: Pick<Sql, 'dialect'>): DialectHelpers => (sql.dialect === 'sqlite' ? SQLITE : POSTGRES);

/** `?, ?, ?` for `n` values. */
export const placeholders = (n: number): string => Array<string>(n).fill('?').join(', ');
