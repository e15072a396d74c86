// Scalekit's test users: the environment's allow-list of up to 5 `+sktest` emails that sign in with a
// static code (default 424242) and get no email; everything else about their sign-in is as for anyone.
// Read by the login pages; changed by the seed, REST and the dashboard, audited as `test_users.updated`.
import type { Repositories } from '../store/index.js';
import type { TestUserAllowList } from '../store/test-users.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { testUsersInput, validate } from './validation.js';

export type { TestUserAllowList } from '../store/test-users.js';

export interface TestUserService {
  get(): Promise<TestUserAllowList>;
  /** Changes the fields given (a PATCH); answers the whole allow-list as it now is. */
  update(caller: Caller, patch: Partial<TestUserAllowList>): Promise<TestUserAllowList>;
}

export function testUserService({ store }: ServiceDeps, audit: AuditLog): TestUserService {
  const get = async (repos: Repositories): Promise<TestUserAllowList> => {
    const { enabled, emails, staticCode } = await repos.testUsers.get();
    return { enabled, emails, staticCode };
  };
  return {
    get: () => get(store),
    update(caller, patch) {
      return audit.transaction(async (tx) => {
        const list = validate(testUsersInput, { ...(await get(tx)), ...patch }, 'test_users');
        if (await tx.testUsers.put(list)) {
          // The emails are test addresses; the static code signs them in, so it stays out of the log.
          await audit.record(tx, caller, { type: 'test_users.updated', details: { enabled: list.enabled, emails: list.emails } });
        }
        return get(tx);
      });
    },
  };
}
