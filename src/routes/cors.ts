// CORS for what browser-based MCP clients (the MCP Inspector's web UI, web agents) read from a page:
// metadata, /keys, the token endpoint and DCR. Open to every origin, as Scalekit's are: these endpoints
// take no cookies, so a page gains nothing from them that curl would not. Never used on the login and
// consent pages.
//
//   const cors = { onRequest: allowCors(app, [url], ['POST']) };
//   app.post(url, cors, handler);
import type { FastifyInstance, HTTPMethods, onRequestHookHandler, RouteHandlerMethod } from 'fastify';

const MAX_AGE_SECONDS = 86_400;
// A list of header names (RFC 9110 tokens), as a preflight's Access-Control-Request-Headers holds.
const HEADER_NAMES = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/**
 * Answers the preflight (OPTIONS) of `urls` for `methods`, and returns the hook that marks every
 * response of their routes, errors included, as readable by any origin: pass it as their onRequest.
 */
export function allowCors(app: FastifyInstance, urls: string[], methods: HTTPMethods[]): onRequestHookHandler {
  const allowMethods = methods.join(', ');
  for (const url of urls) app.options(url, preflight(allowMethods));
  return markReadable;
}

function preflight(allowMethods: string): RouteHandlerMethod {
  return async (request, reply) => {
    const asked = request.headers['access-control-request-headers'];
    reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', allowMethods)
      .header('access-control-max-age', String(MAX_AGE_SECONDS))
      .header('allow', `${allowMethods}, OPTIONS`);
    // Whatever headers the page means to send (Authorization, Content-Type, MCP-Protocol-Version…).
    if (typeof asked === 'string' && HEADER_NAMES.test(asked)) {
      reply.header('access-control-allow-headers', asked).header('vary', 'Access-Control-Request-Headers');
    }
    return reply.send();
  };
}

// On the raw response, so the header survives error handlers and replies handed to oidc-provider
// (which then skips its own client-based CORS check, lib/shared/cors.js).
const markReadable: onRequestHookHandler = (_request, reply, done) => {
  reply.raw.setHeader('access-control-allow-origin', '*');
  reply.raw.setHeader('access-control-expose-headers', 'WWW-Authenticate');
  done();
};
