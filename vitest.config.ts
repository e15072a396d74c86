import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// PostgreSQL for the suite's PostgreSQL runs: TEST_DATABASE_URL, or a cluster the globalSetup starts from
// Debian's binaries (test/helpers/postgres-cluster.ts). Without either, those runs are skipped.
const debianPostgres = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`));
const postgres = Boolean(process.env.TEST_DATABASE_URL) || debianPostgres;
if (!postgres) console.log('PostgreSQL runs skipped: TEST_DATABASE_URL is unset and no PostgreSQL binaries are in /usr/lib/postgresql/*/bin');

// The end-to-end files the PostgreSQL run leaves out, and why: SQLite-specific by nature, or starting no store.
export const SQLITE_ONLY: Record<string, string> = {
  'test/e2e/concurrent-start.test.ts': "SQLite's DATA_DIR lock: a second server on one folder is refused (replicas on PostgreSQL are the point)",
  'test/e2e/data-dir-permissions.test.ts': 'the permissions of the SQLite file, its WAL and the key file in DATA_DIR',
  'test/e2e/disk-full.test.ts': 'SQLITE_FULL on a tmpfs DATA_DIR; PostgreSQL storage failures are mapped by the same code (store/storage-failure.ts)',
  'test/e2e/audit-durability.test.ts': "blocks commits with SQLite's write lock from another process; the PostgreSQL twin is postgres-audit-durability.test.ts",
  'test/e2e/cli-start.test.ts': 'DATA_DIR errors and SQLite files checked by name; the CLI on PostgreSQL is cli-postgres.test.ts',
  'test/e2e/node-version.test.ts': 'starts no store',
  'test/e2e/npm-start-build.test.ts': 'starts no store (npm start builds)',
  'test/e2e/postgres-*.test.ts': 'on PostgreSQL already, on databases of their own (two apps on one, a CLI, kill -9)',
};

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    globalSetup: postgres ? ['test/helpers/postgres-cluster.ts'] : [],
    projects: [
      // Every file; apps on SQLite files (the store's contract also on PostgreSQL when there is one).
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      // The end-to-end files again, each app the helpers start on a fresh PostgreSQL database.
      ...(postgres
        ? [{ extends: true, test: { name: 'postgres', include: ['test/e2e/**/*.test.ts'], exclude: Object.keys(SQLITE_ONLY), env: { TEST_STORE: 'postgres' } } }]
        : []),
    ],
  },
});
