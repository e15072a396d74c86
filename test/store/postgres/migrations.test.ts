// PostgreSQL's migrations: replicas starting at the same moment on one empty database apply each file
// once (the runner holds an advisory lock), agree on one signing key and one set of install keys; a
// failing file leaves nothing behind (DDL is transactional); a database newer than the code is refused.
// Needs a PostgreSQL server (TEST_DATABASE_URL, or the cluster the globalSetup starts); skipped without.
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateKeySet } from '../../../src/oidc/signing-keys.js';
import { DatabaseNewerThanCode, openStore, type Store } from '../../../src/store/index.js';
import { migrate, migrationsDir } from '../../../src/store/migrations.js';
import { openPostgres } from '../../../src/store/sql/postgres.js';
import { openSqlite } from '../../../src/store/sql/sqlite.js';
import { freshPostgresDatabase, postgresServer, rawDatabase, type FreshDatabase } from '../../helpers/databases.js';

const MIGRATION_VERSIONS = readdirSync(migrationsDir('postgres'))
  .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
  .sort()
  .map((f) => Number(f.slice(0, 3)));

describe.skipIf(!postgresServer())('PostgreSQL migrations', () => {
  let database: FreshDatabase;
  const opened: Store[] = [];
  beforeEach(async () => {
    database = await freshPostgresDatabase();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await database.drop();
  });

  const rows = async <R>(text: string) => {
    const raw = rawDatabase(database.url);
    try {
      return await raw.all<R>(text);
    } finally {
      await raw.close();
    }
  };

  it('four stores opening one empty database at once: each file applied once, one signing key, one set of install keys', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(database.url)));
    opened.push(...stores);
    const rings = await Promise.all(stores.map((store) => loadOrCreateKeySet(store.signingKeys, { changes: store.changes })));
    expect((await rows<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)).toEqual(MIGRATION_VERSIONS);
    const kids = await rows<{ kid: string }>('SELECT kid FROM signing_keys');
    expect(kids).toHaveLength(1);
    expect(rings.map((ring) => ring.current.kid)).toEqual(Array(4).fill(kids[0]!.kid));
    expect(await rows('SELECT id FROM install_keys')).toEqual([{ id: 1 }]);
    expect(new Set(stores.map((s) => s.installKeys.cookieKeys.join(','))).size).toBe(1);
    expect(new Set(stores.map((s) => s.installKeys.secretHashKey.toString('hex'))).size).toBe(1);
  });

  it('has every table SQLite has, and the install keys', async () => {
    opened.push(await openStore(database.url));
    const tables = (await rows<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((t) => t.tablename);
    expect(tables).toEqual(
      [
        'audit_events', 'client_secrets', 'clients', 'dashboard_sessions', 'device_code_polls', 'email_codes', 'environment_scopes', 'install_keys',
        'issued_tokens', 'limit_events', 'oidc_payloads', 'organizations', 'outbox_messages', 'passkey_challenges', 'passkeys', 'resource_scopes',
        'resources', 'schema_migrations', 'signing_keys', 'storage_probe', 'store_versions', 'test_users', 'token_exchange_policies',
        'trusted_identity_providers', 'used_assertions', 'user_consents', 'users',
      ],
    );
  });

  it('gives each table the columns SQLite gives it (each migration and its twin agree), and only its own beside them', async () => {
    opened.push(await openStore(database.url));
    const postgres = (await rows<{ name: string }>("SELECT table_name || '.' || column_name AS name FROM information_schema.columns WHERE table_schema = 'public'")).map((r) => r.name);
    const sqlite = openSqlite(':memory:');
    try {
      await migrate(sqlite);
      const sqliteColumns = (
        await sqlite.sql.all<{ name: string }>("SELECT m.name || '.' || p.name AS name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'")
      ).map((r) => r.name);
      expect(postgres.filter((c) => !sqliteColumns.includes(c)).sort()).toEqual([
        'install_keys.cookie_keys', 'install_keys.id', 'install_keys.secret_hash_key', 'outbox_messages.seq', 'signing_keys.seq',
      ]);
      expect(sqliteColumns.filter((c) => !postgres.includes(c))).toEqual([]);
    } finally {
      await sqlite.close();
    }
  });

  it('a database migrated by a newer version is refused at open, naming the migration, and left as it was', async () => {
    await (await openStore(database.url)).close();
    const raw = rawDatabase(database.url);
    try {
      await raw.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_from_a_newer_version.sql', ?)", [new Date().toISOString()]);
      await expect(openStore(database.url)).rejects.toThrow(new DatabaseNewerThanCode([999]));
      expect(await raw.get('SELECT max(version) AS v FROM schema_migrations')).toEqual({ v: 999 });
    } finally {
      await raw.close();
    }
  });

  it('a failing migration file leaves no table or row behind, and the good one before it is recorded', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'pg-migrations-'));
    writeFileSync(join(dir, '001_ok.sql'), 'CREATE TABLE good (id BIGINT PRIMARY KEY);\n');
    writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE partial (id BIGINT PRIMARY KEY);\nINSERT INTO good (id) VALUES (1);\nTHIS IS NOT SQL;\n');
    const pg = openPostgres({ url: database.url, poolSize: 2 });
    try {
      await expect(migrate(pg, dir)).rejects.toMatchObject({ code: '42601' }); // syntax_error
      expect(await pg.sql.all("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).toEqual([
        { tablename: 'good' },
        { tablename: 'schema_migrations' },
      ]);
      expect(await pg.sql.all('SELECT version, name FROM schema_migrations')).toEqual([{ version: 1, name: '001_ok.sql' }]);
      expect(await pg.sql.get('SELECT count(*) AS n FROM good')).toEqual({ n: 0 });
    } finally {
      await pg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
