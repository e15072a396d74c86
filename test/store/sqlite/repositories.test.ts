// What only SQLite shows of the store: its files on disk (no plain secret or password in the database
// or its WAL; the install key kept apart from it), a full database (its page limit), and a second
// connection that sees a token row once record() resolved, and not before. The rest of the contract
// runs on both engines in ../repositories.test.ts.
import { createHmac } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, openStoreOn, type Store } from '../../../src/store/index.js';
import { openSqlite } from '../../../src/store/sql/sqlite.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

let dir: string;
let file: string;
let now: number;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
  file = join(dir, 'emulator.sqlite');
  now = T0;
  store = await openStore(file, () => now);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The bytes of the database file and its WAL, as latin1 text, for searching plain strings. */
function fileBytes(): string {
  return [file, `${file}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
}

const token = {
  jti: 'tkn_1',
  grantType: 'client_credentials',
  clientId: 'm2morg_1',
  subject: 'm2morg_1',
  scopes: ['todo:read', 'todo:write'],
  audience: ['http://localhost:3002/'],
  issuedAt: 1_735_689_600,
  expiresAt: 1_735_693_200,
};

describe('secrets on disk', () => {
  const PLAIN = 'plain-secret-value-0123456789-wxyz';

  beforeEach(async () => {
    await store.clients.upsert({ clientId: 'skc_1', kind: 'environment', name: 'Env', description: '', scopes: ['openid'], audience: [], customClaims: [], expiry: 86399, redirectUris: [] });
  });

  /** HMAC-SHA256 under the install key kept in emulator.keys.json beside the database. */
  const keyed = (plain: string) => {
    const { secret_hash_key } = JSON.parse(readFileSync(join(dir, 'emulator.keys.json'), 'utf8')) as { secret_hash_key: string };
    return createHmac('sha256', Buffer.from(secret_hash_key, 'base64url')).update(plain, 'utf8').digest('hex');
  };

  it('a copy of the database without its key file verifies generated secrets but no operator-chosen one', async () => {
    const generated = (await store.secrets.create('skc_1')).plainSecret;
    await store.secrets.create('skc_1', PLAIN);
    await store.close();
    const elsewhere = join(dir, 'copy');
    mkdirSync(elsewhere);
    copyFileSync(file, join(elsewhere, 'emulator.sqlite'));
    const copy = await openStore(join(elsewhere, 'emulator.sqlite'));
    try {
      expect(await copy.secrets.verify('skc_1', generated)).toBe(true);
      expect(await copy.secrets.verify('skc_1', PLAIN)).toBe(false);
    } finally {
      await copy.close();
      store = await openStore(file, () => now);
    }
  });

  it('the plain secret appears nowhere in the database file or its WAL', async () => {
    const generated = (await store.secrets.create('skc_1')).plainSecret;
    await store.secrets.create('skc_1', PLAIN);
    const bytes = fileBytes();
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes).toContain(keyed(PLAIN)); // sanity: the search sees the data
    expect(bytes).not.toContain(PLAIN);
    expect(bytes).not.toContain(generated);
  });
});

describe('users on disk', () => {
  it('the plain password appears nowhere in the database file or its WAL', async () => {
    const PASSWORD = 'correct horse battery staple';
    await store.users.upsert({ id: 'usr_1', email: 'alice@example.com', name: 'Alice', password: PASSWORD });
    const bytes = fileBytes();
    expect(bytes).toContain('alice@example.com'); // sanity: the search sees the data
    expect(bytes).not.toContain(PASSWORD);
  });
});

describe('issued tokens on one SQLite connection', () => {
  it('a full database (max_page_count) rejects every queued row with SQLITE_FULL, writes none, and takes rows again once it may grow', async () => {
    await store.close();
    // The page limit belongs to a connection: the store is opened over one the test holds too.
    const database = openSqlite(file);
    store = await openStoreOn(database, () => now);
    const count = async () => (await database.sql.get<{ n: number }>('SELECT count(*) AS n FROM issued_tokens'))!.n;
    const { page_count: pages } = (await database.sql.get<{ page_count: number }>('PRAGMA page_count'))!;
    await database.sql.all(`PRAGMA max_page_count = ${pages}`);
    const many = Array.from({ length: 200 }, (_, i) => ({ ...token, jti: `tkn_full_${i}`, scopes: ['x'.repeat(200)] }));
    const outcomes = await Promise.allSettled(many.map((t) => store.issuedTokens.record(t)));
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'SQLITE_FULL')).toBe(true);
    await expect(store.ping()).resolves.toBeUndefined(); // a write that needs no new page still lands
    expect(await count()).toBe(0);
    await database.sql.all('PRAGMA max_page_count = 1073741823');
    await store.issuedTokens.record(many[0]!);
    expect(await count()).toBe(1);
  });

  it('record resolves once the row is committed: another connection sees it then, and not before', async () => {
    const other = new Database(file, { readonly: true });
    try {
      const recorded = store.issuedTokens.record(token);
      expect(other.prepare('SELECT count(*) FROM issued_tokens').pluck().get()).toBe(0);
      await recorded;
      expect(other.prepare('SELECT jti, client_id FROM issued_tokens').all()).toEqual([{ jti: 'tkn_1', client_id: 'm2morg_1' }]);
    } finally {
      other.close();
    }
  });
});
