// Signing in with a password (seeded and dashboard-made users). An unknown email and a wrong password
// get the same answer after the same work (one scrypt); wrong ones count against the attempt limits.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { signInStep, type InteractionInProgress, type SignInContext } from '../interaction-context.js';
import { attemptKeys, ensureMayTry } from './attempts.js';
import { finishOrOfferPasskey } from './passkey.js';

const WRONG_CREDENTIALS = 'The email or password is not correct.';

export async function passwordPage(ctx: SignInContext, current: InteractionInProgress, reply: FastifyReply, form: { email: string; error?: string }): Promise<FastifyReply> {
  const page = await ctx.pageBase(current, reply, 'Sign in');
  return reply.view('login-password.eta', { ...page, email: form.email, ...(form.error ? { error: form.error } : {}) });
}

export function passwordRoutes(app: FastifyInstance, ctx: SignInContext): void {
  signInStep<{ email?: string; password?: string }>(app, ctx, 'POST', 'login', async (current, request, reply) => {
    const email = (request.body.email ?? '').trim();
    const keys = attemptKeys(request, email);
    await ensureMayTry(ctx.limits, keys, ctx.env.clock());
    const user = await ctx.env.store.users.authenticate(email, request.body.password ?? '');
    if (!user) {
      await ctx.limits.failed(keys);
      return passwordPage(ctx, current, reply.code(401), { email, error: WRONG_CREDENTIALS });
    }
    await ctx.limits.succeeded(keys);
    return finishOrOfferPasskey(ctx, current, request, reply, user, 'pwd');
  });
}
