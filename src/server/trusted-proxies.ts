// Which peers are reverse proxies whose X-Forwarded-* headers count (TRUST_PROXY). One matcher serves
// Fastify's trustProxy (request.ip, request.protocol, request.host) and the per-address connection cap
// (a proxy carries many clients on its connections, so it is not capped as one).
import { BlockList, isIP } from 'node:net';

export type ProxyTrust = (address: string | undefined) => boolean;

// proxy-addr's names for address ranges, as Fastify's own string form of trustProxy knows them.
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** A matcher for the entries of TRUST_PROXY (checked by config): addresses, CIDR ranges, range names. */
export function trustedProxies(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, prefix === undefined ? (type === 'ipv6' ? 128 : 32) : Number(prefix), type);
  }
  return (address) => {
    if (!address) return false;
    const plain = unmapped(address);
    const type = isIP(plain);
    return type !== 0 && list.check(plain, type === 6 ? 'ipv6' : 'ipv4');
  };
}

/** An IPv4 client seen by a dual-stack listener (`::ffff:10.0.0.1`) as its IPv4 address. */
export function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}
