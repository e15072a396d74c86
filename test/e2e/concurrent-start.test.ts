// Several starts at once on one new DATA_DIR (a supervisor restarting too eagerly, two terminals, a
// compose file scaled by mistake): one schema, one signing key, and every server that runs signs with it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationsDir } from '../../src/store/migrations.js';
import { runNode, startCli, type RunningCli } from '../helpers/cli.js';
import { decodeJwt, tokenRequest } from '../helpers/server.js';

// Every shipped migration, by number: each must run exactly once.
const MIGRATION_VERSIONS = readdirSync(migrationsDir('sqlite'))
  .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
  .sort()
  .map((f) => Number(f.slice(0, 3)));

const N = 4;
const DIST = fileURLToPath(new URL('../../dist/src/', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-race-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function readDatabase() {
  const db = new Database(join(dir, 'emulator.sqlite'), { readonly: true });
  try {
    return {
      kids: db.prepare('SELECT kid FROM signing_keys').pluck().all() as string[],
      versions: db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[],
      environmentClients: db.prepare("SELECT count(*) FROM clients WHERE kind = 'environment'").pluck().get(),
    };
  } finally {
    db.close();
  }
}

async function kidOf(url: string): Promise<string> {
  return ((await (await fetch(`${url}/keys`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
}

const settled = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

describe(`${N} CLI starts at once on one empty DATA_DIR`, () => {
  let running: RunningCli[] = [];
  afterEach(async () => {
    await Promise.all(running.map((cli) => cli.stop()));
    running = [];
  });

  it('one runs; the others exit 2 naming DATA_DIR; one key and one schema; the one running signs with that key', async () => {
    const results = await settled(Array.from({ length: N }, () => startCli({ DATA_DIR: dir, LOG_LEVEL: 'warn' })));
    running = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => String((r.reason as Error).message));
    expect(running).toHaveLength(1);
    expect(refused).toHaveLength(N - 1);
    for (const message of refused) {
      expect(message).toContain('exited with 2');
      expect(message).toContain(`DATA_DIR ${dir} is in use by another running scalekit-emulator`);
    }

    const { kids, versions, environmentClients } = readDatabase();
    expect(kids).toHaveLength(1);
    expect(versions).toEqual(MIGRATION_VERSIONS);
    expect(environmentClients).toBe(1);
    expect(await kidOf(running[0]!.url)).toBe(kids[0]);
    const secret = /m2morg_10000000000000001\s+client_secret\s+(\S+)/.exec(running[0]!.output())![1]!;
    const res = await tokenRequest(running[0]!.url, { grant_type: 'client_credentials', client_id: 'm2morg_10000000000000001', client_secret: secret });
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as { access_token: string }).access_token).header.kid).toBe(kids[0]);
  });

  it('the folder is free again once the running one stopped, and the next start signs with the same key', async () => {
    const first = await startCli({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
    const kid = await kidOf(first.url);
    expect(await first.stop()).toBe(0);
    const second = await startCli({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
    running = [second];
    expect(await kidOf(second.url)).toBe(kid);
    expect(readDatabase().kids).toEqual([kid]);
  });
});

// Below the server's lock: processes that open the store and load the keys directly (as tools and tests
// may) still agree, because migrations and the first key are written under SQLite's write lock.
describe(`${N} processes opening one new database at once (no server lock)`, () => {
  const script = (file: string) => `
    const { openStore } = await import(${JSON.stringify(join(DIST, 'store/index.js'))});
    const { loadOrCreateKeySet } = await import(${JSON.stringify(join(DIST, 'oidc/signing-keys.js'))});
    const store = await openStore(${JSON.stringify(file)});
    const keys = await loadOrCreateKeySet(store.signingKeys);
    await store.close();
    console.log(keys.current.kid, store.installKeys.cookieKeys.join(','));`;

  it('each applies no migration twice, and all sign with the one key stored and share one cookie key', async () => {
    const runs = await Promise.all(Array.from({ length: N }, () => runNode(['--input-type=module', '-e', script(join(dir, 'emulator.sqlite'))])));
    expect(runs.map((r) => r.stderr)).toEqual(Array(N).fill(''));
    expect(runs.map((r) => r.code)).toEqual(Array(N).fill(0));
    const { kids, versions } = readDatabase();
    expect(kids).toHaveLength(1);
    expect(versions).toEqual(MIGRATION_VERSIONS);
    const { cookie_keys } = JSON.parse(readFileSync(join(dir, 'emulator.keys.json'), 'utf8')) as { cookie_keys: string[] };
    expect(runs.map((r) => r.stdout.trim())).toEqual(Array(N).fill(`${kids[0]} ${cookie_keys.join(',')}`));
  });
});
