// The token route reads the body to find the grant type; when the grant belongs to oidc-provider, it
// gets a view of the same request whose body can be read once more, instead of a stream already drained.
import type { IncomingMessage } from 'node:http';

export function withReplayedBody(req: IncomingMessage, body: string): IncomingMessage {
  const chunk = Buffer.from(body, 'utf8');
  return Object.create(req, {
    readable: { value: true },
    iterator: {
      value: async function* () {
        yield chunk;
      },
    },
  }) as IncomingMessage;
}
