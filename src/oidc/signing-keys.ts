// The key store: an RSA 2048 key (RS256, kid snk_<digits>) generated on first start, kept in SQLite and
// loaded unchanged on every start after.
import { generateKeyPair, type webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { importJWK, type JWK } from 'jose';
import { newId } from '../store/ids.js';
import type { SigningKeyRepository } from '../store/signing-keys.js';

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
  /** A WebCrypto key: jose signs with it off the main thread. */
  privateKey: webcrypto.CryptoKey;
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

export async function loadOrCreateKeySet(repo: SigningKeyRepository): Promise<KeySet> {
  let stored = repo.list();
  if (stored.length === 0) {
    const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = newId('signingKey');
    const publicJwk: PublicJwk = { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: jwk.n!, e: jwk.e! };
    repo.add({ kid, alg: 'RS256', privateJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, publicJwk: { ...publicJwk } });
    stored = repo.list();
  }
  const all = await Promise.all(
    stored.map(async (k): Promise<SigningKey> => {
      const privateJwk = k.privateJwk as JWK;
      return {
        kid: k.kid,
        alg: 'RS256',
        privateKey: (await importJWK(privateJwk, 'RS256')) as webcrypto.CryptoKey,
        privateJwk,
        publicJwk: k.publicJwk as unknown as PublicJwk,
      };
    }),
  );
  // The newest key signs; older ones stay published so tokens they signed still verify.
  const current = all[all.length - 1]!;
  return { current, all, jwks: { keys: all.map((k) => k.publicJwk) } };
}
