// Every token a client received has its audit row, even if the server is killed (kill -9) right after
// answering: the token response waits for the group commit that holds its row.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { AGENT, decodeJwt, TEST_SEED, tokenRequest } from '../helpers/server.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-audit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('issued_tokens and kill -9', () => {
  it('a token is answered only once its row is committed, so a kill right after the answer loses no row', async () => {
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(TEST_SEED));
    const cli = await startCli({ DATA_DIR: join(dir, 'data'), SEED: join(dir, 'seed.json'), LOG_LEVEL: 'warn' });
    const database = join(dir, 'data', 'emulator.sqlite');

    // Another process's write transaction holds SQLite's write lock: for now the server cannot commit.
    const blocker = new Database(database);
    blocker.exec('BEGIN IMMEDIATE');
    const answer = tokenRequest(cli.url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret }).then(async (res) => {
      const body = (await res.json()) as { access_token: string };
      await cli.kill('SIGKILL'); // the harshest moment: right after the client has its token
      return { status: res.status, jti: decodeJwt(body.access_token).payload.jti as string };
    });
    await Promise.race([answer, sleep(500)]);
    blocker.exec('COMMIT');
    blocker.close();

    const { status, jti } = await answer;
    expect(status).toBe(200);
    const db = new Database(database, { readonly: true });
    const row = db.prepare('SELECT jti, grant_type, client_id FROM issued_tokens WHERE jti = ?').get(jti);
    db.close();
    expect(row).toEqual({ jti, grant_type: 'client_credentials', client_id: AGENT.id });
  });
});
