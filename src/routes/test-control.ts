// /_emulator/*: the fixture's controls over HTTP, for test suites not written in JavaScript.
// Registered only when TEST_CONTROL=1 (or by the in-process fixture).
import type { FastifyInstance } from 'fastify';
import { BROKEN_KINDS, MintError, type MintOptions } from '../fixture/mint.js';
import type { EmulatorControls } from '../fixture/controls.js';

const mintBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    clientId: { type: 'string' },
    subject: { type: 'string' },
    resource: { type: 'string' },
    audience: { type: 'array', items: { type: 'string' } },
    scopes: { type: 'array', items: { type: 'string' } },
    expiresIn: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'string' }] },
    claims: { type: 'object' },
    broken: { type: 'string', enum: [...BROKEN_KINDS] },
  },
} as const;

const clockBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    advance: { anyOf: [{ type: 'number' }, { type: 'string' }] },
    set: { anyOf: [{ type: 'number' }, { type: 'string' }] },
    reset: { type: 'boolean' },
  },
} as const;

export async function testControlRoutes(app: FastifyInstance, controls: EmulatorControls): Promise<void> {
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, _request, reply) => {
    const status = err.validation || err instanceof MintError || err instanceof RangeError ? 400 : (err.statusCode ?? 500);
    reply.code(status).send({ error: status < 500 ? 'invalid_request' : 'server_error', error_description: status < 500 ? err.message : 'internal error' });
  });

  app.post('/_emulator/reset', async () => {
    controls.reset();
    return { reset: true };
  });

  app.post<{ Body: MintOptions }>('/_emulator/tokens', { schema: { body: mintBody } }, async (request) => {
    return { access_token: await controls.mintToken(request.body ?? {}), token_type: 'Bearer' };
  });

  app.post<{ Body: { advance?: number | string; set?: number | string; reset?: boolean } }>(
    '/_emulator/clock',
    { schema: { body: clockBody } },
    async (request) => {
      const { advance, set, reset } = request.body ?? {};
      if (reset) controls.clock.reset();
      if (set !== undefined) controls.clock.set(set);
      if (advance !== undefined) controls.clock.advance(advance);
      const now = controls.clock.now();
      return { now: new Date(now).toISOString(), epoch_ms: now };
    },
  );

  app.get('/_emulator/requests', async () => ({ requests: controls.requests() }));
}
