// The rows behind RFC 8628 §3.5's slow_down, on each engine (engines.ts): one per device code (its digest)
// and issuer, the time of the last pending poll and the interval asked, raised by the step at each poll
// that came too soon (of two polls at once, also from two stores on one database, one is too soon); rows
// go once they expire.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { ENGINES, storePerTest } from './engines.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const RULES = { intervalSeconds: 5, stepSeconds: 5, slackMs: 500 };
const EXPIRES = T0 / 1000 + 3600;

describe.each(ENGINES)('on $name', (engine) => {
const engineStore = storePerTest(engine, () => T0);
const rows = (sql: string) => engineStore.raw.all<Record<string, unknown>>(sql);

const poll = (at: number, ns = 'res_1', hash = 'a'.repeat(64), expiresAt = EXPIRES, by: Store = engineStore.store) => by.deviceCodePolls.record(ns, hash, at, expiresAt, RULES);

describe('device_code_polls', () => {
  it('the first poll is on time and asks the rule’s interval; the row keeps the digest it was given', async () => {
    expect(await poll(T0)).toEqual({ slowDown: false, intervalSeconds: 5 });
    expect(await rows('SELECT * FROM device_code_polls')).toEqual([
      { ns: 'res_1', device_code_hash: 'a'.repeat(64), polled_at: T0, interval_seconds: 5, slowed_down: 0, expires_at: EXPIRES },
    ]);
  });

  it('a poll sooner than the interval (less the slack) slows down and raises the interval by the step, from that poll on', async () => {
    await poll(T0);
    expect(await poll(T0 + 4_499)).toEqual({ slowDown: true, intervalSeconds: 10 });
    expect(await poll(T0 + 4_499 + 9_500)).toEqual({ slowDown: false, intervalSeconds: 10 });
    expect(await poll(T0 + 4_499 + 9_500 + 9_499)).toEqual({ slowDown: true, intervalSeconds: 15 });
    expect(await rows('SELECT polled_at, interval_seconds, slowed_down FROM device_code_polls')).toEqual([
      { polled_at: T0 + 4_499 + 9_500 + 9_499, interval_seconds: 15, slowed_down: 1 },
    ]);
  });

  it('a poll within the slack of the interval is on time', async () => {
    await poll(T0);
    expect(await poll(T0 + 4_500)).toEqual({ slowDown: false, intervalSeconds: 5 });
  });

  it('counts each device code, and each issuer, apart', async () => {
    await poll(T0);
    expect(await poll(T0 + 1, 'res_1', 'b'.repeat(64))).toEqual({ slowDown: false, intervalSeconds: 5 });
    expect(await poll(T0 + 1, 'env')).toEqual({ slowDown: false, intervalSeconds: 5 });
  });

  it('of polls on time at once, from two stores on one database, lets one pass and slows each other down', async () => {
    const other = await engineStore.replica();
    await poll(T0);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => poll(T0 + 5_000, 'res_1', 'a'.repeat(64), EXPIRES, i % 2 === 0 ? engineStore.store : other)));
    expect(answers.filter((a) => !a.slowDown)).toEqual([{ slowDown: false, intervalSeconds: 5 }]);
    // Each one too soon raised the interval once more, as one after another would have.
    expect(answers.map((a) => a.intervalSeconds).sort((a, b) => a - b)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
  });

  it('drops rows whose time is up when the next poll is recorded', async () => {
    await poll(T0, 'res_1', 'a'.repeat(64), T0 / 1000 + 10);
    await poll(T0 + 10_000, 'res_1', 'b'.repeat(64));
    expect(await rows('SELECT device_code_hash FROM device_code_polls')).toEqual([{ device_code_hash: 'b'.repeat(64) }]);
  });
});
});
