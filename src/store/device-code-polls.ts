// How devices poll the token endpoint with their device codes (RFC 8628 §3.5): when each last asked
// while the person had not answered yet, and the interval it must keep. The pacing rule is the caller's
// (oidc/device-polling.ts); this records a poll and applies it in one statement (INSERT … ON CONFLICT DO
// UPDATE, which locks the row), so two polls at once, here or on another replica, cannot both pass: the
// second sees the first's time. Keyed by a digest of the device code; a row goes once its device code's
// storage has.
import type { Scope } from './scope.js';

export interface DevicePollRules {
  /** The interval a device is first asked to keep, in seconds (the device authorization's `interval`). */
  intervalSeconds: number;
  /** What a poll that came too soon adds to the interval, in seconds. */
  stepSeconds: number;
  /** How much sooner than the interval a poll may come and still count as on time (timers and networks jitter). */
  slackMs: number;
}

export interface DevicePoll {
  /** The poll came sooner than the interval asked: answer slow_down. */
  slowDown: boolean;
  /** The interval now asked of the device, in seconds. */
  intervalSeconds: number;
}

export interface DeviceCodePollRepository {
  /**
   * Records a poll at `now` (epoch ms) of the device code with this digest; `expiresAt` (epoch s) is when
   * the row may go. A poll sooner than the interval raises the interval by the step.
   */
  record(ns: string, deviceCodeHash: string, now: number, expiresAt: number, rules: DevicePollRules): Promise<DevicePoll>;
}

interface Row {
  slowed_down: number;
  interval_seconds: number;
}

// Too soon: sooner after the last pending poll than the interval asked, less the slack. The SET
// expressions all read the row as it was; `excluded` is this poll.
const TOO_SOON = 'excluded.polled_at - device_code_polls.polled_at < device_code_polls.interval_seconds * 1000 - ?';
const UPSERT = `INSERT INTO device_code_polls (ns, device_code_hash, polled_at, interval_seconds, slowed_down, expires_at)
  VALUES (?, ?, ?, ?, 0, ?)
  ON CONFLICT (ns, device_code_hash) DO UPDATE SET
    slowed_down = CASE WHEN ${TOO_SOON} THEN 1 ELSE 0 END,
    interval_seconds = device_code_polls.interval_seconds + CASE WHEN ${TOO_SOON} THEN ? ELSE 0 END,
    polled_at = excluded.polled_at
  RETURNING slowed_down, interval_seconds`;
const SWEEP = 'DELETE FROM device_code_polls WHERE expires_at <= ?';

export function deviceCodePollRepository(scope: Scope): DeviceCodePollRepository {
  const { sql } = scope;
  return {
    async record(ns, hash, now, expiresAt, rules) {
      await sql.run(SWEEP, [Math.floor(now / 1000)]);
      const row = await sql.get<Row>(UPSERT, [ns, hash, now, rules.intervalSeconds, expiresAt, rules.slackMs, rules.slackMs, rules.stepSeconds]);
      return { slowDown: row!.slowed_down === 1, intervalSeconds: row!.interval_seconds };
    },
  };
}
