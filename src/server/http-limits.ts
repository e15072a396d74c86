// Limits that keep slow, stalled or too many clients from holding the server: how long a request may
// take to arrive, how long an idle keep-alive connection is kept, how many connections are open at
// once, and how long shutdown waits for requests in flight. Node's defaults leave a request that never
// finishes open forever (requestTimeout 0 in Fastify), check its timeouts only every 30 s, and cap
// nothing, so stalled connections pile up until descriptors run out.
// The same numbers hold for HTTP/2 (server/http2-limits.ts) and the connection caps count both
// protocols (server/connection-gate.ts).
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS } from '../config/index.js';

export interface HttpLimits {
  /**
   * Time for a request's headers to arrive (Node's headersTimeout); then 408 and close. HTTP/2: time for
   * a new session's first request.
   */
  headersTimeoutMs: number;
  /** Time for a whole request, body included, to arrive (requestTimeout); then 408 and close. HTTP/2: per stream. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
  /**
   * How long an HTTP/2 session with no open stream is kept (then GOAWAY and close). Shorter than
   * keepAliveTimeoutMs: a client opens a session without sending anything, and the gRPC client of the
   * Scalekit SDK opens a new one on its next call.
   */
  sessionIdleTimeoutMs: number;
  /** Streams open at once in one HTTP/2 session (its SETTINGS_MAX_CONCURRENT_STREAMS); more are refused. */
  maxConcurrentStreams: number;
  /** Connections open at once, both protocols; one more is closed as soon as it is accepted. */
  maxConnections: number;
  /** Connections open at once from one client address (IPv6: its /64), both protocols; trusted proxies are not capped. */
  maxConnectionsPerAddress: number;
  /** On shutdown: how long requests in flight may take to finish before every connection is cut. */
  shutdownGraceMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  // Bodies are at most 64 KiB: half a minute is generous even for a slow link.
  requestTimeoutMs: 30_000,
  // Above the 60 s idle timeout of common load balancers, so they close first (Fastify's own default).
  keepAliveTimeoutMs: 72_000,
  sessionIdleTimeoutMs: 30_000,
  // gRPC's usual number; the SDK's calls are unary, a handful at a time.
  maxConcurrentStreams: 100,
  // Under the 1024 descriptors a process often gets, with room for the database and the thread pool.
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  // On one machine every client shares 127.0.0.1 (and behind Docker's port mapping, the bridge's
  // address): room for a test suite's parallel requests, while one address cannot take every slot.
  maxConnectionsPerAddress: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  shutdownGraceMs: 3_000,
};

/** The Fastify options that carry these limits onto the node:http server it creates. */
export function fastifyServerLimits(limits: HttpLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // How often Node looks for requests past their timeouts: often enough that they are cut close to
      // on time (Node's default, 30 s, would let a 10 s timeout stretch to 40 s).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
  };
}
