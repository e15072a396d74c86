// Events counted per key within a sliding window, in the store (limit_events), so every replica of one
// database counts the same events: what the attempt limits and the registration limit count with.
import type { LimitEventRepository, LimitScope } from '../store/limit-events.js';

export interface SlidingWindow {
  /** When `key` may act again (epoch ms) if `limit` events in the window block it; undefined when it may now. */
  blockedUntil(key: string, limit: number): Promise<number | undefined>;
  /** Counts one event of `key` now. */
  add(key: string): Promise<void>;
  forget(key: string): Promise<void>;
  clear(): Promise<void>;
}

export function createSlidingWindow(events: LimitEventRepository, scope: LimitScope, clock: () => number, windowMs: number): SlidingWindow {
  return {
    // Blocked from the limit-th event until the oldest counted one leaves the window.
    async blockedUntil(key, limit) {
      const newest = await events.recent(scope, key, clock(), limit);
      return newest.length >= limit ? newest[limit - 1]! + windowMs : undefined;
    },
    add(key) {
      const now = clock();
      return events.add(scope, key, now, now + windowMs);
    },
    forget: (key) => events.forget(scope, key),
    clear: () => events.clear(scope),
  };
}
