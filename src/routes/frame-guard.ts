// No answer of this server may be shown inside another site's frame (clickjacking of the sign-in,
// consent, logout and dashboard buttons). Set here once for every response, on the raw response at
// its start, so it covers every HTML surface whoever writes it: the pages, the pages oidc-provider
// renders itself (errors, logout), the dispatch's own 404/405/413 pages and Fastify's 404s. A route
// that sets its own Content-Security-Policy replaces this one and must keep FRAME_ANCESTORS in it.
import type { FastifyInstance } from 'fastify';

export const FRAME_ANCESTORS = "frame-ancestors 'none'";

export function refuseFraming(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.raw.setHeader('x-frame-options', 'DENY');
    reply.raw.setHeader('content-security-policy', FRAME_ANCESTORS);
    done();
  });
}
