// The environment's allow-list of Scalekit test users: whether it is on, its emails (lower case) and the
// static code they sign in with. One row; without one, the defaults (off, no emails, 424242).
import type { Db } from './database.js';
import { parseJsonArray } from './json.js';
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
  get(): TestUserAllowList & { updateTime?: string };
  /** Replaces the allow-list; true when it changed. */
  put(list: TestUserAllowList): boolean;
}

interface Row {
  enabled: number;
  emails: string;
  static_code: string;
  update_time: string;
}

export function sqliteTestUsers(db: Db, clock: Clock): TestUserRepository {
  const read = db.prepare<[], Row>('SELECT * FROM test_users WHERE id = 1');
  const write = db.prepare(
    `INSERT INTO test_users (id, enabled, emails, static_code, update_time) VALUES (1, @enabled, @emails, @staticCode, @now)
     ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, emails = excluded.emails, static_code = excluded.static_code, update_time = excluded.update_time`,
  );
  const get = () => {
    const row = read.get();
    if (!row) return { ...DEFAULT_TEST_USERS, emails: [] };
    return { enabled: row.enabled === 1, emails: parseJsonArray<string>(row.emails), staticCode: row.static_code, updateTime: row.update_time };
  };
  return {
    get,
    put(list) {
      const current = get();
      const emails = JSON.stringify(list.emails);
      if (current.enabled === list.enabled && JSON.stringify(current.emails) === emails && current.staticCode === list.staticCode && current.updateTime) return false;
      write.run({ enabled: list.enabled ? 1 : 0, emails, staticCode: list.staticCode, now: isoNow(clock) });
      return true;
    },
  };
}
