// A request with two Authorization headers is refused on every route, before any route or the
// provider reads it. Authorization is not a list header (RFC 9110 §5.3), and Node keeps the first one
// and silently drops the rest, so which credentials got checked would depend on their order.
import type { FastifyInstance } from 'fastify';

export function rejectDuplicateAuthorization(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (authorizationCount(request.raw.rawHeaders) < 2) return done();
    reply
      .code(400)
      .header('cache-control', 'no-store')
      .send({ error: 'invalid_request', error_description: 'the Authorization header must only be sent once' });
  });
}

// rawHeaders is [name, value, name, value, …] as received.
function authorizationCount(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}
