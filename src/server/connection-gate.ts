// Admission of every accepted connection, before a byte of it is read: a cap on connections open at
// once and another per client address, counting HTTP/1.1 and HTTP/2 alike (the protocol is sniffed
// later, h2c.ts). Node's server.maxConnections counts one server only and knows no addresses, so one
// client could take every slot.
import { isIP, type Server, type Socket } from 'node:net';
import type { HttpLimits } from './http-limits.js';
import { unmapped, type ProxyTrust } from './trusted-proxies.js';

export interface ConnectionGate {
  /** Counts `socket` until it closes, or destroys it at once when a cap is reached (then false). */
  admit(socket: Socket): boolean;
  /** Admits each connection `server` accepts before its other 'connection' listeners see it. */
  guard(server: Server): void;
  /** Connections open now. */
  open(): number;
}

/** A trusted proxy (TRUST_PROXY) carries many clients: it counts towards the total only. */
export function connectionGate(limits: Pick<HttpLimits, 'maxConnections' | 'maxConnectionsPerAddress'>, proxy: ProxyTrust): ConnectionGate {
  let open = 0;
  const perAddress = new Map<string, number>();

  const admit = (socket: Socket): boolean => {
    if (socket.destroyed) return false;
    const address = socket.remoteAddress;
    const key = address === undefined || proxy(address) ? undefined : addressKey(address);
    const fromAddress = key === undefined ? 0 : (perAddress.get(key) ?? 0);
    if (open >= limits.maxConnections || fromAddress >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      return false;
    }
    open++;
    if (key !== undefined) perAddress.set(key, fromAddress + 1);
    socket.once('close', () => {
      open--;
      if (key === undefined) return;
      const left = perAddress.get(key)! - 1;
      if (left === 0) perAddress.delete(key);
      else perAddress.set(key, left);
    });
    return true;
  };

  return {
    admit,
    guard: (server) => void server.prependListener('connection', (socket: Socket) => void admit(socket)),
    open: () => open,
  };
}

/** What the per-address cap counts by: an IPv4 address, or an IPv6 client's /64 (one host commonly holds all of it). */
export function addressKey(address: string): string {
  const plain = unmapped(address);
  if (isIP(plain) !== 6) return plain;
  return `${ipv6Groups(plain).slice(0, 4).join(':')}::/64`;
}

// The eight 16-bit groups of an IPv6 address, `::` expanded (an IPv4 tail counts as two groups).
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const part = (text: string) => (text ? text.split(':') : []);
  const groupsOf = (parts: string[]) => parts.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0);
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const missing = tail === undefined ? 0 : 8 - groupsOf(left) - groupsOf(right);
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16)));
}
