// Passkeys: the WebAuthn credentials people registered (public keys only), and the challenges of the
// ceremonies in progress, each bound to one sign-in (an oidc-provider interaction), used once, expiring.
// Challenges are kept as digests: the page that started a ceremony holds the challenge itself.
import { createHash } from 'node:crypto';
import type { Db } from './database.js';
import type { IdSource } from './ids.js';
import { parseJsonArray } from './json.js';
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
  create(input: NewPasskey): Passkey;
  get(id: string): Passkey | undefined;
  byCredentialId(credentialId: string): Passkey | undefined;
  listByUser(userId: string): Passkey[];
  /** After a sign-in: the counter the authenticator reported, and when. */
  recordUse(id: string, counter: number): void;
  rename(id: string, displayName: string): boolean;
  remove(id: string): boolean;
  createChallenge(input: ChallengeInput): void;
  /** Uses up the challenge for this sign-in and purpose; any other answer leaves it as it was. */
  useChallenge(challenge: string, purpose: ChallengePurpose, ns: string, uid: string): ChallengeUse;
  /** The newest registration of this sign-in not yet used or expired, used up now (the person skipped it). */
  usePendingRegistration(ns: string, uid: string): ChallengeUse;
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

export function sqlitePasskeys(db: Db, clock: Clock, ids: IdSource): PasskeyRepository {
  const insert = db.prepare(
    `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, transports, aaguid, backup_eligible, backed_up, user_verified, rp_id, display_name, create_time, update_time)
     VALUES (@id, @userId, @credentialId, @publicKey, @counter, @transports, @aaguid, @backupEligible, @backedUp, @userVerified, @rpId, @displayName, @now, @now)`,
  );
  const byId = db.prepare<[string], PasskeyRow>('SELECT * FROM passkeys WHERE id = ?');
  const byCredential = db.prepare<[string], PasskeyRow>('SELECT * FROM passkeys WHERE credential_id = ?');
  const ofUser = db.prepare<[string], PasskeyRow>('SELECT * FROM passkeys WHERE user_id = ? ORDER BY create_time, id');
  const used = db.prepare('UPDATE passkeys SET counter = ?, last_used_time = ? WHERE id = ?');
  const renamed = db.prepare('UPDATE passkeys SET display_name = ?, update_time = ? WHERE id = ? AND display_name != ?');
  const removed = db.prepare('DELETE FROM passkeys WHERE id = ?');
  const insertChallenge = db.prepare(
    `INSERT INTO passkey_challenges (challenge_hash, purpose, ns, uid, user_id, amr, expires_at, create_time)
     VALUES (@hash, @purpose, @ns, @uid, @userId, @amr, @expiresAt, @now)`,
  );
  const prune = db.prepare('DELETE FROM passkey_challenges WHERE expires_at < ?');
  const challengeByHash = db.prepare<[string], ChallengeRow>('SELECT * FROM passkey_challenges WHERE challenge_hash = ?');
  const pending = db.prepare<[string, string, number], ChallengeRow>(
    `SELECT * FROM passkey_challenges WHERE ns = ? AND uid = ? AND purpose = 'registration' AND used_at IS NULL AND expires_at > ?
     ORDER BY create_time DESC LIMIT 1`,
  );
  // Only a row still unused is taken: of two requests racing with one challenge, one wins.
  const useUp = db.prepare('UPDATE passkey_challenges SET used_at = ? WHERE challenge_hash = ? AND used_at IS NULL');

  const take = (row: ChallengeRow, now: number): ChallengeUse => {
    if (row.used_at !== null) return { state: 'used' };
    if (row.expires_at <= now) return { state: 'expired' };
    if (useUp.run(now, row.challenge_hash).changes === 0) return { state: 'used' };
    return { state: 'valid', ...(row.user_id ? { userId: row.user_id } : {}), ...(row.amr ? { amr: row.amr } : {}) };
  };

  return {
    create(input) {
      const id = ids.newId('passkey');
      insert.run({
        id,
        userId: input.userId,
        credentialId: input.credentialId,
        publicKey: Buffer.from(input.publicKey),
        counter: input.counter,
        transports: JSON.stringify(input.transports),
        aaguid: input.aaguid,
        backupEligible: input.backupEligible ? 1 : 0,
        backedUp: input.backedUp ? 1 : 0,
        userVerified: input.userVerified ? 1 : 0,
        rpId: input.rpId,
        displayName: input.displayName,
        now: isoNow(clock),
      });
      return passkeyOf(byId.get(id)!);
    },
    get: (id) => {
      const row = byId.get(id);
      return row && passkeyOf(row);
    },
    byCredentialId: (credentialId) => {
      const row = byCredential.get(credentialId);
      return row && passkeyOf(row);
    },
    listByUser: (userId) => ofUser.all(userId).map(passkeyOf),
    recordUse(id, counter) {
      used.run(counter, isoNow(clock), id);
    },
    rename: (id, displayName) => renamed.run(displayName, isoNow(clock), id, displayName).changes > 0,
    remove: (id) => removed.run(id).changes > 0,
    createChallenge(input) {
      const now = clock();
      db.transaction(() => {
        prune.run(now - KEEP_EXPIRED_MS);
        insertChallenge.run({
          hash: digest(input.challenge),
          purpose: input.purpose,
          ns: input.ns,
          uid: input.uid,
          userId: input.userId ?? null,
          amr: input.amr ?? null,
          expiresAt: input.expiresAt,
          now,
        });
      }).immediate();
    },
    useChallenge(challenge, purpose, ns, uid) {
      const row = challengeByHash.get(digest(challenge));
      if (!row || row.purpose !== purpose) return { state: 'unknown' };
      if (row.ns !== ns || row.uid !== uid) return { state: 'elsewhere' };
      return take(row, clock());
    },
    usePendingRegistration(ns, uid) {
      const now = clock();
      const row = pending.get(ns, uid, now);
      return row ? take(row, now) : { state: 'unknown' };
    },
  };
}
