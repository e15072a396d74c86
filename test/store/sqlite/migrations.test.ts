// SQLite's migrations, by its files: a new file, the same file opened again, upgrades of databases
// that earlier versions wrote (with rows), a failing file, and a database newer than the code. The
// PostgreSQL runner's own checks (the advisory lock, replicas at once) are in ../postgres/.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseNewerThanCode, openStore, openStoreOn, type Store } from '../../../src/store/index.js';
import { migrate as migrateDatabase, migrationsDir as migrationsFolder } from '../../../src/store/migrations.js';
import { openSqlite } from '../../../src/store/sql/sqlite.js';

type Db = Database.Database;
const migrationsDir = () => migrationsFolder('sqlite');

/** Applies the migrations of `dir` to the file `db` is open on (through the store's runner, on a connection of its own). */
async function migrate(db: Db, dir?: string): Promise<string[]> {
  const database = openSqlite(db.name);
  try {
    return await migrateDatabase(database, dir);
  } finally {
    await database.close();
  }
}

const TABLES = [
  'audit_events',
  'client_secrets',
  'clients',
  'dashboard_sessions',
  'device_code_polls',
  'email_codes',
  'environment_scopes',
  'issued_tokens',
  'limit_events',
  'oidc_payloads',
  'organizations',
  'outbox_messages',
  'passkey_challenges',
  'passkeys',
  'resource_scopes',
  'resources',
  'schema_migrations',
  'signing_keys',
  'storage_probe',
  'store_versions',
  'test_users',
  'token_exchange_policies',
  'trusted_identity_providers',
  'used_assertions',
  'user_consents',
  'users',
];

const MIGRATION_FILES = readdirSync(migrationsDir()).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();

let dir: string;
let file: string;
const opened: { close(): unknown }[] = [];

async function open(): Promise<Store> {
  const store = await openStore(file);
  opened.push(store);
  return store;
}

/** A second connection on the store's file, for reading what only SQLite has (its catalogue, pragmas). */
function connection(path = file): Db {
  const db = new Database(path);
  opened.push(db);
  return db;
}

