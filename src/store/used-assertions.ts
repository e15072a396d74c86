// Assertions already presented at a token endpoint (ID-JAGs: RFC 7523 §3, ext-auth "Enterprise-Managed
// Authorization" §7.4.2), by issuer and jti, remembered until they expire: a second presentation is a
// replay. In the database, so every replica refuses it: the mark is one INSERT … ON CONFLICT DO NOTHING,
// and of two presentations at once (here or on another replica) only the one whose row landed wins.
import type { Scope } from './scope.js';

export interface UsedAssertionRepository {
  /**
   * Marks the assertion used, in one statement (two at once cannot both win); false when it was used
   * before. Rows past their expiry at `now` (epoch seconds) are dropped on the way.
   */
  use(issuer: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
}

const PRUNE = 'DELETE FROM used_assertions WHERE expires_at <= ?';
const INSERT = 'INSERT INTO used_assertions (issuer, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT (issuer, jti) DO NOTHING';

export function usedAssertionRepository(scope: Scope): UsedAssertionRepository {
  const { sql } = scope;
  return {
    async use(issuer, jti, expiresAt, now) {
      await sql.run(PRUNE, [now]);
      return (await sql.run(INSERT, [issuer, jti, expiresAt])).changes === 1;
    },
  };
}
