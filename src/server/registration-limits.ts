// The open registration endpoint's limit (REGISTRATION_RATE_LIMIT): so many registrations per address
// per hour, so that anyone who can reach the port cannot fill the disk with clients. The count lives in
// the app's store (replicas of one database share it; cleared by a fixture's reset). An IPv6 address
// counts by its /64 prefix, which one host commonly holds whole.
import { isIP } from 'node:net';
import type { LimitEventRepository } from '../store/limit-events.js';
import { createSlidingWindow } from './sliding-window.js';

export interface RegistrationLimits {
  /** When registrations from `address` may go on (epoch ms), or undefined when they may now. */
  retryAt(address: string): Promise<number | undefined>;
  /** Counts one registration from `address`. */
  registered(address: string): Promise<void>;
  /** Forgets every count (a fixture's reset). */
  clear(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** `perHour` 0: no limit. */
export function createRegistrationLimits(events: LimitEventRepository, clock: () => number, perHour: number): RegistrationLimits {
  if (perHour === 0) return { retryAt: async () => undefined, registered: async () => undefined, clear: async () => undefined };
  const registrations = createSlidingWindow(events, 'registrations', clock, HOUR_MS);
  return {
    retryAt: (address) => registrations.blockedUntil(addressKey(address), perHour),
    registered: (address) => registrations.add(addressKey(address)),
    clear: () => registrations.clear(),
  };
}

/** The key an address is counted under: IPv4 as it is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(address: string): string {
  const plain = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return mapped[1]!;
  if (isIP(plain) !== 6) return plain;
  const [head, tail] = plain.toLowerCase().split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
