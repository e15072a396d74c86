// Events counted per key within a sliding window, in this process's memory: what the attempt limits
// and the registration limit count with. Beyond `maxKeys` keys the least recently used are forgotten,
// so a flood of made-up keys cannot grow the map without bound.
export interface SlidingWindow {
  /** When `key` may act again (epoch ms) if `limit` events in the window block it; undefined when it may now. */
  blockedUntil(key: string, limit: number): number | undefined;
  /** Counts one event of `key` now. */
  add(key: string): void;
  forget(key: string): void;
  clear(): void;
}

export function createSlidingWindow(clock: () => number, windowMs: number, maxKeys = 10_000): SlidingWindow {
  const events = new Map<string, number[]>();

  const recent = (key: string, now: number): number[] => {
    const times = (events.get(key) ?? []).filter((t) => t > now - windowMs);
    if (times.length === 0) events.delete(key);
    else events.set(key, times);
    return times;
  };

  return {
    // Blocked from the limit-th event until the oldest counted one leaves the window.
    blockedUntil(key, limit) {
      const times = recent(key, clock());
      return times.length >= limit ? times[times.length - limit]! + windowMs : undefined;
    },
    add(key) {
      const now = clock();
      const times = recent(key, now);
      events.delete(key); // re-inserted last: the map's order is the order keys were last used
      events.set(key, [...times, now]);
      while (events.size > maxKeys) events.delete(events.keys().next().value!);
    },
    forget: (key) => void events.delete(key),
    clear: () => events.clear(),
  };
}
