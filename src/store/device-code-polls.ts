// How devices poll the token endpoint with their device codes (RFC 8628 §3.5): when each last asked
// while the person had not answered yet, and the interval it must keep. The pacing rule is the caller's
// (oidc/device-polling.ts); this records a poll and applies it in one statement, so two polls at once
// cannot both pass. Keyed by a digest of the device code; a row goes once its device code's storage has.
import type { Db } from './database.js';

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

export function sqliteDeviceCodePolls(db: Db): DeviceCodePollRepository {
  const upsert = db.prepare<Record<string, unknown>, Row>(
    `INSERT INTO device_code_polls (ns, device_code_hash, polled_at, interval_seconds, slowed_down, expires_at)
     VALUES (@ns, @hash, @now, @interval, 0, @expiresAt)
     ON CONFLICT (ns, device_code_hash) DO UPDATE SET
       slowed_down = (@now - polled_at < interval_seconds * 1000 - @slack),
       interval_seconds = interval_seconds + CASE WHEN @now - polled_at < interval_seconds * 1000 - @slack THEN @step ELSE 0 END,
       polled_at = @now
     RETURNING slowed_down, interval_seconds`,
  );
  const sweep = db.prepare('DELETE FROM device_code_polls WHERE expires_at <= ?');
  return {
    async record(ns, hash, now, expiresAt, rules) {
      sweep.run(Math.floor(now / 1000));
      const row = upsert.get({ ns, hash, now, expiresAt, interval: rules.intervalSeconds, step: rules.stepSeconds, slack: rules.slackMs })!;
      return { slowDown: row.slowed_down === 1, intervalSeconds: row.interval_seconds };
    },
  };
}
