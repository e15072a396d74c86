// One-time sign-in codes and links sent by email for one authorization (an oidc-provider interaction).
// Only digests are stored. Only the newest message of a sign-in works: sending a new code ends the
// earlier ones (and their links), whichever email they went to. Verifying looks at every code of the
// interaction and email, expired, used and replaced ones too, so the answer can say which.
import { createHash } from 'node:crypto';
import type { Scope } from './scope.js';

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
  create(input: EmailCodeInput): Promise<void>;
  /** Checks `code` against the codes sent for (ns, uid, email); a valid one is used up with all the others. */
  useCode(ns: string, uid: string, email: string, code: string): Promise<CodeCheck>;
  /** Checks a link's token for the sign-in (ns, uid); a valid one is used up with the other codes. */
  useLink(linkToken: string, ns: string, uid: string): Promise<LinkCheck>;
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

const INSERT = `INSERT INTO email_codes (ns, uid, email, code_hash, link_hash, expires_at, create_time) VALUES (?, ?, ?, ?, ?, ?, ?)`;
const PRUNE = 'DELETE FROM email_codes WHERE expires_at < ?';
const OF_INTERACTION = 'SELECT * FROM email_codes WHERE ns = ? AND uid = ? AND email = ?';
const BY_LINK = 'SELECT * FROM email_codes WHERE link_hash = ?';
const USE_ALL = 'UPDATE email_codes SET used_at = ? WHERE ns = ? AND uid = ? AND email = ? AND used_at IS NULL';
const NEWEST_OF_SIGN_IN = 'SELECT max(id) AS id FROM email_codes WHERE ns = ? AND uid = ?';

export function emailCodeRepository(scope: Scope, clock: () => number): EmailCodeRepository {
  const { sql } = scope;
  const stateOf = async (row: Row, now: number): Promise<Exclude<CodeCheck, 'wrong'>> => {
    if (row.used_at !== null) return 'used';
    if (row.id !== (await sql.get<{ id: number }>(NEWEST_OF_SIGN_IN, [row.ns, row.uid]))?.id) return 'replaced';
    return row.expires_at <= now ? 'expired' : 'valid';
  };
  // Only codes still unused are taken: of two requests racing with one code, one wins.
  const useUp = async (row: Row, now: number) => (await sql.run(USE_ALL, [now, row.ns, row.uid, row.email])).changes > 0;

  return {
    create: (input) =>
      scope.atomic(async ({ sql }) => {
        const now = clock();
        const email = input.email.toLowerCase();
        await sql.run(PRUNE, [now - KEEP_EXPIRED_MS]);
        await sql.run(INSERT, [input.ns, input.uid, email, codeDigest(input.ns, input.uid, email, input.code), sha256(input.linkToken), input.expiresAt, now]);
      }),
    async useCode(ns, uid, email, code) {
      const now = clock();
      const lower = email.toLowerCase();
      const digest = codeDigest(ns, uid, lower, code);
      // A valid match wins over an expired, used or replaced one with the same code.
      const rows = (await sql.all<Row>(OF_INTERACTION, [ns, uid, lower])).filter((row) => row.code_hash === digest);
      const states = await Promise.all(rows.map(async (row) => ({ row, state: await stateOf(row, now) })));
      const valid = states.find((s) => s.state === 'valid');
      if (valid) return (await useUp(valid.row, now)) ? 'valid' : 'used';
      for (const state of ['used', 'replaced', 'expired'] as const) if (states.some((s) => s.state === state)) return state;
      return 'wrong';
    },
    async useLink(linkToken, ns, uid) {
      const now = clock();
      const row = await sql.get<Row>(BY_LINK, [sha256(linkToken)]);
      if (!row) return { state: 'unknown' };
      if (row.ns !== ns || row.uid !== uid) return { state: 'elsewhere' };
      const state = await stateOf(row, now);
      if (state === 'valid' && !(await useUp(row, now))) return { state: 'used', email: row.email };
      return { state, email: row.email };
    },
  };
}
