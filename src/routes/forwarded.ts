// What the X-Forwarded-* headers of a request say, decided once: only a proxy named in TRUST_PROXY is
// believed (Fastify's trustProxy gives request.ip, request.protocol and request.host), and an https
// issuer means the browser came over https whatever the last hop was (TLS ended at a proxy). The raw
// request then carries the decided values, so that oidc-provider (koa with `proxy` on) sees the same
// client address, scheme and host as Fastify, and sets its cookies Secure exactly when ours are.
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Whether the browser reached this server over https: an https issuer, a TLS socket, or a trusted proxy saying so. */
export function overHttps(request: FastifyRequest, issuer: string): boolean {
  return issuer.startsWith('https:') || request.protocol === 'https';
}

export function decideForwarded(app: FastifyInstance, issuer: () => string): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const headers = request.raw.headers;
    const host = request.host;
    const ip = request.ip;
    headers['x-forwarded-proto'] = overHttps(request, issuer()) ? 'https' : 'http';
    if (ip) headers['x-forwarded-for'] = ip;
    else delete headers['x-forwarded-for'];
    if (host) headers['x-forwarded-host'] = host;
    else delete headers['x-forwarded-host'];
    done();
  });
}