function tableNames(db: Db): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-migrations-'));
  file = join(dir, 'emulator.sqlite');
});

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openStore on a new file', () => {
  it('creates every table of the initial schema', async () => {
    await open();
    expect(tableNames(connection())).toEqual(TABLES);
  });

  it('records 001_initial.sql as version 1, and every migration file by its number, in schema_migrations', async () => {
    await open();
    const rows = connection().prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows[0]).toEqual({ version: 1, name: '001_initial.sql' });
    expect(rows).toEqual(MIGRATION_FILES.map((name) => ({ version: Number(name.slice(0, 3)), name })));
  });

  it('creates the database file, and its folder when missing', async () => {
    file = join(dir, 'nested', 'deeper', 'emulator.sqlite');
    await open();
    expect(connection().name).toBe(file);
    expect(tableNames(connection())).toContain('organizations');
  });

  it('puts the database in WAL journal mode', async () => {
    await open();
    expect(connection().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('turns foreign keys on', async () => {
    // A connection's own setting: asked of the executor openStore opens the file with.
    const database = openSqlite(file);
    opened.push(database);
    expect(await database.sql.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
  });
});

describe('opening the same file again', () => {
  it('applies no migration twice (schema_migrations row count unchanged)', async () => {
    const first = await open();
    const before = connection().prepare('SELECT count(*) FROM schema_migrations').pluck().get();
    await first.close();
    await open();
    const after = connection().prepare('SELECT count(*) FROM schema_migrations').pluck().get();
    expect(before).toBe(MIGRATION_FILES.length);
    expect(after).toBe(before);
  });

  it('keeps the rows written before', async () => {
    const first = await open();
    await first.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
    await first.close();
    const second = await open();
    expect((await second.organizations.get('org_1'))?.displayName).toBe('Acme');
    expect(connection().prepare('SELECT id, display_name FROM organizations').all()).toEqual([
      { id: 'org_1', display_name: 'Acme' },
    ]);
  });
});

describe('upgrading a database with rows to 004_management.sql', () => {
  // A database as 001 left it, with a seeded organization client, its secret and a key.
  async function databaseAt001(): Promise<Db> {
    const only001 = join(dir, 'at-001');
    mkdirSync(only001);
    copyFileSync(join(migrationsDir(), '001_initial.sql'), join(only001, '001_initial.sql'));
    const db = new Database(file);
    await migrate(db, only001);
    const t = '2025-01-01T00:00:00.000Z';
    db.prepare("INSERT INTO organizations VALUES ('org_1', 'Acme', ?, ?)").run(t, t);
    db.prepare(
      `INSERT INTO resources (id, name, resource_type, resource_id, access_token_expiry, refresh_token_expiry, create_time, update_time)
       VALUES ('res_1', 'Todo', 'MCP_SERVER', 'http://localhost:3002/', 3600, 86400, ?, ?)`,
    ).run(t, t);
    db.prepare("INSERT INTO clients (client_id, kind, organization_id, expiry, create_time, update_time) VALUES ('m2morg_1', 'organization', 'org_1', 3600, ?, ?)").run(t, t);
    db.prepare("INSERT INTO clients (client_id, kind, expiry, create_time, update_time) VALUES ('skc_1', 'environment', 86399, ?, ?)").run(t, t);
    db.prepare("INSERT INTO client_secrets (id, client_id, secret_hash, secret_suffix, create_time, update_time) VALUES ('sks_1', 'm2morg_1', 'h1', 'abcd', ?, ?)").run(t, t);
    db.prepare("INSERT INTO client_secrets (id, client_id, secret_hash, secret_suffix, create_time, update_time) VALUES ('sks_2', 'skc_1', 'h2', 'efgh', ?, ?)").run(t, t);
    db.prepare("INSERT INTO signing_keys VALUES ('snk_1', 'RS256', '{}', '{}', ?)").run(t);
    return db;
  }

  it('keeps every row, gives resources token_issuer env and marks organization-client secrets as the seed\'s', async () => {
    const db = await databaseAt001();
    await migrate(db);
    expect(db.prepare('SELECT id, token_issuer FROM resources').all()).toEqual([{ id: 'res_1', token_issuer: 'env' }]);
    expect(db.prepare('SELECT id, created_by FROM client_secrets ORDER BY id').all()).toEqual([
      { id: 'sks_1', created_by: 'seed' },
      { id: 'sks_2', created_by: null },
    ]);
    expect(db.prepare('SELECT kid, activate_time, retire_time FROM signing_keys').all()).toEqual([
      { kid: 'snk_1', activate_time: null, retire_time: null },
    ]);
    expect(tableNames(db)).toContain('audit_events');
    db.close();
  });

  it('gives resources enable_device_flow 0 (015) and refuses any value but 0 or 1', async () => {
    const db = await databaseAt001();
    await migrate(db);
    expect(db.prepare('SELECT id, enable_device_flow FROM resources').all()).toEqual([{ id: 'res_1', enable_device_flow: 0 }]);
    expect(() => db.prepare('UPDATE resources SET enable_device_flow = 2').run()).toThrow('CHECK constraint failed');
    db.close();
  });

  it('gives resources token_profile scalekit (011) and refuses any other value', async () => {
    const db = await databaseAt001();
    await migrate(db);
    expect(db.prepare('SELECT id, token_issuer, token_profile FROM resources').all()).toEqual([{ id: 'res_1', token_issuer: 'env', token_profile: 'scalekit' }]);
    expect(() => db.prepare("UPDATE resources SET token_profile = 'strict'").run()).toThrow('CHECK constraint failed');
    db.close();
  });

  it('gives resources xaa_enabled 0 (014); a token-exchange policy goes with either of its servers', async () => {
    const db = await databaseAt001();
    await migrate(db);
    db.pragma('foreign_keys = ON');
    expect(db.prepare('SELECT id, xaa_enabled FROM resources').all()).toEqual([{ id: 'res_1', xaa_enabled: 0 }]);
    db.prepare("INSERT INTO resources (id, name, resource_type, resource_id, access_token_expiry, refresh_token_expiry, create_time, update_time) VALUES ('res_2', 'B', 'MCP_SERVER', 'http://b/', 60, 60, 'x', 'x')").run();
    db.prepare("INSERT INTO token_exchange_policies (resource_id, accept_from) VALUES ('res_2', 'res_1')").run();
    db.prepare("DELETE FROM resources WHERE id = 'res_1'").run();
    expect(db.prepare('SELECT count(*) AS n FROM token_exchange_policies').get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('upgrading a database with DCR clients to 007_clients_last_used.sql', () => {
  it('dates the clients that were used (a token row, a consent or a secret use) and leaves the never-used ones NULL', async () => {
    const upTo006 = join(dir, 'to-006');
    mkdirSync(upTo006);
    for (const f of MIGRATION_FILES.filter((f) => f < '007')) copyFileSync(join(migrationsDir(), f), join(upTo006, f));
    const db = new Database(file);
    await migrate(db, upTo006);
    const t = '2025-01-01T00:00:00.000Z';
    db.prepare(
      `INSERT INTO resources (id, name, resource_type, resource_id, access_token_expiry, refresh_token_expiry, create_time, update_time)
       VALUES ('res_1', 'Todo', 'MCP_SERVER', 'http://localhost:3002/', 3600, 86400, ?, ?)`,
    ).run(t, t);
    for (const id of ['m2m_token', 'm2m_consent', 'm2m_secret', 'm2m_never']) {
      db.prepare("INSERT INTO clients (client_id, kind, resource_id, expiry, create_time, update_time) VALUES (?, 'dcr', 'res_1', 3600, ?, ?)").run(id, t, t);
    }
    db.prepare("INSERT INTO issued_tokens (jti, grant_type, client_id, subject, scopes, audience, issued_at, expires_at) VALUES ('tkn_1', 'authorization_code', 'm2m_token', 'usr_1', '', '[]', 1740787200, 1740790800)").run();
    db.prepare("INSERT INTO users (id, email, create_time, update_time) VALUES ('usr_1', 'a@example.com', ?, ?)").run(t, t);
    db.prepare("INSERT INTO user_consents (id, client_id, user_id, ns, grant_id, create_time, update_time) VALUES ('cns_1', 'm2m_consent', 'usr_1', 'res_1', 'g', ?, '2025-02-01T00:00:00.000Z')").run(t);
    db.prepare("INSERT INTO client_secrets (id, client_id, secret_hash, secret_suffix, create_time, update_time, last_used_time) VALUES ('sks_1', 'm2m_secret', 'h', 'abcd', ?, ?, '2025-03-01T00:00:00.000Z')").run(t, t);
    await migrate(db);
    expect(db.prepare('SELECT client_id, last_used_time FROM clients ORDER BY client_id').all()).toEqual([
      { client_id: 'm2m_consent', last_used_time: '2025-02-01T00:00:00.000Z' },
      { client_id: 'm2m_never', last_used_time: null },
      { client_id: 'm2m_secret', last_used_time: '2025-03-01T00:00:00.000Z' },
      { client_id: 'm2m_token', last_used_time: '2025-03-01T00:00:00.000Z' },
    ]);
    db.close();
  });
});

describe('upgrading a database written by the previous version (001 only)', () => {
  const OPERATOR_SECRET = 'operator-chosen-secret-wxyz';
  const GENERATED_SECRET = 'Qm9vdHN0cmFwcGVkLXJhbmRvbS0yNTYtYml0LXNlY3I';
  const sha256 = (plain: string) => createHash('sha256').update(plain, 'utf8').digest('hex');

  // The rows 0.1.0 wrote: an environment client with a configured secret and a generated one, both SHA-256.
  beforeEach(async () => {
    const only001 = join(dir, 'migrations-0.1.0-secrets');
    mkdirSync(only001);
    copyFileSync(join(migrationsDir(), '001_initial.sql'), join(only001, '001_initial.sql'));
    const db = new Database(file);
    await migrate(db, only001);
    const now = '2025-01-01T00:00:00.000Z';
    db.prepare(`INSERT INTO clients (client_id, kind, expiry, create_time, update_time) VALUES ('skc_1', 'environment', 86399, ?, ?)`).run(now, now);
    const insert = db.prepare(`INSERT INTO client_secrets (id, client_id, secret_hash, secret_suffix, create_time, update_time)
      VALUES (?, 'skc_1', ?, ?, ?, ?)`);
    insert.run('sks_1', sha256(OPERATOR_SECRET), 'wxyz', now, now);
    insert.run('sks_2', sha256(GENERATED_SECRET), GENERATED_SECRET.slice(-4), now, now);
    db.close();
  });

  const schemes = (_store: Store) => connection().prepare('SELECT id, hash_scheme FROM client_secrets ORDER BY id').all();

  it('applies the later migrations, and both SHA-256 secrets still verify', async () => {
    const store = await open();
    expect(connection().prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(
      MIGRATION_FILES.map((name) => Number(name.slice(0, 3))),
    );
    expect(schemes(store)).toEqual([
      { id: 'sks_1', hash_scheme: 'sha256' },
      { id: 'sks_2', hash_scheme: 'sha256' },
    ]);
    expect(await store.secrets.verify('skc_1', OPERATOR_SECRET)).toBe(true);
    expect(await store.secrets.verify('skc_1', GENERATED_SECRET)).toBe(true);
  });

  it('re-hashes an operator-chosen secret under the install key when it is given again, keeping its row', async () => {
    const store = await open();
    expect(await store.secrets.ensure('skc_1', OPERATOR_SECRET)).toBeUndefined();
    expect(schemes(store)).toEqual([
      { id: 'sks_1', hash_scheme: 'hmac-sha256' },
      { id: 'sks_2', hash_scheme: 'sha256' },
    ]);
    expect(connection().prepare("SELECT secret_hash FROM client_secrets WHERE id = 'sks_1'").pluck().get()).not.toBe(sha256(OPERATOR_SECRET));
    expect((await store.secrets.list('skc_1')).map((s) => s.secretSuffix)).toEqual(['wxyz', GENERATED_SECRET.slice(-4)]);
    expect(await store.secrets.verify('skc_1', OPERATOR_SECRET)).toBe(true);
    expect(await store.secrets.verify('skc_1', GENERATED_SECRET)).toBe(true);
  });

  it('replaceAll with the configured secret keeps its row, re-hashed, and drops the other', async () => {
    const store = await open();
    expect(await store.secrets.replaceAll('skc_1', OPERATOR_SECRET)).toBeUndefined();
    expect(schemes(store)).toEqual([{ id: 'sks_1', hash_scheme: 'hmac-sha256' }]);
    expect(await store.secrets.verify('skc_1', OPERATOR_SECRET)).toBe(true);
  });
});

describe('an in-memory store', () => {
  it("opens ':memory:' without touching the file system and migrates it", async () => {
    const store = await openStore(':memory:');
    opened.push(store);
    expect(await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' })).toBe(true);
    await expect(store.ping()).resolves.toBeUndefined();
    // Its tables, through an in-memory database of the same executor (a second connection would see another database).
    const database = openSqlite(':memory:');
    opened.push(await openStoreOn(database));
    const tables = await database.sql.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    expect(tables.map((t) => t.name)).toEqual(TABLES);
  });
});

describe('migrate(db, dir) with a failing migration file', () => {
  let migrations: string;
  let db: Db;

  beforeEach(async () => {
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

  it('throws', async () => {
    await expect(migrate(db, migrations)).rejects.toThrow(/near "THIS": syntax error/);
  });

  it('records the good migration and no row for the failed one', async () => {
    await expect(migrate(db, migrations)).rejects.toThrow(/near "THIS": syntax error/);
    expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([
      { version: 1, name: '001_ok.sql' },
    ]);
  });

  it("leaves no trace of the failed migration's statements (no partial table, no inserted row)", async () => {
    await expect(migrate(db, migrations)).rejects.toThrow(/near "THIS": syntax error/);
    expect(tableNames(db)).toEqual(['good', 'schema_migrations']);
    expect(db.prepare('SELECT count(*) FROM good').pluck().get()).toBe(0);
  });

  it('applies the fixed migration on the next run, and only that one', async () => {
    await expect(migrate(db, migrations)).rejects.toThrow(/near "THIS": syntax error/);
    writeFileSync(join(migrations, '002_broken.sql'), 'CREATE TABLE partial (id INTEGER PRIMARY KEY);\n');
    expect(await migrate(db, migrations)).toEqual(['002_broken.sql']);
    expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2]);
  });

  it('ignores files that do not match NNN_name.sql', async () => {
    writeFileSync(join(migrations, '002_broken.sql'), 'CREATE TABLE partial (id INTEGER PRIMARY KEY);\n');
    writeFileSync(join(migrations, 'README.md'), 'not sql');
    writeFileSync(join(migrations, '3_short.sql'), 'THIS IS NOT SQL;');
    expect(await migrate(db, migrations)).toEqual(['001_ok.sql', '002_broken.sql']);
  });
});

describe('a database migrated by a newer version of the emulator', () => {
  it('is refused at open, naming the migration this version does not have, and left as it was', async () => {
    await (await open()).close();
    const db = connection();
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_from_a_newer_version.sql', ?)").run(new Date().toISOString());
    const refused = openStore(file);
    await expect(refused).rejects.toThrow(new DatabaseNewerThanCode([999]));
    await expect(refused).rejects.toThrow(
      'the database was migrated by a newer version of the emulator (it records migration 999, which this version does not have); run that version or a newer one',
    );
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(999);
  });
});
