import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrationsDir, type Db } from '../../src/store/database.js';
import { openStore, type Store } from '../../src/store/index.js';

const TABLES = [
  'client_secrets',
  'clients',
  'issued_tokens',
  'oidc_payloads',
  'organizations',
  'resource_scopes',
  'resources',
  'schema_migrations',
  'signing_keys',
  'user_consents',
  'users',
];

// Every shipped migration, in the order the runner applies them.
const MIGRATIONS = readdirSync(migrationsDir())
  .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
  .sort()
  .map((name) => ({ version: Number(name.slice(0, 3)), name }));

let dir: string;
let file: string;
const opened: { close(): void }[] = [];

function open(): Store {
  const store = openStore(file);
  opened.push(store);
  return store;
}

function tableNames(db: Db): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-migrations-'));
  file = join(dir, 'emulator.sqlite');
});

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openStore on a new file', () => {
  it('creates every table of the initial schema', () => {
    const store = open();
    expect(tableNames(store.db)).toEqual(TABLES);
  });

  it('records every migration file, 001_initial.sql first, in schema_migrations', () => {
    const store = open();
    const rows = store.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows[0]).toEqual({ version: 1, name: '001_initial.sql' });
    expect(rows).toEqual(MIGRATIONS);
  });

  it('creates the database file, and its folder when missing', () => {
    file = join(dir, 'nested', 'deeper', 'emulator.sqlite');
    const store = open();
    expect(store.db.name).toBe(file);
    expect(tableNames(store.db)).toContain('organizations');
  });

  it('puts the database in WAL journal mode', () => {
    const store = open();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('turns foreign keys on', () => {
    const store = open();
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});

describe('opening the same file again', () => {
  it('applies no migration twice (schema_migrations row count unchanged)', () => {
    const first = open();
    const before = first.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get();
    first.close();
    const second = open();
    const after = second.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get();
    expect(before).toBe(MIGRATIONS.length);
    expect(after).toBe(before);
  });

  it('keeps the rows written before', () => {
    const first = open();
    first.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
    first.close();
    const second = open();
    expect(second.organizations.get('org_1')?.displayName).toBe('Acme');
    expect(second.db.prepare('SELECT id, display_name FROM organizations').all()).toEqual([
      { id: 'org_1', display_name: 'Acme' },
    ]);
  });
});

describe('an in-memory store', () => {
  it("opens ':memory:' without touching the file system and migrates it", () => {
    const store = openStore(':memory:');
    opened.push(store);
    expect(tableNames(store.db)).toEqual(TABLES);
  });
});

describe('migrate(db, dir) with a failing migration file', () => {
  let migrations: string;
  let db: Db;

  beforeEach(() => {
    migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '001_ok.sql'), 'CREATE TABLE good (id INTEGER PRIMARY KEY);\n');
    writeFileSync(
      join(migrations, '002_broken.sql'),
      'CREATE TABLE partial (id INTEGER PRIMARY KEY);\nINSERT INTO good (id) VALUES (1);\nTHIS IS NOT SQL;\n',
    );
    db = new Database(file);
    opened.push(db);
  });

  it('throws', () => {
    expect(() => migrate(db, migrations)).toThrow(/near "THIS": syntax error/);
  });

  it('records the good migration and no row for the failed one', () => {
    expect(() => migrate(db, migrations)).toThrow(/near "THIS": syntax error/);
    expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([
      { version: 1, name: '001_ok.sql' },
    ]);
  });

  it("leaves no trace of the failed migration's statements (no partial table, no inserted row)", () => {
    expect(() => migrate(db, migrations)).toThrow(/near "THIS": syntax error/);
    expect(tableNames(db)).toEqual(['good', 'schema_migrations']);
    expect(db.prepare('SELECT count(*) FROM good').pluck().get()).toBe(0);
  });

  it('applies the fixed migration on the next run, and only that one', () => {
    expect(() => migrate(db, migrations)).toThrow(/near "THIS": syntax error/);
    writeFileSync(join(migrations, '002_broken.sql'), 'CREATE TABLE partial (id INTEGER PRIMARY KEY);\n');
    expect(migrate(db, migrations)).toEqual(['002_broken.sql']);
    expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2]);
  });

  it('ignores files that do not match NNN_name.sql', () => {
    writeFileSync(join(migrations, '002_broken.sql'), 'CREATE TABLE partial (id INTEGER PRIMARY KEY);\n');
    writeFileSync(join(migrations, 'README.md'), 'not sql');
    writeFileSync(join(migrations, '3_short.sql'), 'THIS IS NOT SQL;');
    expect(migrate(db, migrations)).toEqual(['001_ok.sql', '002_broken.sql']);
  });
});
