// One migration runner for both engines: migrations/<engine>/NNN_name.sql, applied in order, each
// once, in its own transaction, recorded by number in schema_migrations. Replicas (or processes)
// starting at the same moment apply each file once: SQLite takes its write lock per file (BEGIN
// IMMEDIATE) and re-checks; PostgreSQL holds an advisory lock around the whole run. A database that
// records a migration this code does not have was migrated by a newer version, and is refused.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageFolder } from '../package-root.js';
import type { Database, Dialect } from './sql/sql.js';

export class DatabaseNewerThanCode extends Error {
  constructor(readonly versions: number[]) {
    super(
      `the database was migrated by a newer version of the emulator (it records migration ${versions.map((v) => String(v).padStart(3, '0')).join(', ')}, which this version does not have); run that version or a newer one`,
    );
    this.name = 'DatabaseNewerThanCode';
  }
}

export function migrationsDir(dialect: Dialect): string {
  return packageFolder(join('migrations', dialect));
}

const MIGRATION_FILE = /^\d{3}_[a-z0-9_]+\.sql$/;
const versionOf = (file: string) => Number(file.slice(0, 3));

/** Applies what is missing; returns the files applied by this call. */
export async function migrate(database: Database, dir = migrationsDir(database.dialect)): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort();
  return database.withMigrationLock(async () => {
    await database.transaction((tx) =>
      database.exec(tx, 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)'),
    );
    const known = new Set(files.map(versionOf));
    const recorded = await database.sql.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const newer = recorded.map((r) => r.version).filter((v) => !known.has(v));
    if (newer.length > 0) throw new DatabaseNewerThanCode(newer);
    const applied: string[] = [];
    for (const file of files) {
      // Checked again inside the write lock: a start that waited for another one sees its work and skips the file.
      const done = await database.transaction(async (tx) => {
        if ((await tx.get('SELECT 1 AS one FROM schema_migrations WHERE version = ?', [versionOf(file)])) !== undefined) return false;
        await database.exec(tx, readFileSync(join(dir, file), 'utf8'));
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [versionOf(file), file, new Date().toISOString()]);
        return true;
      });
      if (done) applied.push(file);
    }
    return applied;
  });
}
