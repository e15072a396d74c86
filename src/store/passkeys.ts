// Passkeys: the WebAuthn credentials people registered (public keys only), and the challenges of the
// ceremonies in progress, each bound to one sign-in (an oidc-provider interaction), used once, expiring.
// Challenges are kept as digests: the page that started a ceremony holds the challenge itself.
import { createHash } from 'node:crypto';
import type { IdSource } from './ids.js';
import { parseJsonArray } from './json.js';
import type { Scope } from './scope.js';
import { isoNow, type Clock } from './time.js';

export interface Passkey {
  id: string;
  userId: string;
  /** base64url, as the authenticator names the credential. */
  credentialId: string;
  /** COSE_Key. */
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean;
  backedUp: boolean;
  userVerified: boolean;
  rpId: string;
  displayName: string;
  createTime: string;
  updateTime: string;
  lastUsedTime?: string;
}

export type NewPasskey = Omit<Passkey, 'id' | 'createTime' | 'updateTime' | 'lastUsedTime'>;

export type ChallengePurpose = 'registration' | 'authentication';

export interface ChallengeInput {
  challenge: string;
  purpose: ChallengePurpose;
  ns: string;
  uid: string;
  /** Registration: who signed in, and how (an RFC 8176 amr value). */
  userId?: string;
  amr?: string;
  expiresAt: number;
}

/** What using a challenge found: one still to be used (now used up), or why not. */
export type ChallengeUse =
  | { state: 'valid'; userId?: string; amr?: string }
  | { state: 'unknown' | 'elsewhere' | 'used' | 'expired' };

