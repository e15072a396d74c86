// Where a test's database lives, on either engine. `TEST_STORE=postgres` (the PostgreSQL run of the
// suite, vitest.config.ts) puts each app the helpers start on a fresh database of the PostgreSQL server
// at TEST_DATABASE_URL (a superuser URL: the globalSetup starts a throwaway cluster when it is unset),
// dropped when the app closes; otherwise the app runs on a SQLite file, as a user's does. Raw rows are
// read through the store's own executor (`?` placeholders on both engines).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openPostgres } from '../../src/store/sql/postgres.js';
import type { Sql } from '../../src/store/sql/sql.js';
import { openSqlite } from '../../src/store/sql/sqlite.js';

/** The superuser URL of the PostgreSQL server tests may use, if there is one. */
export const postgresServer = (): string | undefined => process.env.TEST_DATABASE_URL || undefined;

/** True in the PostgreSQL run of the suite: apps the helpers start use a fresh PostgreSQL database each. */
export const onPostgres = (): boolean => process.env.TEST_STORE === 'postgres';

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server; drop() removes it (closing what is still connected). */
export async function freshPostgresDatabase(): Promise<FreshDatabase> {
  const server = postgresServer();
  if (!server) throw new Error('TEST_DATABASE_URL is not set: no PostgreSQL server to test on');
  const name = `emulator_test_${randomBytes(6).toString('hex')}`;
  await admin(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

// One database per DATA_DIR a test names (an app restarted on the same folder finds its data again),
// dropped after the test file.
const byDataDir = new Map<string, Promise<FreshDatabase>>();
// Registered as the file's modules load (a hook cannot be added from inside a test).
if (onPostgres()) {
  afterAll(async () => {
    await Promise.all([...byDataDir.values()].map(async (d) => (await d).drop()));
    byDataDir.clear();
  });
}

/**
 * The PostgreSQL database of an app the helpers start in the PostgreSQL run: a fresh one, dropped by
 * release(); or, for a DATA_DIR the test chose, the one of that folder, kept until the file ends.
 */
export async function databaseOfApp(dataDir: string | undefined): Promise<{ url: string; release(): Promise<void> }> {
  if (dataDir === undefined) {
    const fresh = await freshPostgresDatabase();
    return { url: fresh.url, release: fresh.drop };
  }
  if (!byDataDir.has(dataDir)) byDataDir.set(dataDir, freshPostgresDatabase());
  return { url: (await byDataDir.get(dataDir)!).url, release: async () => undefined };
}

async function admin(server: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export interface RawDatabase extends Sql {
  /** The first column of the first row (a count, one value), or undefined for no row. */
  scalar(text: string, params?: readonly unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/** Raw SQL on a database an app uses (a SQLite file, or a postgres:// URL), beside the app's own connection. */
export function rawDatabase(location: string): RawDatabase {
  const database = location.startsWith('postgres') ? openPostgres({ url: location, poolSize: 2 }) : openSqlite(location);
  return {
    dialect: database.dialect,
    all: (text, params) => database.sql.all(text, params),
    get: (text, params) => database.sql.get(text, params),
    run: (text, params) => database.sql.run(text, params),
    scalar: async (text, params) => {
      const row = await database.sql.get<Record<string, unknown>>(text, params);
      return row && Object.values(row)[0];
    },
    close: () => database.close(),
  };
}
