// /_emulator/*: the fixture's controls over HTTP, for test suites not written in JavaScript.
// Registered only when TEST_CONTROL=1 (or by the in-process fixture).
import type { FastifyInstance } from 'fastify';
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

export async function testControlRoutes(app: FastifyInstance, controls: EmulatorControls): Promise<void> {
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
