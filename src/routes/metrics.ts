// GET /metrics (Prometheus text format), and the latency of every response, labelled by route pattern.
// The latency is observed at onResponse: after the response is sent, off the request's critical path.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from '../metrics.js';
import { providerRouteOf } from '../oidc/paths.js';

export function metricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestServed(request.method, routeOf(request), reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType).header('cache-control', 'no-store');
    return metrics.registry.metrics();
  });
}

// Fastify's route pattern; oidc-provider's paths have none (they are dispatched before routing).
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? providerRouteOf(request.url.split('?', 1)[0]!) ?? 'unmatched';
}
