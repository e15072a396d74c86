// Signing in by email, as Scalekit's "Magic link & OTP": one message carries a 6-digit code and a
// sign-in link, both for the authorization in progress (its interaction) and that email, both expiring
// after CODE_LIFETIME_MS, both single-use (using one uses up every code sent for that sign-in). The same
// is sent whether or not a user has the email: a new email signs up. Test users (`+sktest`) get no
// message and sign in with the static code, and so do the emails on the environment's allow-list, with
// the list's static code.
import { randomBytes, randomInt } from 'node:crypto';
import type { CodeCheck, EmailCodeRepository, LinkCheck } from '../store/email-codes.js';
import type { TestUserRepository } from '../store/test-users.js';
import type { Mailer } from './mailer.js';
import { isAllowListedTestUser, isTestUser, TEST_USER_CODE, type TestUserRules } from './test-users.js';

export const CODE_LIFETIME_MS = 10 * 60_000;

/** The authorization an email code belongs to: the issuer's namespace and the interaction's uid. */
export interface SignInAttempt {
  ns: string;
  uid: string;
  email: string;
}

export interface CodeRequest extends SignInAttempt {
  /** The sign-in link for a token (the page knows its own URL). */
  linkFor(token: string): string;
  /** Who asked, for the message: the app's name. */
  clientName: string;
}

export interface EmailSignIn {
  send(request: CodeRequest): Promise<void>;
  checkCode(attempt: SignInAttempt, code: string): Promise<CodeCheck>;
  useLink(token: string, ns: string, uid: string): Promise<LinkCheck>;
  /** On the environment's allow-list of test users: no email, the list's static code. */
  isAllowListed(email: string): Promise<boolean>;
}

export function createEmailSignIn(deps: { codes: EmailCodeRepository; mailer: Mailer; clock: () => number; testUsers: TestUserRules; allowList: TestUserRepository }): EmailSignIn {
  const isAllowListed = async (email: string) => isAllowListedTestUser(email, await deps.allowList.get());
  return {
    isAllowListed,
    async send(request) {
      if ((await isAllowListed(request.email)) || isTestUser(request.email, deps.testUsers)) return; // as on Scalekit: suppressed, the static code works
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const token = randomBytes(32).toString('base64url');
      const link = request.linkFor(token);
      await deps.codes.create({ ns: request.ns, uid: request.uid, email: request.email, code, linkToken: token, expiresAt: deps.clock() + CODE_LIFETIME_MS });
      await deps.mailer.send({
        to: request.email,
        subject: `Your verification code is ${code}`,
        body: [
          `Enter this code to sign in to ${request.clientName}:`,
          '',
          `    ${code}`,
          '',
          'Or open this link in the same browser:',
          link,
          '',
          `The code and the link work once, for ${CODE_LIFETIME_MS / 60_000} minutes. If you did not try to sign in, ignore this email.`,
        ].join('\n'),
        code,
        link,
      });
    },
    async checkCode(attempt, code) {
      const trimmed = code.replace(/\s+/g, '');
      const stored = await deps.codes.useCode(attempt.ns, attempt.uid, attempt.email, trimmed);
      if (stored === 'wrong' && (await isAllowListed(attempt.email)) && trimmed === (await deps.allowList.get()).staticCode) return 'valid';
      if (stored === 'wrong' && isTestUser(attempt.email, deps.testUsers) && trimmed === TEST_USER_CODE) return 'valid';
      return stored;
    },
    useLink: (token, ns, uid) => deps.codes.useLink(token, ns, uid),
  };
}
