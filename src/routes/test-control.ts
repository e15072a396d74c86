// /_emulator/*: the fixture's controls over HTTP, for test suites not written in JavaScript.
// Registered only when TEST_CONTROL=1 (or by the in-process fixture).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { z } from 'zod';
import { BROKEN_KINDS, MintError, type MintOptions } from '../fixture/mint.js';
import type { EmulatorControls } from '../fixture/controls.js';
import { BODY_TOO_LARGE } from './body-limit.js';

// Strict: an unknown field is a mistake in the test, not something to ignore.
const mintBody = z.strictObject({
  clientId: z.string().optional(),
  subject: z.string().optional(),
  resource: z.string().optional(),
  audience: z.array(z.string()).optional(),
  scopes: z.array(z.string()).optional(),
  expiresIn: z.union([z.number().positive(), z.string()]).optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  broken: z.enum(BROKEN_KINDS).optional(),
});

const clockBody = z.strictObject({
  advance: z.union([z.number(), z.string()]).optional(),
  set: z.union([z.number(), z.string()]).optional(),
  reset: z.boolean().optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new BadControlRequest(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return result.data;
}

class BadControlRequest extends Error {}

/** `token` (TEST_CONTROL_TOKEN), when set, is required on every route here as a bearer token. */
export async function testControlRoutes(app: FastifyInstance, controls: EmulatorControls, token?: string): Promise<void> {
  if (token !== undefined) app.addHook('onRequest', requireBearer(token));
  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    // Fastify's own errors (a body over the limit is a RangeError with statusCode 413) keep their status.
    const status = err instanceof BadControlRequest || err instanceof MintError ? 400 : (err.statusCode ?? (err instanceof RangeError ? 400 : 500));
    const description = status === 413 ? BODY_TOO_LARGE : status < 500 ? err.message : 'internal error';
    reply.code(status).send({ error: status < 500 ? 'invalid_request' : 'server_error', error_description: description });
  });

  app.post('/_emulator/reset', async () => {
    controls.reset();
    return { reset: true };
  });

  app.post('/_emulator/tokens', async (request) => {
    const options: MintOptions = parse(mintBody, request.body);
    return { access_token: await controls.mintToken(options), token_type: 'Bearer' };
  });

  app.post('/_emulator/clock', async (request) => {
    const { advance, set, reset } = parse(clockBody, request.body);
    if (reset) controls.clock.reset();
    if (set !== undefined) controls.clock.set(set);
    if (advance !== undefined) controls.clock.advance(advance);
    const now = controls.clock.now();
    return { now: new Date(now).toISOString(), epoch_ms: now };
  });

  app.get('/_emulator/requests', async () => ({ requests: controls.requests() }));
}

// Compared as SHA-256 digests: constant time whatever the length of what was presented.
function requireBearer(token: string): onRequestHookHandler {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(token);
  return (request, reply, done) => {
    const presented = /^bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return done();
    reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="test controls"')
      .header('cache-control', 'no-store')
      .send({ error: 'invalid_token', error_description: 'the test controls require Authorization: Bearer <TEST_CONTROL_TOKEN>' });
  };
}
