// Prometheus metrics of one app, in its own Registry: several apps run in one process (the fixture),
// so nothing goes to prom-client's global registry. Scraped at GET /metrics (routes/metrics.ts).
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

// prom-client's index also loads default metrics, cluster, Pushgateway, Summary (tdigest) and
// @opentelemetry/api: about 50 ms of a cold start (measured), against 3 ms for the four classes used
// here. The files are those of the pinned prom-client 15.1.3; `npm test`'s pack check starts on them.
const load = createRequire(import.meta.url);
const Registry = load('prom-client/lib/registry') as typeof PromClient.Registry;
const Counter = load('prom-client/lib/counter') as typeof PromClient.Counter;
const Gauge = load('prom-client/lib/gauge') as typeof PromClient.Gauge;
const Histogram = load('prom-client/lib/histogram') as typeof PromClient.Histogram;

export interface Metrics {
  registry: PromClient.Registry;
  /** An access token was issued (counted where its audit row is recorded). */
  tokenIssued(grantType: string, clientKind: string): void;
  /** An OAuth error response was sent, by its `error` code. */
  oauthError(error: string): void;
  /** A response was sent; `route` is the route pattern, never the raw URL. */
  requestServed(method: string, route: string, status: number, seconds: number): void;
}

// Token requests take about a millisecond; login pages and slow clients take longer.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(source: { auditQueueDepth: () => number }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const tokens = new Counter({
    name: 'scalekit_emulator_tokens_issued_total',
    help: 'Access tokens issued, by grant type and client kind',
    labelNames: ['grant_type', 'client_kind'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'scalekit_emulator_oauth_errors_total',
    help: 'OAuth error responses, by error code',
    labelNames: ['error'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'scalekit_emulator_http_request_duration_seconds',
    help: 'Time from request to response, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'scalekit_emulator_audit_queue_depth',
    help: 'Issued-token audit rows recorded and not yet written to the database',
    registers,
    collect() {
      this.set(source.auditQueueDepth());
    },
  });

  return {
    registry,
    tokenIssued: (grantType, clientKind) => tokens.inc({ grant_type: grantType, client_kind: clientKind }),
    oauthError: (error) => errors.inc({ error }),
    requestServed: (method, route, status, seconds) => latency.observe({ method, route, status_code: status }, seconds),
  };
}

// The events oidc-provider emits, with (ctx, error), when it answers an error (lib/helpers/initialize_app.js).
const PROVIDER_ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'userinfo.error',
  'revocation.error',
  'introspection.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'registration_create.error',
  'registration_read.error',
  'registration_update.error',
  'registration_delete.error',
  'pushed_authorization_request.error',
  'server_error',
];

/** Counts the errors an oidc-provider instance answers, which never pass through our routes. */
export function countProviderErrors(provider: { on(event: string, listener: (ctx: unknown, err: { error?: string }) => void): unknown }, metrics: Metrics): void {
  for (const event of PROVIDER_ERROR_EVENTS) {
    provider.on(event, (_ctx, err) => metrics.oauthError(event === 'server_error' ? 'server_error' : (err.error ?? 'server_error')));
  }
}
