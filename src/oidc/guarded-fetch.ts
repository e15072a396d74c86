// Fetching a JSON document from a URL someone else chose (a client ID metadata document, an identity
// provider's JWKS) without letting them make the server probe its own network: never from a private,
// loopback or link-local address (checked on the address the connection uses), within one total deadline
// (connect, headers and body: a document dripped a byte at a time cannot hold a request), with a size
// limit, JSON only; and how long its HTTP cache headers say it may be kept.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

const CACHE_SECONDS = { default: 300, min: 30, max: 86_400 };

// Addresses a document may not be fetched from: it would let anyone make the server probe its own network.
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  return family === 6 && PRIVATE.check(address, 'ipv6');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

// Resolves like dns.lookup, then refuses private answers: the check and the connection use the same address.
function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' }), []);
    if ((options as { all?: boolean }).all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

export interface GuardedFetch {
  /** Allow http://, private, loopback and link-local addresses and any TLS certificate (local tests). */
  insecure: boolean;
  /** One deadline for the lookup, the connection, the headers and the body. */
  deadlineMs: number;
  maxBytes: number;
  /** What is fetched, as errors name it: 'the client metadata document'. */
  what: string;
  /** The error each refusal is thrown as. */
  fail: (description: string) => Error;
}

/** The JSON document at `url`, fetched under the guard, and how long it may be cached (seconds). */
export async function fetchGuardedJson(url: string, options: GuardedFetch): Promise<{ document: unknown; maxAge: number }> {
  const { deadlineMs, what, fail } = options;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  try {
    return await fetchUntil(url, options, deadline.signal);
  } catch (err) {
    if (deadline.signal.aborted) throw fail(`${what} did not arrive within ${deadlineMs / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// Lookup, connection, headers and body all end when `signal` aborts.
async function fetchUntil(url: string, { insecure, maxBytes, what, fail }: GuardedFetch, signal: AbortSignal): Promise<{ document: unknown; maxAge: number }> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!insecure && isIP(host) && isPrivateAddress(host)) {
    throw fail(`${what} is at a private, loopback or link-local address`);
  }
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const options = {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
      ...(insecure ? { rejectUnauthorized: false } : { lookup: guardedLookup }),
    };
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, resolve);
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(fail(err.code === 'EPRIVATE' ? `${what} is at a private, loopback or link-local address` : `${what} could not be fetched (${err.code ?? 'error'})`)),
    );
    req.end();
  });
  const stop = () => response.destroy(new Error('deadline'));
  signal.addEventListener('abort', stop, { once: true });
  try {
    if (response.statusCode !== 200) throw fail(`${what} answered HTTP ${response.statusCode}`);
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(response.headers['content-type'] ?? '')) throw fail(`${what} is not application/json`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw fail(`${what} is larger than ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    let document: unknown;
    try {
      document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw fail(`${what} is not valid JSON`);
    }
    return { document, maxAge: cacheLifetime(response.headers['cache-control']) };
  } finally {
    signal.removeEventListener('abort', stop);
    response.destroy();
  }
}

// RFC 9111 max-age, within bounds: a document that says no-store is still not fetched more than every 30 s.
function cacheLifetime(header: string | undefined): number {
  const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(header ?? '')?.[1];
  const seconds = /no-store|no-cache/i.test(header ?? '') ? 0 : maxAge !== undefined ? Number(maxAge) : CACHE_SECONDS.default;
  return Math.min(CACHE_SECONDS.max, Math.max(CACHE_SECONDS.min, seconds));
}
