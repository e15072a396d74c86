// The SQLite executor: better-sqlite3 on one connection (WAL, foreign keys), each distinct statement
// prepared once and kept. better-sqlite3 is synchronous, so every answer is an already-settled promise:
// no extra turn of the event loop, which is how SQLite keeps its speed behind the async interface.
//
// One connection means one transaction at a time, held across awaits: while one is open, a statement
// from outside it (another request) waits for it to end instead of landing inside it, so a rollback
// never takes another request's write with it.
import Database from 'better-sqlite3';
import type { Database as StoreDatabase, Sql, TransactionOptions } from './sql.js';

type Statement = Database.Statement<unknown[], unknown>;

interface Gate {
  /** Settles when the transaction holding the connection has ended. */
  done: Promise<void>;
}

const settled = <T>(work: () => T): Promise<T> => {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
};

export function openSqlite(path: string): StoreDatabase {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000'); // first: a concurrent start holding the lock is waited for, not an error
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // durable across process crashes; WAL makes this safe
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }

  const statements = new Map<string, Statement>();
  const prepared = (text: string): Statement => {
    let statement = statements.get(text);
    if (statement === undefined) statements.set(text, (statement = db.prepare(text)));
    return statement;
  };
  const all = <R>(text: string, params: readonly unknown[] = []) => prepared(text).all(...params) as R[];
  const get = <R>(text: string, params: readonly unknown[] = []) => prepared(text).get(...params) as R | undefined;
  const run = (text: string, params: readonly unknown[] = []) => ({ changes: prepared(text).run(...params).changes });

  let gate: Gate | undefined;
  const afterGate = async <T>(work: () => T): Promise<T> => {
    while (gate) await gate.done;
    return work();
  };

  const sql: Sql = {
    dialect: 'sqlite',
    all: (text, params) => (gate ? afterGate(() => all(text, params)) : settled(() => all(text, params))),
    get: (text, params) => (gate ? afterGate(() => get(text, params)) : settled(() => get(text, params))),
    run: (text, params) => (gate ? afterGate(() => run(text, params)) : settled(() => run(text, params))),
  };

  // A transaction's executor works only while its transaction is the one open.
  const boundTo = (mine: Gate): Sql => {
    const live = <T>(work: () => T): Promise<T> => (gate === mine ? settled(work) : Promise.reject(new Error('this transaction has already ended')));
    return {
      dialect: 'sqlite',
      all: (text, params) => live(() => all(text, params)),
      get: (text, params) => live(() => get(text, params)),
      run: (text, params) => live(() => run(text, params)),
    };
  };

  return {
    dialect: 'sqlite',
    sql,
    async transaction<T>(fn: (tx: Sql) => Promise<T>, _options?: TransactionOptions): Promise<T> {
      while (gate) await gate.done;
      let release!: () => void;
      const mine: Gate = { done: new Promise<void>((resolve) => (release = resolve)) };
      gate = mine;
      try {
        // IMMEDIATE takes the write lock first, so what fn reads cannot change before it writes, even
        // from another process on the same file.
        db.exec('BEGIN IMMEDIATE');
        const result = await fn(boundTo(mine));
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      } finally {
        gate = undefined;
        release();
      }
    },
    exec: async (_tx, script) => {
      db.exec(script);
    },
    withMigrationLock: (fn) => fn(), // each migration's BEGIN IMMEDIATE is the lock
    ifAlone: (fn) => fn(), // one server per file (database-lock.ts)
    isOpen: () => db.open,
    close: async () => {
      while (gate) await gate.done;
      if (db.open) db.close();
    },
  };
}
