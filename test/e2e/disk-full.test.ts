// A full disk, for real: `npm start`'s DATA_DIR on a small tmpfs mounted here (as root; CI runs as
// root), filled to its last byte while the server runs, then freed. Every write path answers "try again
// later" in its own protocol's shape, reads go on, /health names the cause, the process keeps running
// (the background writes that used to kill it from a timer fail quietly and try again), no token is
// answered without its audit row, and service resumes by itself once there is room.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageProblem } from '../../src/store/storage-failure.js';
import { isRunning, startCli, type RunningCli } from '../helpers/cli.js';
import { ada, authorize, exchange, register, type TokenSet } from '../helpers/code-flow.js';
import { FormSteps, headingOf } from '../helpers/form-steps.js';
import { environmentToken, grpcClients, rejectionOf, restCaller } from '../helpers/management.js';
import { AGENT, basic, decodeJwt, ENV_CLIENT, postForm, TEST_SEED, tokenRequest } from '../helpers/server.js';

const RES = 'res_20000000000000001';
const FULL = storageProblem('SQLITE_FULL');

let dir: string;
let mountPoint: string;
let cannotMount: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-disk-full-'));
  mountPoint = join(dir, 'disk');
  mkdirSync(mountPoint);
  if (process.getuid?.() !== 0) {
    cannotMount = 'mounting a tmpfs needs root (CI runs as root)';
    return;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    cannotMount = `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
});

afterAll(() => {
  if (!cannotMount) execFileSync('umount', ['-l', mountPoint]);
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a file until the disk refuses even one more byte; returns its path. */
function fillDisk(folder: string): string {
  const path = join(folder, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (let size = 1 << 20; size >= 1; size >>= 1) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Waits (polling, bounded by the test's timeout) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(50);
}

describe('a full disk under DATA_DIR', () => {
  let cli: RunningCli | undefined;
  afterAll(async () => {
    await cli?.stop();
  });

  it('every write path answers 503 in its own shape, /health names the cause, nothing exits or is lost, and service resumes once there is room', { timeout: 90_000 }, async (ctx) => {
    if (cannotMount) ctx.skip(cannotMount);
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify(TEST_SEED));
    const data = join(mountPoint, 'data');
    cli = await startCli({
      DATA_DIR: data,
      SEED: seed,
      SCALEKIT_CLIENT_ID: ENV_CLIENT.id,
      SCALEKIT_CLIENT_SECRET: ENV_CLIENT.secret,
      LOG_LEVEL: 'warn',
      REGISTRATION_RATE_LIMIT: '0',
    });
    const url = cli.url;
    const issuer = `${url}/resources/${RES}`;
    const answered: string[] = []; // the jti of every token a client received
    const clientCredentials = () => tokenRequest(url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret });

    // Before: a token, a management token, a registered host with a code not yet exchanged, a dashboard session.
    const before = (await (await clientCredentials()).json()) as { access_token: string };
    answered.push(decodeJwt(before.access_token).payload.jti as string);
    const managementToken = await environmentToken(url);
    answered.push(decodeJwt(managementToken).payload.jti as string);
    const api = restCaller(url, managementToken);
    const grpc = grpcClients(url, managementToken);
    const host = ((await (await register(url, RES, { client_name: 'Host' })).json()) as { client_id: string }).client_id;
    const grant = await authorize(issuer, host, ada);
    const dashboard = new FormSteps();
    await dashboard.open(`${url}/dashboard/sign-in`);
    await dashboard.submit('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
    await dashboard.open(`${url}/dashboard/organizations`);

    // The write-ahead log emptied into the database, so the next write must grow a file; then no room at all.
    const database = join(data, 'emulator.sqlite');
    const checkpoint = new Database(database);
    expect(checkpoint.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
    checkpoint.close();
    const filler = fillDisk(mountPoint);

    // OAuth: token (our client-credentials path, and the provider's code exchange), revocation, registration.
    const token = await clientCredentials();
    expect(token.status).toBe(503);
    expect(token.headers.get('retry-after')).toBe('30');
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(await token.json()).toEqual({ error: 'temporarily_unavailable', error_description: FULL });
    const exchanged = await exchange(issuer, host, grant);
    expect(exchanged.status).toBe(503);
    expect(exchanged.headers.get('retry-after')).toBe('30');
    expect(await exchanged.json()).toEqual({ error: 'temporarily_unavailable', error_description: FULL });
    const revoked = await postForm(url, '/oauth/revoke', { token: before.access_token }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect(revoked.status).toBe(503);
    expect(revoked.headers.get('retry-after')).toBe('30');
    expect(await revoked.json()).toEqual({ error: 'temporarily_unavailable', error_description: FULL });
    const registered = await register(url, RES, { client_name: 'Too late' });
    expect(registered.status).toBe(503);
    expect(registered.headers.get('retry-after')).toBe('30');
    expect(await registered.json()).toEqual({ error: 'temporarily_unavailable', error_description: FULL });
    // Reads go on: introspection still knows the token issued before.
    const introspected = await postForm(url, '/oauth/introspect', { token: before.access_token }, { authorization: basic(AGENT.id, AGENT.secret) });
    expect(((await introspected.json()) as { active: boolean }).active).toBe(true);

    // Management: Scalekit's REST error JSON, gRPC UNAVAILABLE; the dashboard a readable page.
    const rest = await api('POST', '/organizations/org_20000000000000001/clients', { name: 'Too late' });
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('30');
    expect(rest.body).toEqual({ code: 14, message: FULL, details: [{ '@type': 'type.googleapis.com/scalekit.v1.errdetails.ErrorInfo', error_code: 'UNAVAILABLE' }] });
    const rpc = await rejectionOf(grpc.clients.createOrganizationClient({ organizationId: 'org_20000000000000001', client: { name: 'Too late' } }), ConnectError);
    expect(rpc.code).toBe(Code.Unavailable);
    expect(rpc.rawMessage).toBe(FULL);
    const page = await dashboard.post('/dashboard/organizations', { display_name: 'Too late' });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('30');
    const html = await page.text();
    expect(headingOf(html)).toBe('The emulator cannot save anything right now');
    expect(html).toContain('Its disk is full (SQLITE_FULL), so nothing was changed.');

    // /health names the cause.
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable', database: 'unavailable', keys: 1, cause: FULL });

    // The background write of the secret's last use (1 s after the refused token) fails and is kept; the process runs on.
    await until(() => cli!.output().includes('a background write failed; it is kept and tried again'));
    expect(cli.output()).toContain('"what":"client secret last-used times"');
    expect(isRunning(cli.pid)).toBe(true);

    // Room again: everything resumes by itself, the same code included (its failed exchange consumed nothing).
    unlinkSync(filler);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const after = await clientCredentials();
    expect(after.status).toBe(200);
    answered.push(decodeJwt(((await after.json()) as { access_token: string }).access_token).payload.jti as string);
    const retried = await exchange(issuer, host, grant);
    expect(retried.status).toBe(200);
    answered.push(decodeJwt(((await retried.json()) as TokenSet).access_token).payload.jti as string);
    expect((await register(url, RES, { client_name: 'After' })).status).toBe(201);
    expect((await api('POST', '/organizations/org_20000000000000001/clients', { name: 'After' })).status).toBe(201);
    expect((await dashboard.post('/dashboard/organizations', { display_name: 'After' })).status).toBe(303);
    expect(isRunning(cli.pid)).toBe(true);

    // Nothing committed was lost and nothing half-written stayed: every answered token has its row, no refused write left one.
    const db = new Database(database, { readonly: true });
    const rows = db.prepare('SELECT jti FROM issued_tokens').pluck().all() as string[];
    const names = db.prepare("SELECT name FROM clients WHERE name IN ('Too late', 'After') ORDER BY name").pluck().all();
    const orgs = db.prepare("SELECT display_name FROM organizations WHERE display_name IN ('Too late', 'After')").pluck().all();
    db.close();
    for (const jti of answered) expect(rows).toContain(jti);
    expect(names).toEqual(['After', 'After']);
    expect(orgs).toEqual(['After']);
    expect(await cli.stop()).toBe(0);
    cli = undefined;
  });
});
