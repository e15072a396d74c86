// Signing in with an email code or link (Scalekit's "Magic link & OTP"): the page that asks for the
// code (`input[name="otp"]`, "Verify", as Scalekit's published test selectors expect), the code's
// check, and the link from the email. A new email signs up; a known one signs in; both see the same.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isTestUser } from '../../login/test-users.js';
import type { CodeCheck } from '../../store/email-codes.js';
import { PageProblem } from '../errors.js';
import { signInStep, type InteractionInProgress, type SignInContext } from '../interaction-context.js';
import { attemptKeys, ensureMayTry } from './attempts.js';
import { finishOrOfferPasskey } from './passkey.js';

/** The caller named in the audit when a sign-in creates a user. */
const SIGN_UP = { actor: 'sign-in' };

const CODE_PROBLEMS: Record<Exclude<CodeCheck, 'valid'>, { status: number; error: string }> = {
  wrong: { status: 401, error: 'That code is not correct. Check the latest email, or send a new code.' },
  expired: { status: 400, error: 'This code has expired. Send a new code and use it within 10 minutes.' },
  used: { status: 400, error: 'This code was already used. Send a new code.' },
  replaced: { status: 400, error: 'A newer code was sent for this sign-in. Enter the code from the latest email.' },
};

// What the code page says about where the code is: the static one of a test user, or the outbox (an
// emulation shortcut; off, the message went by SMTP).
const codePageFlags = async (ctx: SignInContext, email: string) => ({
  email,
  testUser: isTestUser(email, ctx.env.settings.testUsers),
  allowListed: await ctx.emailSignIn.isAllowListed(email),
  outbox: ctx.env.settings.emulationShortcuts,
});

/** Sends a code and a link for this sign-in to `email`, and shows the page that asks for the code. */
export async function sendCode(ctx: SignInContext, current: InteractionInProgress, reply: FastifyReply, email: string, notice?: string): Promise<FastifyReply> {
  const page = await ctx.pageBase(current, reply, 'Check your email');
  await ctx.emailSignIn.send({
    ns: current.issuer.scope.ns,
    uid: current.interaction.uid,
    email,
    clientName: page.clientName,
    linkFor: (token) => `${ctx.env.issuer}${current.base}/email-link?token=${encodeURIComponent(token)}`,
  });
  return reply.view('login-code.eta', { ...page, ...(await codePageFlags(ctx, email)), ...(notice ? { notice } : {}) });
}

export function emailCodeRoutes(app: FastifyInstance, ctx: SignInContext): void {
  signInStep<{ email?: string; otp?: string }>(app, ctx, 'POST', 'verify', async (current, request, reply) => {
    const email = (request.body.email ?? '').trim().toLowerCase();
    if (!email) throw new PageProblem(400, 'invalid_request', 'Enter your email first', 'The form did not say which email the code was sent to.', 'Go back and enter your email.');
    const keys = attemptKeys(request, email);
    await ensureMayTry(ctx.limits, keys, ctx.env.clock());
    const result = await ctx.emailSignIn.checkCode({ ns: current.issuer.scope.ns, uid: current.interaction.uid, email }, request.body.otp ?? '');
    if (result !== 'valid') {
      if (result === 'wrong') await ctx.limits.failed(keys);
      const problem = CODE_PROBLEMS[result];
      const page = await ctx.pageBase(current, reply, 'Check your email');
      return reply.code(problem.status).view('login-code.eta', { ...page, ...(await codePageFlags(ctx, email)), error: problem.error });
    }
    await ctx.limits.succeeded(keys);
    const { user } = await ctx.management.users.signUp(SIGN_UP, { email });
    return finishOrOfferPasskey(ctx, current, request, reply, user, 'otp');
  });

  // The link in the email. It works in the browser the sign-in started in (the interaction's cookie).
  signInStep<unknown, { token?: string }>(app, ctx, 'GET', 'email-link', async (current, request, reply) => {
    const link = await ctx.emailSignIn.useLink(request.query.token ?? '', current.issuer.scope.ns, current.interaction.uid);
    switch (link.state) {
      case 'valid':
        return ctx.finish(current, request, reply, (await ctx.management.users.signUp(SIGN_UP, { email: link.email })).user, 'otp');
      case 'used':
        throw new PageProblem(400, 'link_used', 'This link was already used', 'Each sign-in link works once.', 'Go back to the sign-in page and send a new code.');
      case 'expired':
        throw new PageProblem(400, 'link_expired', 'This link has expired', 'Sign-in links work for 10 minutes.', 'Go back to the sign-in page and send a new code.');
      case 'replaced':
        throw new PageProblem(400, 'link_replaced', 'This link was replaced', 'A newer email was sent for this sign-in, and only its link works.', 'Open the link in the latest email, or enter its code.');
      default:
        throw new PageProblem(400, 'invalid_link', 'This link does not work here', 'The link is not one we sent for this sign-in.', 'Open the link from the latest email, in the browser where you started signing in.');
    }
  });
}
