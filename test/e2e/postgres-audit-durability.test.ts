// PostgreSQL's twin of audit-durability.test.ts: every token a client received has its audit row, even
// when the server is killed (kill -9) right after answering. Another connection holds a lock on
// issued_tokens, so for now the server cannot commit its batch: the token waits for that commit.
// Needs a PostgreSQL server; skipped without.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { freshPostgresDatabase, postgresServer, rawDatabase, type FreshDatabase } from '../helpers/databases.js';
import { AGENT, decodeJwt, TEST_SEED, tokenRequest } from '../helpers/server.js';

describe.skipIf(!postgresServer())('issued_tokens on PostgreSQL and kill -9', () => {
  let dir: string;
  let database: FreshDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-audit-pg-'));
    database = await freshPostgresDatabase();
  });
  afterEach(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a token is answered only once its row is committed, so a kill right after the answer loses no row', async () => {
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(TEST_SEED));
    const cli = await startCli({ DATA_DIR: join(dir, 'data'), SEED: join(dir, 'seed.json'), LOG_LEVEL: 'warn', DATABASE_URL: database.url });

    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE issued_tokens IN EXCLUSIVE MODE'); // inserts wait for it
    let answered = false;
    const answer = tokenRequest(cli.url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret }).then(async (res) => {
      answered = true;
      const body = (await res.json()) as { access_token: string };
      await cli.kill('SIGKILL'); // the harshest moment: right after the client has its token
      return { status: res.status, jti: decodeJwt(body.access_token).payload.jti as string };
    });
    await Promise.race([answer, sleep(500)]);
    expect(answered).toBe(false); // held while the row cannot be committed
    await blocker.query('COMMIT');
    await blocker.end();

    const { status, jti } = await answer;
    expect(status).toBe(200);
    const raw = rawDatabase(database.url);
    try {
      expect(await raw.get('SELECT jti, grant_type, client_id FROM issued_tokens WHERE jti = ?', [jti])).toEqual({ jti, grant_type: 'client_credentials', client_id: AGENT.id });
    } finally {
      await raw.close();
    }
  });
});
