// What a repository is written over: the store itself (each statement on its own), or one open
// transaction of it. The same repository code serves both; only the scope differs.
import type { ChangeTopic } from './changes.js';
import type { Sql } from './sql/sql.js';

/** One write's executor, and how it says which cached aggregates it changed. */
export interface Write {
  sql: Sql;
  /** Notes that this write changed a cached aggregate; every process hears of it once the write commits. */
  changed(topic: ChangeTopic): Promise<void>;
}

export interface Scope {
  sql: Sql;
  /** A transaction's scope: what it reads is not kept in memory (a rollback would leave it behind). */
  inTransaction: boolean;
  /** Runs `fn` all or nothing: inside the open transaction, or else in one of its own. */
  atomic<T>(fn: (write: Write) => Promise<T>): Promise<T>;
}
