// One size limit for every request body, whoever reads it. oidc-provider reads at most 56 KiB
// (lib/shared/selective_body.js) and answers more with a 400, so Fastify's parsers and the provider
// dispatch stop at the same size, and every surface answers 413 for the same body.
import type { IncomingMessage } from 'node:http';

export const BODY_LIMIT = 56 * 1024;

export const BODY_TOO_LARGE = `the request body must not exceed ${BODY_LIMIT} bytes`;

/** The whole body, or undefined when it is longer than BODY_LIMIT (then the rest is left unread). */
export async function readBodyWithinLimit(req: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
