// The fixture's controls over HTTP (TEST_CONTROL=1), as a non-JavaScript test suite would use them,
// and the refusal of the public test key outside a fixture.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { startEmulator } from '../../src/index.js';
import { failingStart, startCli, type RunningCli } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

let dir: string;
let cli: RunningCli;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-control-'));
  cli = await startCli({ DATA_DIR: dir, TEST_CONTROL: '1' });
});
afterAll(async () => {
  await cli.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) =>
  fetch(`${cli.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('TEST_CONTROL=1: /_emulator/*', () => {
  it('POST /_emulator/tokens mints a token, and a broken one on request', async () => {
    const ok = await post('/_emulator/tokens', { clientId: 'm2morg_10000000000000001', scopes: ['todo:read'] });
    expect(ok.status).toBe(200);
    const { access_token } = (await ok.json()) as { access_token: string };
    expect(decodeJwt(access_token)).toMatchObject({ sub: 'm2morg_10000000000000001', scopes: ['todo:read'] });
    const expired = (await (await post('/_emulator/tokens', { broken: 'expired' })).json()) as { access_token: string };
    expect(decodeJwt(expired.access_token).exp! * 1000).toBeLessThan(Date.now());
  });

  it('answers 400 invalid_request for an unknown broken kind or field', async () => {
    for (const body of [{ broken: 'melted' }, { colour: 'red' }, { resource: 'res_404' }]) {
      const res = await post('/_emulator/tokens', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('POST /_emulator/clock moves the time of minted tokens', async () => {
    const before = Date.now();
    const res = await post('/_emulator/clock', { advance: '2h' });
    const after = Date.now();
    expect(res.status).toBe(200);
    const { epoch_ms } = (await res.json()) as { epoch_ms: number };
    expect(epoch_ms).toBeGreaterThanOrEqual(before + 2 * 3600_000);
    expect(epoch_ms).toBeLessThanOrEqual(after + 2 * 3600_000);
    const { access_token } = (await (await post('/_emulator/tokens', {})).json()) as { access_token: string };
    expect(decodeJwt(access_token).iat! * 1000).toBeGreaterThan(Date.now() + 3600_000);
    expect((await post('/_emulator/clock', { advance: 'later' })).status).toBe(400);
    await post('/_emulator/clock', { reset: true });
  });

  it('POST /_emulator/faults arms a fault on the running server; POST /_emulator/reset clears it', async () => {
    const armed = await post('/_emulator/faults', { endpoint: '/keys', status: 503, error: 'temporarily_unavailable', times: 1 });
    expect(armed.status).toBe(201);
    expect([(await fetch(`${cli.url}/keys`)).status, (await fetch(`${cli.url}/keys`)).status]).toEqual([503, 200]);
    await post('/_emulator/faults', { endpoint: '/keys', status: 500 });
    expect((await post('/_emulator/reset', {})).status).toBe(200);
    expect(await (await fetch(`${cli.url}/_emulator/faults`)).json()).toEqual({ faults: [] });
    expect((await fetch(`${cli.url}/keys`)).status).toBe(200);
  });

  it('GET /_emulator/requests lists requests; POST /_emulator/reset clears them', async () => {
    await fetch(`${cli.url}/keys`);
    const list = (await (await fetch(`${cli.url}/_emulator/requests`)).json()) as { requests: { path: string }[] };
    expect(list.requests.map((r) => r.path)).toContain('/keys');
    expect((await post('/_emulator/reset', {})).status).toBe(200);
    const after = (await (await fetch(`${cli.url}/_emulator/requests`)).json()) as { requests: { path: string }[] };
    expect(after.requests.map((r) => r.path)).toEqual(['/_emulator/requests']);
  });
});

describe('without TEST_CONTROL', () => {
  it('serves no /_emulator/* route', async () => {
    const plain = await startCli({ DATA_DIR: join(dir, 'plain') });
    try {
      expect((await fetch(`${plain.url}/_emulator/requests`)).status).toBe(404);
      expect((await fetch(`${plain.url}/_emulator/tokens`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${plain.url}/_emulator/faults`)).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });

  it('refuses to start on a database that holds the fixture test key', async () => {
    const file = join(dir, 'fixture-db');
    const em = await startEmulator({ keys: 'fixed', database: join(file, 'emulator.sqlite') });
    await em.close();
    const { code, output } = await failingStart({ DATA_DIR: file });
    expect(code).toBe(2);
    expect(output).toBe(
      `DATA_DIR ${file}: the database holds the public test signing key of a fixture; refusing to sign with it outside a fixture\n`,
    );
  });

  it('buildApp refuses keys: fixed unless the caller is a fixture', async () => {
    const config = loadConfig({ PORT: '0', DATA_DIR: join(dir, 'refuse') });
    await expect(buildApp(config, { logger: createLogger('silent'), keys: 'fixed' })).rejects.toThrow(/public test signing key/);
  });
});

describe('TEST_CONTROL_TOKEN', () => {
  const TOKEN = 'a-test-control-token-0123456789';
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('is required to start TEST_CONTROL=1 on a HOST that is not loopback: exit 2 naming the variables', async () => {
    const { code, output } = await failingStart({ DATA_DIR: join(dir, 'exposed'), TEST_CONTROL: '1', HOST: '0.0.0.0' });
    expect(code).toBe(2);
    expect(output).toContain('TEST_CONTROL=1 with HOST=0.0.0.0');
    expect(output).toContain('set TEST_CONTROL_TOKEN');
  });

  it('then guards /_emulator/*: 401 invalid_token without it or with another, 200 with it', async () => {
    const exposed = await startCli({ DATA_DIR: join(dir, 'guarded'), TEST_CONTROL: '1', HOST: '0.0.0.0', TEST_CONTROL_TOKEN: TOKEN });
    const url = exposed.url.replace('localhost', '127.0.0.1');
    try {
      for (const headers of [{}, bearer('another-token-0123456789abcdef'), { authorization: `Basic ${TOKEN}` }]) {
        const res = await fetch(`${url}/_emulator/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="test controls"');
        expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'the test controls require Authorization: Bearer <TEST_CONTROL_TOKEN>' });
      }
      const ok = await fetch(`${url}/_emulator/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(TOKEN) }, body: '{}' });
      expect(ok.status).toBe(200);
      expect((await fetch(`${url}/_emulator/requests`, { headers: bearer(TOKEN) })).status).toBe(200);
      expect((await fetch(`${url}/keys`)).status).toBe(200); // the rest of the server needs no token
    } finally {
      await exposed.stop();
    }
  });

  it('is required whenever it is set, on a loopback HOST too', async () => {
    const server = await startTestServer({ env: { TEST_CONTROL: '1', TEST_CONTROL_TOKEN: TOKEN } });
    try {
      expect((await fetch(`${server.url}/_emulator/requests`)).status).toBe(401);
      expect((await fetch(`${server.url}/_emulator/requests`, { headers: bearer(TOKEN) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('is required by the fixture too for httpControls on a host that is not loopback', async () => {
    const start = startEmulator({ keys: 'fixed', host: '0.0.0.0', httpControls: true });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/TEST_CONTROL=1 with HOST=0\.0\.0\.0 .*set TEST_CONTROL_TOKEN/);
  });
});
