// Limits on wrong sign-in attempts (codes, passwords, dashboard credentials): a few per account, more
// per IP address, within a sliding window. State lives in this object, one per app, so two emulators in
// one process never share it. Accounts that do not exist are counted the same way as those that do.

export interface AttemptKeys {
  /** The account tried: an email (any case), or e.g. 'dashboard'. */
  account: string;
  ip: string;
}

export interface AttemptLimits {
  /** When these keys may try again (epoch ms), or undefined when they may now. */
  retryAt(keys: AttemptKeys): number | undefined;
  /** Counts a wrong attempt against the account and the IP. */
  failed(keys: AttemptKeys): void;
  /** A right answer forgives the account's earlier wrong ones (not the IP's). */
  succeeded(keys: AttemptKeys): void;
  /** Forgets every wrong attempt (a fixture's reset). */
  clear(): void;
}

export interface AttemptRules {
  perAccount: number;
  perIp: number;
  windowMs: number;
}

export const DEFAULT_ATTEMPT_RULES: AttemptRules = { perAccount: 5, perIp: 30, windowMs: 15 * 60_000 };

// Failures are kept per key for one window; beyond this many keys the oldest are forgotten, so a
// flood of made-up accounts cannot grow the map without bound.
const MAX_KEYS = 10_000;

export function createAttemptLimits(clock: () => number, rules: AttemptRules = DEFAULT_ATTEMPT_RULES): AttemptLimits {
  const failures = new Map<string, number[]>();
  const accountKey = (keys: AttemptKeys) => `account:${keys.account.trim().toLowerCase()}`;
  const ipKey = (keys: AttemptKeys) => `ip:${keys.ip}`;

  const recent = (key: string, now: number): number[] => {
    const times = (failures.get(key) ?? []).filter((t) => t > now - rules.windowMs);
    if (times.length === 0) failures.delete(key);
    else failures.set(key, times);
    return times;
  };
  // Blocked from the limit-th failure until the oldest counted failure leaves the window.
  const blockedUntil = (key: string, limit: number, now: number): number | undefined => {
    const times = recent(key, now);
    return times.length >= limit ? times[times.length - limit]! + rules.windowMs : undefined;
  };

  return {
    retryAt(keys) {
      const now = clock();
      const until = [blockedUntil(accountKey(keys), rules.perAccount, now), blockedUntil(ipKey(keys), rules.perIp, now)].filter((t) => t !== undefined);
      return until.length > 0 ? Math.max(...until) : undefined;
    },
    failed(keys) {
      const now = clock();
      for (const key of [accountKey(keys), ipKey(keys)]) {
        const times = recent(key, now);
        failures.delete(key); // re-inserted last: the map's order is the order keys were last used
        failures.set(key, [...times, now]);
      }
      while (failures.size > MAX_KEYS) failures.delete(failures.keys().next().value!);
    },
    succeeded(keys) {
      failures.delete(accountKey(keys));
    },
    clear: () => failures.clear(),
  };
}