export interface PasskeyRepository {
  create(input: NewPasskey): Promise<Passkey>;
  get(id: string): Promise<Passkey | undefined>;
  byCredentialId(credentialId: string): Promise<Passkey | undefined>;
  listByUser(userId: string): Promise<Passkey[]>;
  /** After a sign-in: the counter the authenticator reported, and when. */
  recordUse(id: string, counter: number): Promise<void>;
  rename(id: string, displayName: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  createChallenge(input: ChallengeInput): Promise<void>;
  /** Uses up the challenge for this sign-in and purpose; any other answer leaves it as it was. */
  useChallenge(challenge: string, purpose: ChallengePurpose, ns: string, uid: string): Promise<ChallengeUse>;
  /** The newest registration of this sign-in not yet used or expired, used up now (the person skipped it). */
  usePendingRegistration(ns: string, uid: string): Promise<ChallengeUse>;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Buffer;
  counter: number;
  transports: string;
  aaguid: string;
  backup_eligible: number;
  backed_up: number;
  user_verified: number;
  rp_id: string;
  display_name: string;
  create_time: string;
  update_time: string;
  last_used_time: string | null;
}

interface ChallengeRow {
  challenge_hash: string;
  purpose: string;
  ns: string;
  uid: string;
  user_id: string | null;
  amr: string | null;
  expires_at: number;
  used_at: number | null;
}

// Challenges a day past their expiry are of no use, not even to say "expired".
const KEEP_EXPIRED_MS = 86_400_000;

const digest = (challenge: string) => createHash('sha256').update(challenge).digest('hex');

const passkeyOf = (row: PasskeyRow): Passkey => ({
  id: row.id,
  userId: row.user_id,
  credentialId: row.credential_id,
  publicKey: new Uint8Array(row.public_key),
  counter: row.counter,
  transports: parseJsonArray<string>(row.transports),
  aaguid: row.aaguid,
  backupEligible: row.backup_eligible === 1,
  backedUp: row.backed_up === 1,
  userVerified: row.user_verified === 1,
  rpId: row.rp_id,
  displayName: row.display_name,
  createTime: row.create_time,
  updateTime: row.update_time,
  ...(row.last_used_time ? { lastUsedTime: row.last_used_time } : {}),
});

const INSERT = `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, transports, aaguid, backup_eligible, backed_up,
    user_verified, rp_id, display_name, create_time, update_time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const BY_ID = 'SELECT * FROM passkeys WHERE id = ?';
const BY_CREDENTIAL = 'SELECT * FROM passkeys WHERE credential_id = ?';
const OF_USER = 'SELECT * FROM passkeys WHERE user_id = ? ORDER BY create_time, id';
const USED = 'UPDATE passkeys SET counter = ?, last_used_time = ? WHERE id = ?';
const RENAMED = 'UPDATE passkeys SET display_name = ?, update_time = ? WHERE id = ? AND display_name <> ?';
const REMOVED = 'DELETE FROM passkeys WHERE id = ?';
const INSERT_CHALLENGE = `INSERT INTO passkey_challenges (challenge_hash, purpose, ns, uid, user_id, amr, expires_at, create_time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const PRUNE = 'DELETE FROM passkey_challenges WHERE expires_at < ?';
const CHALLENGE_BY_HASH = 'SELECT * FROM passkey_challenges WHERE challenge_hash = ?';
const PENDING = `SELECT * FROM passkey_challenges WHERE ns = ? AND uid = ? AND purpose = 'registration' AND used_at IS NULL AND expires_at > ?
  ORDER BY create_time DESC LIMIT 1`;
// Only a row still unused is taken: of two requests racing with one challenge, one wins.
const USE_UP = 'UPDATE passkey_challenges SET used_at = ? WHERE challenge_hash = ? AND used_at IS NULL';

export function passkeyRepository(scope: Scope, clock: Clock, ids: IdSource): PasskeyRepository {
  const { sql } = scope;
  const one = async (text: string, param: string) => {
    const row = await sql.get<PasskeyRow>(text, [param]);
    return row && passkeyOf(row);
  };

  const take = async (row: ChallengeRow, now: number): Promise<ChallengeUse> => {
    if (row.used_at !== null) return { state: 'used' };
    if (row.expires_at <= now) return { state: 'expired' };
    if ((await sql.run(USE_UP, [now, row.challenge_hash])).changes === 0) return { state: 'used' };
    return { state: 'valid', ...(row.user_id ? { userId: row.user_id } : {}), ...(row.amr ? { amr: row.amr } : {}) };
  };

  return {
    async create(input) {
      const id = ids.newId('passkey');
      const now = isoNow(clock);
      await sql.run(INSERT, [
        id,
        input.userId,
        input.credentialId,
        Buffer.from(input.publicKey),
        input.counter,
        JSON.stringify(input.transports),
        input.aaguid,
        input.backupEligible ? 1 : 0,
        input.backedUp ? 1 : 0,
        input.userVerified ? 1 : 0,
        input.rpId,
        input.displayName,
        now,
        now,
      ]);
      return (await one(BY_ID, id))!;
    },
    get: (id) => one(BY_ID, id),
    byCredentialId: (credentialId) => one(BY_CREDENTIAL, credentialId),
    listByUser: async (userId) => (await sql.all<PasskeyRow>(OF_USER, [userId])).map(passkeyOf),
    async recordUse(id, counter) {
      await sql.run(USED, [counter, isoNow(clock), id]);
    },
    rename: async (id, displayName) => (await sql.run(RENAMED, [displayName, isoNow(clock), id, displayName])).changes > 0,
    remove: async (id) => (await sql.run(REMOVED, [id])).changes > 0,
    createChallenge: (input) =>
      scope.atomic(async ({ sql }) => {
        const now = clock();
        await sql.run(PRUNE, [now - KEEP_EXPIRED_MS]);
        await sql.run(INSERT_CHALLENGE, [digest(input.challenge), input.purpose, input.ns, input.uid, input.userId ?? null, input.amr ?? null, input.expiresAt, now]);
      }),
    async useChallenge(challenge, purpose, ns, uid) {
      const row = await sql.get<ChallengeRow>(CHALLENGE_BY_HASH, [digest(challenge)]);
      if (!row || row.purpose !== purpose) return { state: 'unknown' };
      if (row.ns !== ns || row.uid !== uid) return { state: 'elsewhere' };
      return take(row, clock());
    },
    async usePendingRegistration(ns, uid) {
      const now = clock();
      const row = await sql.get<ChallengeRow>(PENDING, [ns, uid, now]);
      return row ? take(row, now) : { state: 'unknown' };
    },
  };
}
