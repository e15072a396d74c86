// `start` with DATABASE_URL: migrates the database, serves, says where its data is without the
// password; an unreachable or refusing server stops the start with exit 2 naming DATABASE_URL (its
// password hidden); two processes on one database both serve, with one signing key and one
// environment client. Needs a PostgreSQL server; skipped without.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failingStart, startCli, type RunningCli } from '../helpers/cli.js';
import { freshPostgresDatabase, postgresServer, rawDatabase, type FreshDatabase } from '../helpers/databases.js';
import { decodeJwt, tokenRequest } from '../helpers/server.js';

const PASSWORD = 'not-a-real-password-9f3c';

/** The URL with a password in it (the test server trusts local connections, so any password passes). */
const withPassword = (url: string) => {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.href;
};

const kidOf = async (url: string) => ((await (await fetch(`${url}/keys`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;

describe.skipIf(!postgresServer())('start with DATABASE_URL', () => {
  let dir: string;
  let database: FreshDatabase;
  let running: RunningCli[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-cli-pg-'));
    database = await freshPostgresDatabase();
  });
  afterEach(async () => {
    await Promise.all(running.map((cli) => cli.stop()));
    running = [];
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from PostgreSQL: the demo seed, a token, and a banner naming the database without its password', async () => {
    const cli = await startCli({ DATA_DIR: join(dir, 'data'), DATABASE_URL: withPassword(database.url), LOG_LEVEL: 'info' });
    running.push(cli);
    const hidden = new URL(database.url);
    hidden.password = '***';
    expect(cli.output()).toContain(`Database: PostgreSQL at ${hidden.href}`);
    await vi.waitFor(() => expect(cli.output()).toContain('"msg":"started"'), { timeout: 10_000, interval: 20 }); // logged after the banner
    expect(cli.output()).toContain(`"database":"${hidden.href}"`);
    expect(cli.output()).not.toContain(PASSWORD);
    const secret = /m2morg_10000000000000001\s+client_secret\s+(\S+)/.exec(cli.output())![1]!;
    const res = await tokenRequest(cli.url, { grant_type: 'client_credentials', client_id: 'm2morg_10000000000000001', client_secret: secret });
    expect(res.status).toBe(200);
    const raw = rawDatabase(database.url);
    try {
      const { jti } = decodeJwt(((await res.json()) as { access_token: string }).access_token).payload;
      expect(await raw.get('SELECT client_id FROM issued_tokens WHERE jti = ?', [jti])).toEqual({ client_id: 'm2morg_10000000000000001' });
    } finally {
      await raw.close();
    }
    expect((await fetch(`${cli.url}/health`)).status).toBe(200);
  });

  it('two processes on one database both serve: one signing key, one environment client, the seed applied once and its client served by both', async () => {
    const first = await startCli({ DATA_DIR: join(dir, 'a'), DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
    running.push(first);
    const second = await startCli({ DATA_DIR: join(dir, 'b'), DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
    running.push(second);
    expect(await kidOf(second.url)).toBe(await kidOf(first.url));
    // The demo seed was applied once, by the first: its secret was shown there only.
    const secret = /m2morg_10000000000000001\s+client_secret\s+(\S+)/.exec(first.output())![1]!;
    for (const url of [first.url, second.url]) {
      const res = await tokenRequest(url, { grant_type: 'client_credentials', client_id: 'm2morg_10000000000000001', client_secret: secret });
      expect(res.status).toBe(200);
    }
    const raw = rawDatabase(database.url);
    try {
      expect(await raw.all("SELECT client_id FROM clients WHERE kind = 'environment'")).toHaveLength(1);
      expect(await raw.all('SELECT kid FROM signing_keys')).toHaveLength(1);
    } finally {
      await raw.close();
    }
  });

  it('a server that refuses the connection: exit 2 naming DATABASE_URL, its password hidden', async () => {
    const url = new URL(withPassword(database.url));
    url.port = '1'; // nothing listens there
    const { code, output } = await failingStart({ DATA_DIR: join(dir, 'data'), DATABASE_URL: url.href });
    expect(code).toBe(2);
    url.password = '***';
    expect(output).toContain(`DATABASE_URL ${url.href}: cannot use the database (ECONNREFUSED`);
    expect(output).not.toContain(PASSWORD);
  });

  it('a database that does not exist: exit 2 naming DATABASE_URL and the server’s reason', async () => {
    const url = new URL(database.url);
    url.pathname = '/no_such_database_here';
    const { code, output } = await failingStart({ DATA_DIR: join(dir, 'data'), DATABASE_URL: url.href });
    expect(code).toBe(2);
    expect(output).toContain(`DATABASE_URL ${url.href}: cannot use the database (3D000: database "no_such_database_here" does not exist)`);
  });

  it('a value that is not a postgres:// URL: exit 2 naming DATABASE_URL', async () => {
    const { code, output } = await failingStart({ DATA_DIR: join(dir, 'data'), DATABASE_URL: 'mysql://localhost/emulator' });
    expect(code).toBe(2);
    expect(output).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  });
});
