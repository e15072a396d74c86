// Faults from the fixture: the emulator answers an endpoint with an OAuth error N times, waits, or holds
// requests until released; reset() and clear() end them; a fault stays in its own emulator. Waits are
// observed through waitForRequest and the fault's own counts, never by sleeping.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlInputError, startEmulator, type Emulator } from '../../src/index.js';

const AGENT = 'm2morg_10000000000000001';
const RES = 'res_10000000000000001';

let em: Emulator;
beforeAll(async () => {
  em = await startEmulator({ keys: 'fixed' });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

const tokenAt = (target: Emulator, path = '/oauth/token') =>
  fetch(target.url + path, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: AGENT, client_secret: target.clientSecret(AGENT) }),
  });
const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

describe('fail: the next N requests get a status and an OAuth error', () => {
  it('answers the token endpoint 503 temporarily_unavailable twice, then issues tokens again', async () => {
    const fault = em.faults.fail('/oauth/token', { status: 503, error: 'temporarily_unavailable', times: 2 });
    const first = await tokenAt(em);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(await answer(first)).toEqual({ status: 503, body: { error: 'temporarily_unavailable', error_description: `fault ${fault.id} armed by a test` } });
    expect((await tokenAt(em)).status).toBe(503);
    const third = await answer(await tokenAt(em));
    expect(third.status).toBe(200);
    expect(third.body.access_token).toEqual(expect.any(String));
    expect([fault.fired, fault.remaining]).toEqual([2, 0]);
    expect(em.requests().filter((r) => r.path === '/oauth/token').map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('defaults to 503, sends Retry-After when asked, and fails every request until cleared without times', async () => {
    const fault = em.faults.fail('/oauth/token', { retryAfter: 7, errorDescription: 'maintenance window' });
    for (let i = 0; i < 3; i++) {
      const res = await tokenAt(em);
      expect([res.status, res.headers.get('retry-after')]).toEqual([503, '7']);
      expect(await res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'maintenance window' });
    }
    expect([fault.fired, fault.remaining]).toEqual([3, null]);
    fault.clear();
    expect((await tokenAt(em)).status).toBe(200);
    expect(em.faults.list()).toEqual([]);
  });

  it('takes a 4xx with the error named, e.g. invalid_client for a rejected secret', async () => {
    em.faults.fail('/oauth/token', { status: 401, error: 'invalid_client', times: 1 });
    expect(await answer(await tokenAt(em))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('targets one issuer: a fault on an MCP server’s token endpoint leaves the environment’s alone', async () => {
    const fault = em.faults.fail(`/resources/${RES}/oauth/token`, { times: 1 });
    expect((await tokenAt(em)).status).toBe(200);
    expect((await tokenAt(em, `/resources/${RES}/oauth/token`)).status).toBe(503);
    expect(fault.fired).toBe(1);
  });

  it('fails discovery and /keys too, and a query string does not hide the path', async () => {
    em.faults.fail('/.well-known/oauth-authorization-server', { status: 500, times: 1 });
    em.faults.fail('/keys', { status: 500, times: 1 });
    expect(await answer(await fetch(`${em.url}/.well-known/oauth-authorization-server`))).toEqual({
      status: 500,
      body: { error: 'server_error', error_description: 'fault fault_1 armed by a test' },
    });
    expect((await fetch(`${em.url}/keys?x=1`)).status).toBe(500);
    expect((await fetch(`${em.url}/keys`)).status).toBe(200);
  });
});

describe('delay and stall', () => {
  it('delays /keys by the given milliseconds, then answers as usual', async () => {
    const fault = em.faults.delay('/keys', 150, { times: 1 });
    const started = performance.now();
    const res = await fetch(em.urls.keys);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { keys: unknown[] }).keys).toHaveLength(1);
    expect(fault.fired).toBe(1);
  });

  it('delays, then fails, when both are asked', async () => {
    em.faults.fail('/oauth/token', { delayMs: 50, times: 1 });
    const started = performance.now();
    expect((await tokenAt(em)).status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('holds /keys until released; the held request then gets its answer', async () => {
    const fault = em.faults.stall('/keys');
    const pending = fetch(em.urls.keys);
    const seen = await em.waitForRequest((r) => r.path === '/keys');
    expect(seen.status).toBeUndefined(); // arrived, not answered
    expect(fault.held).toBe(1);
    fault.release();
    expect((await pending).status).toBe(200);
    expect([fault.held, fault.fired, fault.remaining]).toEqual([0, 1, 0]);
    expect((await fetch(em.urls.keys)).status).toBe(200); // released: no longer stalling
  });

  it('lets held requests go on at reset(), which clears every fault', async () => {
    em.faults.stall('/oauth/token');
    em.faults.fail('/keys');
    const pending = tokenAt(em);
    await em.waitForRequest((r) => r.path === '/oauth/token');
    await em.reset();
    expect((await pending).status).toBe(200);
    expect(em.faults.list()).toEqual([]);
    expect((await fetch(em.urls.keys)).status).toBe(200);
  });

  it('lets a held request go when its emulator closes', async () => {
    const other = await startEmulator({ keys: 'fixed' });
    other.faults.stall('/keys');
    const pending = fetch(other.urls.keys).then((r) => r.status, () => 'cut');
    await other.waitForRequest((r) => r.path === '/keys');
    await other.close();
    expect(await pending).toBe(200);
  });
});

describe('bad input: a ControlInputError naming the field, and nothing armed', () => {
  it.each([
    [() => em.faults.fail('/oauth/tokn'), /^endpoint: \/oauth\/tokn is not an endpoint a fault can target; one of \/oauth\/token, /],
    [() => em.faults.fail('/resources/res_99999999999999999/oauth/token'), /^endpoint: there is no MCP server res_99999999999999999 in this emulator$/],
    [() => em.faults.fail('/oauth/token', { times: -2 }), /^times: must be 1 or more$/],
    [() => em.faults.fail('/oauth/token', { times: 1.5 }), /^times: must be a whole number$/],
    [() => em.faults.delay('/keys', -1), /^delay_ms: must be 0 or more$/],
    [() => em.faults.fail('/oauth/token', { status: 302 }), /^status: must be 400 or more$/],
    [() => em.faults.fail('/oauth/token', { status: 400 }), /^error: is required with a 4xx status/],
    [() => em.faults.fail('/oauth/token', { error: 'bad "quote"' }), /^error: must be an OAuth error code/],
  ])('%#: %s', (arm, message) => {
    expect(arm).toThrow(ControlInputError);
    expect(arm).toThrow(message);
    expect(em.faults.list()).toEqual([]);
  });
});

describe('isolation', () => {
  it('a fault never reaches another emulator in the same process', async () => {
    const other = await startEmulator({ keys: 'fixed' });
    try {
      em.faults.fail('/oauth/token');
      expect((await tokenAt(other)).status).toBe(200);
      expect((await tokenAt(em)).status).toBe(503);
      expect(other.faults.list()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
