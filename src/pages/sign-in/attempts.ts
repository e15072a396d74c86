// The wrong-attempt limits as the pages apply them: checked before an answer is looked at (so a paused
// account costs no scrypt and learns nothing), counted after a wrong one.
import type { FastifyRequest } from 'fastify';
import type { AttemptKeys, AttemptLimits } from '../../login/attempt-limits.js';
import { TooManyAttempts } from '../errors.js';

export function attemptKeys(request: FastifyRequest, account: string): AttemptKeys {
  return { account, ip: request.ip };
}

/** Throws the 429 page when these keys must wait. */
export async function ensureMayTry(limits: AttemptLimits, keys: AttemptKeys, now: number): Promise<void> {
  const retryAt = await limits.retryAt(keys);
  if (retryAt !== undefined) throw new TooManyAttempts(Math.ceil((retryAt - now) / 1000), new Date(retryAt));
}
