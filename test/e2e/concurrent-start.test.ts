// Several starts at once on one new database: one schema, one signing key, and all sign with it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

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

// Migrations and the first key are written under SQLite's write lock, re-checked inside it.
describe(`${N} processes opening one new database at once`, () => {
  const script = (file: string) => `
    const { openStore } = await import(${JSON.stringify(join(DIST, 'store/index.js'))});
    const { loadOrCreateKeySet } = await import(${JSON.stringify(join(DIST, 'oidc/signing-keys.js'))});
    const store = openStore(${JSON.stringify(file)});
    const keys = await loadOrCreateKeySet(store.signingKeys);
    store.close();
    console.log(keys.current.kid);`;

  function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(file)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('each applies no migration twice, and all sign with the one key stored', async () => {
    const runs = await Promise.all(Array.from({ length: N }, () => run(join(dir, 'emulator.sqlite'))));
    expect(runs.map((r) => r.stderr)).toEqual(Array(N).fill(''));
    expect(runs.map((r) => r.code)).toEqual(Array(N).fill(0));
    const { kids, versions } = readDatabase();
    expect(kids).toHaveLength(1);
    expect(versions).toEqual([1]);
    expect(runs.map((r) => r.stdout.trim())).toEqual(Array(N).fill(kids[0]));
  });
});
