// Passkeys on the hosted login, under every issuer: "Sign in with a passkey" on the email page, and after
// a sign-in by email code or password on a device that can keep one, "Sign in faster next time" with
// "Add a passkey" or "Not now". The browser side is views/assets/passkeys.js (a static script, so it
// runs under a CSP without inline script); without it the pages offer no passkey and work as before.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PasskeyRefused, relyingPartyOf, type PasskeyRefusal, type RelyingParty } from '../../login/passkeys.js';
import type { SignInMethod } from '../../oidc/interactions.js';
import type { User } from '../../store/users.js';
import { PageProblem } from '../errors.js';
import { signInStep, type InteractionInProgress, type SignInContext } from '../interaction-context.js';

/** The caller named in the audit when a person adds a passkey on the login page. */
const SIGN_IN = { actor: 'sign-in' };

/** Set by "Not now": this browser is not asked again for a while. */
const NOT_NOW_COOKIE = 'emulator_passkey_offer';
const NOT_NOW_DAYS = 30;

const METHODS: readonly string[] = ['pwd', 'otp', 'fed', 'hwk'] satisfies SignInMethod[];

const REFUSALS: Record<PasskeyRefusal, { code: string; heading: string; message: string; next: string }> = {
  malformed: { code: 'passkey_invalid', heading: 'The passkey answer could not be read', message: 'The browser sent something that is not a passkey answer.', next: 'Go back and try again, or sign in another way.' },
  not_verified: { code: 'passkey_invalid', heading: 'The passkey could not be checked', message: 'Its signature or its origin did not match this environment.', next: 'Go back and try again, or sign in another way.' },
  challenge_unknown: { code: 'passkey_not_here', heading: 'This passkey answer is not for this sign-in', message: 'It answers a passkey request of another sign-in, or one this emulator never made.', next: 'Go back to the application and start again.' },
  challenge_used: { code: 'passkey_replayed', heading: 'This passkey answer was already used', message: 'Each passkey request can be answered once; the same answer again is refused.', next: 'Go back to the application and start again.' },
  challenge_expired: { code: 'passkey_expired', heading: 'This passkey request has expired', message: 'A passkey request must be answered within 5 minutes.', next: 'Go back and try again.' },
  unknown_credential: { code: 'passkey_unknown', heading: 'This passkey is not known here', message: 'It was removed, or it was made for another user or environment.', next: 'Sign in another way (an email code), then add a passkey again if you like.' },
  counter_not_increased: { code: 'passkey_cloned', heading: 'This passkey was refused', message: 'Its authenticator’s signature counter did not grow, as happens when a passkey is copied to another device.', next: 'Sign in another way, and remove this passkey from the account.' },
};

function refusalPage(err: unknown): never {
  if (!(err instanceof PasskeyRefused)) throw err;
  const r = REFUSALS[err.reason];
  throw new PageProblem(400, r.code, r.heading, r.message, r.next);
}

/** The environment's relying party, or the readable refusal when browsers would not use passkeys there. */
function relyingParty(ctx: SignInContext): RelyingParty {
  const rp = relyingPartyOf(ctx.env.issuer);
  if (!rp) {
    throw new PageProblem(400, 'passkeys_unavailable', 'Passkeys do not work here', 'Browsers use passkeys on https, or on http://localhost, and never at an IP address.', 'Set SCALEKIT_ENVIRONMENT_URL to such a URL, or sign in another way.');
  }
  return rp;
}

const signInOf = (current: InteractionInProgress) => ({ ns: current.issuer.scope.ns, uid: current.interaction.uid });

/** The posted `credential` field: the browser's answer as JSON. */
function credentialOf(body: { credential?: unknown }): unknown {
  if (typeof body.credential !== 'string' || body.credential.length > 65_536) return undefined;
  try {
    return JSON.parse(body.credential) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * After a sign-in by email code or password: when the page's script found this device can keep a
 * passkey (`passkey_offer=1`), the person has none and did not say "not now" lately, the offer to add
 * one; else on to the application. The sign-in ends after the offer either way.
 */
export async function finishOrOfferPasskey(ctx: SignInContext, current: InteractionInProgress, request: FastifyRequest, reply: FastifyReply, user: User, method: SignInMethod): Promise<FastifyReply> {
  const asked = (request.body as { passkey_offer?: unknown } | undefined)?.passkey_offer === '1';
  const rp = relyingPartyOf(ctx.env.issuer);
  if (!asked || !rp || request.cookies[NOT_NOW_COOKIE] || (await ctx.env.store.passkeys.listByUser(user.id)).length > 0) {
    return ctx.finish(current, request, reply, user, method);
  }
  const options = await ctx.passkeys.registrationOptions(signInOf(current), rp, user, method);
  const page = await ctx.pageBase(current, reply, 'Sign in faster next time');
  return reply.header('cache-control', 'no-store').view('login-passkey-add.eta', { ...page, email: user.email, optionsJson: JSON.stringify(options) });
}

export function passkeyRoutes(app: FastifyInstance, ctx: SignInContext): void {
  // The options of a passkey sign-in, fetched by the page's script (CSRF token in the body).
  signInStep(app, ctx, 'POST', 'passkey/options', async (current, _request, reply) => {
    const options = await ctx.passkeys.authenticationOptions(signInOf(current), relyingParty(ctx));
    return reply.header('cache-control', 'no-store').send(options);
  });

  signInStep<{ credential?: unknown }>(app, ctx, 'POST', 'passkey', async (current, request, reply) => {
    const passkey = await ctx.passkeys.verifyAuthentication(signInOf(current), relyingParty(ctx), credentialOf(request.body)).catch(refusalPage);
    const user = await ctx.env.store.users.get(passkey.userId);
    if (!user) refusalPage(new PasskeyRefused('unknown_credential'));
    return ctx.finish(current, request, reply, user, 'hwk');
  });

  signInStep<{ credential?: unknown }>(app, ctx, 'POST', 'passkey/register', async (current, request, reply) => {
    const { passkey, amr } = await ctx.passkeys.verifyRegistration(signInOf(current), relyingParty(ctx), credentialOf(request.body)).catch(refusalPage);
    const kept = await ctx.management.passkeys.register(SIGN_IN, passkey);
    return ctx.finish(current, request, reply, (await ctx.env.store.users.get(kept.userId))!, methodOf(amr));
  });

  // "Not now": the sign-in the offer interrupted goes on, and this browser is not asked again for a while.
  signInStep(app, ctx, 'POST', 'passkey/skip', async (current, request, reply) => {
    const pending = await ctx.env.store.passkeys.usePendingRegistration(current.issuer.scope.ns, current.interaction.uid);
    const user = pending.state === 'valid' ? await ctx.env.store.users.get(pending.userId ?? '') : undefined;
    if (pending.state !== 'valid' || !user) {
      throw new PageProblem(400, 'session_not_found', 'This sign-in has expired', 'The offer to add a passkey was answered already, or too long ago.', 'Go back to the application and start again.');
    }
    reply.setCookie(NOT_NOW_COOKIE, 'later', { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.env.issuer.startsWith('https:'), maxAge: NOT_NOW_DAYS * 86_400 });
    return ctx.finish(current, request, reply, user, methodOf(pending.amr));
  });
}

const methodOf = (amr: string | undefined): SignInMethod => (amr && METHODS.includes(amr) ? (amr as SignInMethod) : 'otp');
