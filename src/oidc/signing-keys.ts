// The key store: an RSA 2048 key (RS256, kid snk_<digits>) generated on first start, kept in SQLite and
// loaded unchanged on every start after. Starts racing on a new database each generate a key, but only
// the first one stored is kept, and every start signs with it.
import { createPrivateKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { newId } from '../store/ids.js';
import type { SigningKeyRepository, StoredSigningKey } from '../store/signing-keys.js';
import { FIXED_TEST_KEY, FIXED_TEST_KID, FOREIGN_TEST_KID } from './test-keys.js';

export interface PublicJwk {
  use: 'sig';
  kty: 'RSA';
  kid: string;
  alg: 'RS256';
  n: string;
  e: string;
}

export interface SigningKey {
  kid: string;
  alg: 'RS256';
  privateKey: KeyObject;
  privateJwk: JWK;
  publicJwk: PublicJwk;
}

export interface KeySet {
  /** The key new tokens are signed with. */
  current: SigningKey;
  all: SigningKey[];
  /** The body of GET /keys: public parts only. */
  jwks: { keys: PublicJwk[] };
}

const generateRsa = promisify(generateKeyPair);

export interface KeyOptions {
  /** Use the package's pre-generated test key instead of generating one (fixtures only). */
  fixedTestKey?: boolean;
  /** Only fixtures may sign with the test keys, which are public. */
  allowTestKeys?: boolean;
}

export class TestKeyRefused extends Error {
  constructor() {
    super('the database holds the public test signing key of a fixture; refusing to sign with it outside a fixture');
    this.name = 'TestKeyRefused';
  }
}

const isTestKid = (kid: string) => kid === FIXED_TEST_KID || kid === FOREIGN_TEST_KID;

export async function loadOrCreateKeySet(repo: SigningKeyRepository, options: KeyOptions = {}): Promise<KeySet> {
  let stored = repo.list();
  if (stored.length === 0 && options.fixedTestKey) {
    if (!options.allowTestKeys) throw new TestKeyRefused();
    stored = repo.addFirst(storedKey(FIXED_TEST_KID, FIXED_TEST_KEY));
  }
  if (!options.allowTestKeys && stored.some((k) => isTestKid(k.kid))) throw new TestKeyRefused();
  if (stored.length === 0) {
    const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    stored = repo.addFirst(storedKey(newId('signingKey'), privateKey.export({ format: 'jwk' }) as JWK));
  }
  const all = stored.map((k): SigningKey => {
    const privateJwk = k.privateJwk as JWK;
    return {
      kid: k.kid,
      alg: 'RS256',
      privateKey: privateKeyOf(privateJwk),
      privateJwk,
      publicJwk: k.publicJwk as unknown as PublicJwk,
    };
  });
  // The newest key signs; older ones stay published so tokens they signed still verify.
  const current = all[all.length - 1]!;
  return { current, all, jwks: { keys: all.map((k) => k.publicJwk) } };
}

// The published form, in the order Scalekit's /keys lists the fields.
function storedKey(kid: string, jwk: JWK): Omit<StoredSigningKey, 'createTime'> {
  const publicJwk: PublicJwk = { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: jwk.n!, e: jwk.e! };
  return { kid, alg: 'RS256', privateJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, publicJwk: { ...publicJwk } };
}

export function privateKeyOf(jwk: JWK): KeyObject {
  return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
}
