// Limits that keep slow, stalled or too many clients from holding the server: how long a request may
// take to arrive, how long an idle keep-alive connection is kept, how many connections are open at
// once, and how long shutdown waits for requests in flight. Node's defaults leave a request that never
// finishes open forever (requestTimeout 0 in Fastify), check its timeouts only every 30 s, and cap
// nothing, so stalled connections pile up until descriptors run out.
// Applied to whatever node:http server serves the app; a TCP front placed before it later (h2c) can take
// the same numbers for its own sockets.
import type { Server } from 'node:net';

export interface HttpLimits {
  /** Time for a request's headers to arrive (Node's headersTimeout); then 408 and close. */
  headersTimeoutMs: number;
  /** Time for a whole request, body included, to arrive (requestTimeout); then 408 and close. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; one more is closed as soon as it is accepted. Node offers no per-IP cap. */
  maxConnections: number;
  /** On shutdown: how long requests in flight may take to finish before every connection is cut. */
  shutdownGraceMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  // Bodies are at most 64 KiB: half a minute is generous even for a slow link.
  requestTimeoutMs: 30_000,
  // Above the 60 s idle timeout of common load balancers, so they close first (Fastify's own default).
  keepAliveTimeoutMs: 72_000,
  // Under the 1024 descriptors a process often gets, with room for the database and the thread pool.
  maxConnections: 900,
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

/** Limits that are set on the listening server itself. */
export function limitConnections(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
}
