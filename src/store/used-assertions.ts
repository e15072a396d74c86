// Assertions already presented at a token endpoint (ID-JAGs: RFC 7523 §3, ext-auth "Enterprise-Managed
// Authorization" §7.4.2), by issuer and jti, remembered until they expire: a second presentation is a
// replay. In the store, so every replica refuses it.
import type { Db } from './database.js';

export interface UsedAssertionRepository {
  /**
   * Marks the assertion used, in one statement (two at once cannot both win); false when it was used
   * before. Rows past their expiry at `now` (epoch seconds) are dropped on the way.
   */
  use(issuer: string, jti: string, expiresAt: number, now: number): boolean;
}

export function sqliteUsedAssertions(db: Db): UsedAssertionRepository {
  const prune = db.prepare<[number]>('DELETE FROM used_assertions WHERE expires_at <= ?');
  const insert = db.prepare<[string, string, number]>('INSERT INTO used_assertions (issuer, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT (issuer, jti) DO NOTHING');
  return {
    use(issuer, jti, expiresAt, now) {
      prune.run(now);
      return insert.run(issuer, jti, expiresAt).changes === 1;
    },
  };
}
