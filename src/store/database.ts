// Opens the SQLite file (WAL, foreign keys) and applies migrations/NNN_*.sql in order, each inside a
// write-locked transaction, recording every applied file in schema_migrations. Several processes may open
// one new file at once: they queue on SQLite's lock, and each migration runs exactly once.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { packageFolder } from '../package-root.js';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000'); // first: a concurrent start holding the lock is waited for, not an error
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // durable across process crashes; WAL makes this safe
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function migrationsDir(): string {
  return packageFolder('migrations');
}

export function migrate(db: Db, dir = migrationsDir()): string[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  db.transaction(() =>
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`),
  ).immediate();
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  // BEGIN IMMEDIATE takes the write lock before the check, so a start that waited for another one sees
  // that start's work and skips the file.
  const apply = db.transaction((version: number, file: string): boolean => {
    if (isApplied.get(version) !== undefined) return false;
    db.exec(readFileSync(join(dir, file), 'utf8'));
    record.run(version, file, new Date().toISOString());
    return true;
  });
  return files.filter((file) => apply.immediate(Number(file.slice(0, 3)), file));
}
