// Limits on wrong sign-in attempts (codes, passwords, dashboard credentials): a few per account, more
// per IP address, within a sliding window. The counts live in the app's store, so replicas of one
// database share them and two emulators in one process (two stores) never do. Accounts that do not
// exist are counted the same way as those that do.
import { createSlidingWindow } from '../server/sliding-window.js';
import type { LimitEventRepository } from '../store/limit-events.js';

export interface AttemptKeys {
  /** The account tried: an email (any case), or e.g. 'dashboard'. */
  account: string;
  ip: string;
}

export interface AttemptLimits {
  /** When these keys may try again (epoch ms), or undefined when they may now. */
  retryAt(keys: AttemptKeys): Promise<number | undefined>;
  /** Counts a wrong attempt against the account and the IP. */
  failed(keys: AttemptKeys): Promise<void>;
  /** A right answer forgives the account's earlier wrong ones (not the IP's). */
  succeeded(keys: AttemptKeys): Promise<void>;
  /** Forgets every wrong attempt (a fixture's reset). */
  clear(): Promise<void>;
}

export interface AttemptRules {
  perAccount: number;
  perIp: number;
  windowMs: number;
}

export const DEFAULT_ATTEMPT_RULES: AttemptRules = { perAccount: 5, perIp: 30, windowMs: 15 * 60_000 };

export function createAttemptLimits(events: LimitEventRepository, clock: () => number, rules: AttemptRules = DEFAULT_ATTEMPT_RULES): AttemptLimits {
  const failures = createSlidingWindow(events, 'attempts', clock, rules.windowMs);
  const accountKey = (keys: AttemptKeys) => `account:${keys.account.trim().toLowerCase()}`;
  const ipKey = (keys: AttemptKeys) => `ip:${keys.ip}`;

  return {
    async retryAt(keys) {
      const until = [await failures.blockedUntil(accountKey(keys), rules.perAccount), await failures.blockedUntil(ipKey(keys), rules.perIp)].filter((t) => t !== undefined);
      return until.length > 0 ? Math.max(...until) : undefined;
    },
    async failed(keys) {
      await failures.add(accountKey(keys));
      await failures.add(ipKey(keys));
    },
    succeeded: (keys) => failures.forget(accountKey(keys)),
    clear: () => failures.clear(),
  };
}
