// The key store: an RSA 2048 key (RS256, kid snk_<digits>) generated on first start, kept in the store
// and loaded unchanged on every start after (starts racing on a new database, replicas too, keep the
// first key stored, and all sign with it). The ring is live: a rotation publishes the next key at once,
// signs with it from its activation time, and unpublishes the old key at its retire time; a rotation
// through another replica reaches this ring through the store's change notices within a second.
import { createPrivateKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { randomIds, type IdSource } from '../store/ids.js';
import type { StoreChanges } from '../store/changes.js';
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
  readonly current: SigningKey;
  /** The published keys, the signing one first. */
  readonly all: SigningKey[];
  /** The body of GET /keys: public parts only. */
  readonly jwks: { keys: PublicJwk[] };
  /**
   * Grows by one whenever the signing key or the published set changes (a rotation, a switch, a
   * retirement), so holders of a copy (oidc-provider's keystore, a cached /keys body) know to rebuild.
   */
  readonly version: number;
  /** Reads the keys from the store again; call after writing one. */
  reload(): Promise<void>;
}

const generateRsa = promisify(generateKeyPair);

export interface KeyOptions {
  /** Use the package's pre-generated test key instead of generating one (fixtures only). */
  fixedTestKey?: boolean;
  /** Only fixtures may sign with the test keys, which are public. */
  allowTestKeys?: boolean;
  /** Epoch ms: when a rotated key starts signing and an old one leaves /keys. Default Date.now. */
  clock?: () => number;
  /** Where a generated key's kid comes from. Default random. */
  ids?: IdSource;
  /** The store's change notices: the ring reloads when a key was written anywhere. */
  changes?: StoreChanges;
}

export class TestKeyRefused extends Error {
  constructor() {
    super('the database holds the public test signing key of a fixture; refusing to sign with it outside a fixture');
    this.name = 'TestKeyRefused';
  }
}

const isTestKid = (kid: string) => kid === FIXED_TEST_KID || kid === FOREIGN_TEST_KID;

export async function loadOrCreateKeySet(repo: SigningKeyRepository, options: KeyOptions = {}): Promise<KeySet> {
  let stored = await repo.list();
  if (stored.length === 0 && options.fixedTestKey) {
    if (!options.allowTestKeys) throw new TestKeyRefused();
    stored = await repo.addFirst(storedKey(FIXED_TEST_KID, FIXED_TEST_KEY));
  }
  if (!options.allowTestKeys && stored.some((k) => isTestKid(k.kid))) throw new TestKeyRefused();
  if (stored.length === 0) {
    const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    // Starts racing on a new database each generate a key, but only the first one stored is kept.
    stored = await repo.addFirst(storedKey((options.ids ?? randomIds).newId('signingKey'), privateKey.export({ format: 'jwk' }) as JWK));
  }
  const ring = keyRing(repo, stored, options.clock ?? Date.now);
  options.changes?.on('signing_keys', () => ring.reload());
  return ring;
}

/**
 * Adds a new key, published at once and signing from `activateTime`; every older key leaves /keys at
 * `retireTime` (when the last token it signed has expired). Returns the new key's kid.
 */
export async function rotateSigningKey(
  repo: SigningKeyRepository,
  keys: KeySet,
  at: { activateTime: string; retireTime: string },
  ids: IdSource = randomIds,
): Promise<string> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const kid = ids.newId('signingKey');
  await repo.add(storedKey(kid, privateKey.export({ format: 'jwk' }) as JWK, at.activateTime));
  await repo.retireOthers(kid, at.retireTime);
  await keys.reload();
  return kid;
}

interface RingKey {
  key: SigningKey;
  activateAt: number;
  retireAt: number;
}

interface RingState {
  current: SigningKey;
  all: SigningKey[];
  jwks: { keys: PublicJwk[] };
  /** The next activation or retirement: the state is recomputed once the clock passes it. */
  validUntil: number;
}

function keyRing(repo: SigningKeyRepository, stored: StoredSigningKey[], clock: () => number): KeySet {
  const cache = new Map<string, SigningKey>(); // kid -> key, so a reload keeps the parsed KeyObjects
  const ringKeys = (list: StoredSigningKey[]): RingKey[] =>
    list.map((k) => {
      let key = cache.get(k.kid);
      if (!key) {
        const privateJwk = k.privateJwk as JWK;
        key = { kid: k.kid, alg: 'RS256', privateKey: privateKeyOf(privateJwk), privateJwk, publicJwk: k.publicJwk as unknown as PublicJwk };
        cache.set(k.kid, key);
      }
      return {
        key,
        // A key without an activation time was not rotated in: it signs from the start.
        activateAt: k.activateTime ? Date.parse(k.activateTime) : -Infinity,
        retireAt: k.retireTime ? Date.parse(k.retireTime) : Infinity,
      };
    });

  let keys = ringKeys(stored);
  let state = ringState(keys, clock());
  let version = 1;
  const update = () => {
    const next = ringState(keys, clock());
    const kids = (s: RingState) => s.all.map((k) => k.kid).join(' ');
    if (kids(next) !== kids(state)) version++;
    state = next;
  };
  let reloading: Promise<void> = Promise.resolve();
  const fresh = () => {
    if (clock() >= state.validUntil) update();
    return state;
  };
  return {
    get current() {
      return fresh().current;
    },
    get all() {
      return fresh().all;
    },
    get jwks() {
      return fresh().jwks;
    },
    get version() {
      fresh();
      return version;
    },
    // One read at a time, so an older read never lands after a newer one.
    reload() {
      reloading = reloading.catch(() => undefined).then(async () => {
        keys = ringKeys(await repo.list());
        update();
      });
      return reloading;
    },
  };
}

// Of the published keys whose activation has passed, the one rotated in last signs (keys come in
// insertion order); keys not yet active or not yet retired stay published, so MCP servers can fetch a
// key before it signs, and tokens of an old key verify until they expire.
function ringState(keys: RingKey[], now: number): RingState {
  const published = keys.filter((k) => now < k.retireAt);
  const active = published.filter((k) => k.activateAt <= now);
  const signer = active.at(-1) ?? published.at(-1) ?? keys.at(-1)!;
  const all = [signer.key, ...published.filter((k) => k !== signer).reverse().map((k) => k.key)];
  const upcoming = keys.flatMap((k) => [k.activateAt, k.retireAt]).filter((t) => t > now);
  return { current: signer.key, all, jwks: { keys: all.map((k) => k.publicJwk) }, validUntil: Math.min(Infinity, ...upcoming) };
}

// The published form, in the order Scalekit's /keys lists the fields.
function storedKey(kid: string, jwk: JWK, activateTime?: string): Omit<StoredSigningKey, 'createTime'> {
  const publicJwk: PublicJwk = { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: jwk.n!, e: jwk.e! };
  return {
    kid,
    alg: 'RS256',
    privateJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' },
    publicJwk: { ...publicJwk },
    ...(activateTime ? { activateTime } : {}),
  };
}

export function privateKeyOf(jwk: JWK): KeyObject {
  return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
}
