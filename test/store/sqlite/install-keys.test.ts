// On SQLite the install keys (secret HMAC key, cookie keys) live in emulator.keys.json beside the
// database. (On PostgreSQL, in its install_keys table: ../postgres/migrations.test.ts.)
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-install-keys-'));
  file = join(dir, 'emulator.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const keyFile = () => JSON.parse(readFileSync(join(dir, 'emulator.keys.json'), 'utf8')) as { secret_hash_key: string; cookie_keys: string[] };

describe('cookie keys', () => {
  it('are one random 256-bit key, written 0600 to emulator.keys.json and nowhere in the database', async () => {
    const store = await openStore(file);
    const [cookieKey] = store.installKeys.cookieKeys;
    await store.close();
    expect(store.installKeys.cookieKeys).toHaveLength(1);
    expect(cookieKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keyFile().cookie_keys).toEqual([cookieKey]);
    expect(statSync(join(dir, 'emulator.keys.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).toString('latin1')).not.toContain(cookieKey);
  });

  it('stay the same across restarts, and when a signing key is added', async () => {
    const first = await openStore(file);
    const keys = first.installKeys.cookieKeys;
    await first.signingKeys.add({ kid: 'snk_2', alg: 'RS256', privateJwk: { d: 'x' }, publicJwk: { n: 'y' } });
    await first.close();
    const second = await openStore(file);
    expect(second.installKeys.cookieKeys).toEqual(keys);
    await second.close();
  });

  it('differ between two installs, and between two in-memory stores', async () => {
    const a = await openStore(file);
    const b = await openStore(join(dir, 'other', 'emulator.sqlite'));
    const m1 = await openStore(':memory:');
    const m2 = await openStore(':memory:');
    expect(new Set([a, b, m1, m2].map((s) => s.installKeys.cookieKeys[0])).size).toBe(4);
    for (const s of [a, b, m1, m2]) await s.close();
  });
});
