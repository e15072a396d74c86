// Scalekit's test users: an email with `+sktest` in its local part (e.g. `qa+sktest@example.com`) gets no
// email at all; the static code 424242 signs it in, so end-to-end tests need no mailbox. On Scalekit the
// emails are an allow-list of the environment; here every such email is a test user, an emulation
// shortcut that EMULATION_SHORTCUTS=off turns off (such an email then gets a real emailed code).
import type { TestUserAllowList } from '../store/test-users.js';

export const TEST_USER_CODE = '424242';

/** Which emails are test users, from the configuration; the one place that decides it. */
export interface TestUserRules {
  /** Any `+sktest` email (the emulation shortcut). */
  anySktestEmail: boolean;
}

export function isTestUser(email: string, rules: TestUserRules): boolean {
  return rules.anySktestEmail && /^[^@]*\+sktest[^@]*@[^@]+$/i.test(email.trim());
}

/**
 * Scalekit's own rule: the email is on the environment's allow-list of test users (Dashboard > Test
 * users, seed `test_users`, REST), which is switched on. It signs in with the list's static code.
 */
export function isAllowListedTestUser(email: string, allowList: TestUserAllowList): boolean {
  return allowList.enabled && allowList.emails.includes(email.trim().toLowerCase());
}
