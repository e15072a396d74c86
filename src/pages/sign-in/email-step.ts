// The first step of the hosted login: the email ("Email" / `input[type="email"]`, "Continue"), and what
// follows it. The next page depends on the email's form and the settings, never on whether a user has
// it: an email code (LOGIN_METHOD=email_code, the default as on Scalekit; a sign-up asked by
// prompt=create; a Scalekit test user) or a password (LOGIN_METHOD=password). The other method stays
// one click away, for everyone alike (offering it only to users with a password would tell who has one).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SOCIAL_PROVIDERS } from '../../login/identity-providers.js';
import { isTestUser } from '../../login/test-users.js';
import { signInStep, type InteractionInProgress, type SignInContext } from '../interaction-context.js';
import { sendCode } from './email-code.js';
import { passwordPage } from './password.js';

type Method = 'password' | 'email_code';

const PROVIDER_MARKS: Record<keyof typeof SOCIAL_PROVIDERS, string> = { google: 'G', github: 'GH', microsoft: 'M' };

export async function emailPage(ctx: SignInContext, current: InteractionInProgress, reply: FastifyReply, form: { email: string; error?: string }): Promise<FastifyReply> {
  const page = await ctx.pageBase(current, reply, current.interaction.prompt.name === 'create' ? 'Create your account' : 'Sign in');
  return reply.view('login-email.eta', {
    ...page,
    email: form.email,
    ...(form.error ? { error: form.error } : {}),
    // The simulated identity providers are an emulation shortcut: no buttons when they are off.
    providers: ctx.env.settings.emulationShortcuts
      ? Object.entries(SOCIAL_PROVIDERS).map(([key, name]) => ({ key, name, mark: PROVIDER_MARKS[key as keyof typeof SOCIAL_PROVIDERS] }))
      : [],
  });
}

export function emailStepRoutes(app: FastifyInstance, ctx: SignInContext): void {
  // Which method follows the email; a sign-up proves the email first, so it never starts with a password.
  const methodFor = async (current: InteractionInProgress, email: string, asked: unknown): Promise<Method> => {
    if (current.interaction.prompt.name === 'create') return 'email_code';
    if (asked === 'password' || asked === 'email_code') return asked;
    if (await ctx.emailSignIn.isAllowListed(email)) return 'email_code';
    return isTestUser(email, ctx.env.settings.testUsers) ? 'email_code' : ctx.loginMethod;
  };

  signInStep<{ email?: string; method?: string }>(app, ctx, 'POST', 'identify', async (current, request, reply) => {
    const email = (request.body.email ?? '').trim();
    if (!email) return emailPage(ctx, current, reply.code(400), { email, error: 'Enter your email address.' });
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) return emailPage(ctx, current, reply.code(400), { email, error: 'Enter a valid email address, such as name@example.com.' });
    return (await methodFor(current, email, request.body.method)) === 'password' ? passwordPage(ctx, current, reply, { email }) : sendCode(ctx, current, reply, email);
  });
}
