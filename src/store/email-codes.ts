// One-time sign-in codes and links sent by email for one authorization (an oidc-provider interaction).
// Only digests are stored. Only the newest message of a sign-in works: sending a new code ends the
// earlier ones (and their links), whichever email they went to. Verifying looks at every code of the
// interaction and email, expired, used and replaced ones too, so the answer can say which.
import { createHash } from 'node:crypto';
import type { Db } from './database.js';

export interface EmailCodeInput {
  ns: string;
  uid: string;
  email: string;
  code: string;
  linkToken: string;
  expiresAt: number;
}

/** `replaced`: a newer code was sent for the same sign-in. */
export type CodeCheck = 'valid' | 'wrong' | 'expired' | 'used' | 'replaced';

/** A link's state; `elsewhere`: it belongs to another sign-in than the one asking (left unused). */
export type LinkCheck = { state: 'unknown' | 'elsewhere' } | { state: Exclude<CodeCheck, 'wrong'>; email: string };

export interface EmailCodeRepository {
  /** Stores a new code and link for the sign-in (ns, uid); its earlier ones stop working. */
  create(input: EmailCodeInput): void;
  /** Checks `code` against the codes sent for (ns, uid, email); a valid one is used up with all the others. */
  useCode(ns: string, uid: string, email: string, code: string): CodeCheck;
  /** Checks a link's token for the sign-in (ns, uid); a valid one is used up with the other codes. */
  useLink(linkToken: string, ns: string, uid: string): LinkCheck;
}

interface Row {
  id: number;
  ns: string;
  uid: string;
  email: string;
  code_hash: string;
  expires_at: number;
  used_at: number | null;
}

// Rows a day past their expiry are of no use, not even to say "expired".
const KEEP_EXPIRED_MS = 86_400_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const codeDigest = (ns: string, uid: string, email: string, code: string) => sha256(`${ns}\n${uid}\n${email}\n${code}`);

export function sqliteEmailCodes(db: Db, clock: () => number): EmailCodeRepository {
  const insert = db.prepare(
    `INSERT INTO email_codes (ns, uid, email, code_hash, link_hash, expires_at, create_time)
     VALUES (@ns, @uid, @email, @codeHash, @linkHash, @expiresAt, @now)`,
  );
  const prune = db.prepare('DELETE FROM email_codes WHERE expires_at < ?');
  const ofInteraction = db.prepare<[string, string, string], Row>('SELECT * FROM email_codes WHERE ns = ? AND uid = ? AND email = ?');
  const byLink = db.prepare<[string], Row>('SELECT * FROM email_codes WHERE link_hash = ?');
  const useAll = db.prepare('UPDATE email_codes SET used_at = ? WHERE ns = ? AND uid = ? AND email = ? AND used_at IS NULL');
  const newestOfSignIn = db.prepare<[string, string], number>('SELECT max(id) FROM email_codes WHERE ns = ? AND uid = ?').pluck();

  const stateOf = (row: Row, now: number): Exclude<CodeCheck, 'wrong'> => {
    if (row.used_at !== null) return 'used';
    if (row.id !== newestOfSignIn.get(row.ns, row.uid)) return 'replaced';
    return row.expires_at <= now ? 'expired' : 'valid';
  };
  const useUp = (row: Row, now: number) => useAll.run(now, row.ns, row.uid, row.email);

  return {
    create(input) {
      const now = clock();
      const email = input.email.toLowerCase();
      db.transaction(() => {
        prune.run(now - KEEP_EXPIRED_MS);
        insert.run({
          ns: input.ns,
          uid: input.uid,
          email,
          codeHash: codeDigest(input.ns, input.uid, email, input.code),
          linkHash: sha256(input.linkToken),
          expiresAt: input.expiresAt,
          now,
        });
      }).immediate();
    },
    useCode(ns, uid, email, code) {
      const now = clock();
      const lower = email.toLowerCase();
      const digest = codeDigest(ns, uid, lower, code);
      // A valid match wins over an expired, used or replaced one with the same code.
      const states = ofInteraction
        .all(ns, uid, lower)
        .filter((row) => row.code_hash === digest)
        .map((row) => ({ row, state: stateOf(row, now) }));
      const valid = states.find((s) => s.state === 'valid');
      if (valid) {
        useUp(valid.row, now);
        return 'valid';
      }
      for (const state of ['used', 'replaced', 'expired'] as const) if (states.some((s) => s.state === state)) return state;
      return 'wrong';
    },
    useLink(linkToken, ns, uid) {
      const now = clock();
      const row = byLink.get(sha256(linkToken));
      if (!row) return { state: 'unknown' };
      if (row.ns !== ns || row.uid !== uid) return { state: 'elsewhere' };
      const state = stateOf(row, now);
      if (state === 'valid') useUp(row, now);
      return { state, email: row.email };
    },
  };
}
