// The environment's allow-list of Scalekit test users: whether it is on, its emails (lower case) and the
// static code they sign in with. One row; without one, the defaults (off, no emails, 424242).
import { parseJsonArray } from './json.js';
import type { Scope } from './scope.js';
import type { Sql } from './sql/sql.js';
import { isoNow, type Clock } from './time.js';

export interface TestUserAllowList {
  enabled: boolean;
  /** Lower case, in the order given. */
  emails: string[];
  /** Exactly 6 digits. */
  staticCode: string;
}

export const DEFAULT_TEST_USERS: TestUserAllowList = { enabled: false, emails: [], staticCode: '424242' };

export interface TestUserRepository {
  get(): Promise<TestUserAllowList & { updateTime?: string }>;
  /** Replaces the allow-list; true when it changed. */
  put(list: TestUserAllowList): Promise<boolean>;
}

interface Row {
  enabled: number;
  emails: string;
  static_code: string;
  update_time: string;
}

const READ = 'SELECT * FROM test_users WHERE id = 1';
const WRITE = `INSERT INTO test_users (id, enabled, emails, static_code, update_time) VALUES (1, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, emails = excluded.emails, static_code = excluded.static_code, update_time = excluded.update_time`;

export function testUserRepository(scope: Scope, clock: Clock): TestUserRepository {
  const get = async (sql: Sql) => {
    const row = await sql.get<Row>(READ);
    if (!row) return { ...DEFAULT_TEST_USERS, emails: [] };
    return { enabled: row.enabled === 1, emails: parseJsonArray<string>(row.emails), staticCode: row.static_code, updateTime: row.update_time };
  };
  return {
    get: () => get(scope.sql),
    put: (list) =>
      scope.atomic(async ({ sql }) => {
        const current = await get(sql);
        const emails = JSON.stringify(list.emails);
        if (current.enabled === list.enabled && JSON.stringify(current.emails) === emails && current.staticCode === list.staticCode && current.updateTime) return false;
        await sql.run(WRITE, [list.enabled ? 1 : 0, emails, list.staticCode, isoNow(clock)]);
        return true;
      }),
  };
}
