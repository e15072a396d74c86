// A PostgreSQL server for the benchmarks: BENCH_DATABASE_URL (a superuser URL), or a throwaway cluster
// started by .ci/postgres (Debian's binaries, as `postgres` under root) with the server's default
// durability (fsync and synchronous_commit on), unlike the tests' cluster, which turns them off.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from './targets.mjs';

const CI_POSTGRES = join(REPO_ROOT, '.ci/postgres');

/** { url, settings, stop() } for a server the caller may create databases on; `conf`: postgresql.conf lines to add. */
export async function benchPostgres(conf = '') {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, stop: async () => {}, settings: 'BENCH_DATABASE_URL' };
  const exports = execFileSync(CI_POSTGRES, ['start'], { encoding: 'utf8', env: { ...process.env, CI_POSTGRES_DURABLE: '1', CI_POSTGRES_CONF: conf } });
  const value = (name) => new RegExp(`^export ${name}=(.*)$`, 'm').exec(exports)?.[1];
  const dir = value('CI_POSTGRES_DIR');
  return {
    url: value('TEST_DATABASE_URL'),
    settings: conf || 'defaults',
    stop: async () => execFileSync(CI_POSTGRES, ['stop', dir], { stdio: 'inherit' }),
  };
}

/** A new empty database on the server; returns its URL. */
export async function freshDatabase(serverUrl, name) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}
