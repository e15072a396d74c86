// The rows behind passkeys: credentials with their public key and counter, gone with their user; and the
// challenges of ceremonies in progress, kept as digests, bound to one sign-in and purpose, used once,
// expiring. Also the test-users allow-list's one row.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import type { RawDatabase } from '../helpers/databases.js';
import { ENGINES, storePerTest } from './engines.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');


const credential = {
  userId: 'usr_1',
  credentialId: 'cred-AAAA',
  publicKey: new Uint8Array([165, 1, 2, 3, 38]),
  counter: 1,
  transports: ['internal'],
  aaguid: '00000000-0000-0000-0000-000000000000',
  backupEligible: false,
  backedUp: false,
  userVerified: true,
  rpId: 'localhost',
  displayName: 'Passkey',
};
describe.each(ENGINES)('on $name', (engine) => {
let now = T0;
let store: Store;
let raw: RawDatabase;
beforeEach(() => {
  now = T0;
});
const each = storePerTest(engine, () => now);
beforeEach(async () => {
  ({ store, raw } = each);
  await store.users.upsert({ id: 'usr_1', email: 'ada@example.com', name: 'Ada' });
});

describe('passkeys', () => {
  it('keeps a credential under a pkc_ id with its public key, and its counter and last use after a sign-in', async () => {
    const kept = await store.passkeys.create(credential);
    expect(kept.id).toMatch(/^pkc_\d{17}$/);
    expect(await store.passkeys.byCredentialId('cred-AAAA')).toMatchObject({ ...credential, id: kept.id, createTime: '2025-01-01T00:00:00.000Z' });
    now += 60_000;
    await store.passkeys.recordUse(kept.id, 7);
    expect(await store.passkeys.get(kept.id)).toMatchObject({ counter: 7, lastUsedTime: '2025-01-01T00:01:00.000Z' });
  });

  it('is removed with its user', async () => {
    await store.passkeys.create(credential);
    await raw.run('DELETE FROM users WHERE id = ?', ['usr_1']);
    expect(await store.passkeys.byCredentialId('cred-AAAA')).toBeUndefined();
  });
});

describe('passkey_challenges', () => {
  const started = { challenge: 'challenge-0123456789', purpose: 'authentication' as const, ns: 'res_1', uid: 'uid-1', expiresAt: T0 + 300_000 };

  it('keeps only a digest of the challenge', async () => {
    await store.passkeys.createChallenge(started);
    const row = (await raw.get<Record<string, unknown>>('SELECT * FROM passkey_challenges'))!;
    expect(row.challenge_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain('challenge-0123456789');
  });

  it('is used once, for its own sign-in and purpose; another one is left as it was', async () => {
    await store.passkeys.createChallenge(started);
    expect(await store.passkeys.useChallenge('challenge-0123456789', 'registration', 'res_1', 'uid-1')).toEqual({ state: 'unknown' });
    expect(await store.passkeys.useChallenge('challenge-0123456789', 'authentication', 'res_1', 'uid-2')).toEqual({ state: 'elsewhere' });
    expect(await store.passkeys.useChallenge('nothing-like-it', 'authentication', 'res_1', 'uid-1')).toEqual({ state: 'unknown' });
    expect(await store.passkeys.useChallenge('challenge-0123456789', 'authentication', 'res_1', 'uid-1')).toEqual({ state: 'valid' });
    expect(await store.passkeys.useChallenge('challenge-0123456789', 'authentication', 'res_1', 'uid-1')).toEqual({ state: 'used' });
  });

  it('expires at its time', async () => {
    await store.passkeys.createChallenge(started);
    now = T0 + 300_000;
    expect(await store.passkeys.useChallenge('challenge-0123456789', 'authentication', 'res_1', 'uid-1')).toEqual({ state: 'expired' });
  });

  it('gives the pending registration of a sign-in (who, how) once, newest first', async () => {
    await store.passkeys.createChallenge({ ...started, challenge: 'older', purpose: 'registration', userId: 'usr_1', amr: 'pwd' });
    now += 1;
    await store.passkeys.createChallenge({ ...started, challenge: 'newer', purpose: 'registration', userId: 'usr_1', amr: 'otp' });
    expect(await store.passkeys.usePendingRegistration('res_1', 'uid-1')).toEqual({ state: 'valid', userId: 'usr_1', amr: 'otp' });
    expect(await store.passkeys.useChallenge('newer', 'registration', 'res_1', 'uid-1')).toEqual({ state: 'used' });
    expect(await store.passkeys.usePendingRegistration('res_1', 'uid-2')).toEqual({ state: 'unknown' });
  });
});

describe('test_users', () => {
  it('reads the defaults without a row, and changes only when something differs', async () => {
    expect(await store.testUsers.get()).toEqual({ enabled: false, emails: [], staticCode: '424242' });
    expect(await store.testUsers.put({ enabled: true, emails: ['qa+sktest@example.com'], staticCode: '135790' })).toBe(true);
    expect(await store.testUsers.put({ enabled: true, emails: ['qa+sktest@example.com'], staticCode: '135790' })).toBe(false);
    expect(await raw.all('SELECT enabled, emails, static_code FROM test_users')).toEqual([{ enabled: 1, emails: '["qa+sktest@example.com"]', static_code: '135790' }]);
  });
});

});
