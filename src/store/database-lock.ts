// One live server per database. The server holds an exclusive SQLite lock on a small file beside the
// database for as long as it runs; a second server on the same folder is refused at start. The lock is
// a POSIX record lock, so the kernel drops it when the process dies, even on kill -9: a crash leaves
// nothing stale behind to clean up.
import Database from 'better-sqlite3';

export class DatabaseInUse extends Error {
  constructor(
    readonly databasePath: string,
    readonly lockPath: string,
  ) {
    super(`${databasePath} is in use by another running server (it holds ${lockPath})`);
    this.name = 'DatabaseInUse';
  }
}

export interface DatabaseLock {
  release(): void;
}

export function lockDatabase(databasePath: string, lockPath: string): DatabaseLock {
  const db = new Database(lockPath, { timeout: 0 });
  try {
    // In exclusive locking mode the lock taken by the first write is kept until the connection closes.
    // The journal stays in memory: the one row below is not worth a file.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY');
    db.exec(`BEGIN EXCLUSIVE;
      CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL);
      DELETE FROM holder;
      INSERT INTO holder (pid) VALUES (${process.pid});
      COMMIT;`);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseInUse(databasePath, lockPath);
    throw err;
  }
  return { release: () => db.close() };
}
