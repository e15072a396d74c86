// Scalekit's test users: an email with `+sktest` in its local part (e.g. `qa+sktest@example.com`) gets no
// email at all; the static code 424242 signs it in, so end-to-end tests need no mailbox. On Scalekit the
// emails are an allow-list of the environment; here every such email is a test user.
import type { TestUserAllowList } from '../store/test-users.js';

export const TEST_USER_CODE = '424242';

export function isTestUser(email: string): boolean {
  return /^[^@]*\+sktest[^@]*@[^@]+$/i.test(email.trim());
}

/**
 * Scalekit's own rule: the email is on the environment's allow-list of test users (Dashboard > Test
 * users, seed `test_users`, REST), which is switched on. It signs in with the list's static code.
 */
export function isAllowListedTestUser(email: string, allowList: TestUserAllowList): boolean {
  return allowList.enabled && allowList.emails.includes(email.trim().toLowerCase());
}
