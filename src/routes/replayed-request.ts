// Hands oidc-provider a request whose body was already read (by the token route's parser, or by the
// provider dispatch's size check): a view of the same request whose body can be read once more.
import type { IncomingMessage } from 'node:http';

export function withReplayedBody(req: IncomingMessage, body: string | Buffer): IncomingMessage {
  const chunk = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Object.create(req, {
    readable: { value: true },
    iterator: {
      value: async function* () {
        yield chunk;
      },
    },
  }) as IncomingMessage;
}
