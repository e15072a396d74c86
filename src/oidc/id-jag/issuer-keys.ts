// The keys an ID-JAG's signature is checked with, by its issuer: the environment's own, or those of an
// identity provider the environment trusts (trusted_identity_providers), fetched from its jwks_uri under
// the same guard as client ID metadata documents (guarded-fetch.ts) and kept per app for as long as its
// cache headers say (30 s to a day), fetched again sooner when a key id is unknown (a rotation). An
// untrusted issuer has no keys.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { EnvironmentContext } from '../environment.js';
import { InvalidGrant } from '../errors.js';
import { fetchGuardedJson } from '../guarded-fetch.js';

const MAX_BYTES = 64 * 1024;
/** A key id nobody has seen yet sends for the keys again, at most this often. */
const REFETCH_AFTER_MS = 30_000;
const DEADLINE_MS = 5000;

interface Cached {
  jwksUri: string;
  keys: JWTVerifyGetKey;
  fetchedAt: number;
  expiresAt: number;
}

interface Fetches {
  cached: Map<string, Cached>;
  pending: Map<string, Promise<Cached>>;
}

// Per app (several emulators may share a process), as oidc-provider keys its private state by instance.
const perApp = new WeakMap<EnvironmentContext, Fetches>();

export interface IssuerKeys {
  keys: JWTVerifyGetKey;
  /** The keys fetched again, when a key id was unknown; undefined when they were fetched too recently. */
  refreshed(): Promise<JWTVerifyGetKey | undefined>;
}

/** The keys of a trusted issuer; undefined for an issuer the environment does not trust. */
export async function issuerKeys(env: EnvironmentContext, issuer: string): Promise<IssuerKeys | undefined> {
  if (issuer === env.issuer) {
    const keys = createLocalJWKSet(env.keys.jwks);
    return { keys, refreshed: async () => undefined };
  }
  const provider = await env.store.trustedIdentityProviders.get(issuer);
  if (!provider) return undefined;
  const fetches = perApp.get(env) ?? perApp.set(env, { cached: new Map(), pending: new Map() }).get(env)!;
  const current = fetches.cached.get(issuer);
  const usable = current && current.jwksUri === provider.jwksUri && current.expiresAt > env.clock() ? current : await fetchKeys(env, fetches, issuer, provider.jwksUri);
  return {
    keys: usable.keys,
    refreshed: async () => (env.clock() - usable.fetchedAt < REFETCH_AFTER_MS ? undefined : (await fetchKeys(env, fetches, issuer, provider.jwksUri)).keys),
  };
}

// One fetch per issuer at a time: concurrent requests share it.
function fetchKeys(env: EnvironmentContext, fetches: Fetches, issuer: string, jwksUri: string): Promise<Cached> {
  let fetching = fetches.pending.get(issuer);
  if (!fetching) {
    fetching = (async () => {
      const what = `the JWKS of ${issuer}`;
      const { document, maxAge } = await fetchGuardedJson(jwksUri, {
        insecure: env.settings.allowInsecureJwks,
        deadlineMs: DEADLINE_MS,
        maxBytes: MAX_BYTES,
        what,
        fail: (description) => new InvalidGrant(description),
      });
      const set = document as JSONWebKeySet;
      if (!set || typeof set !== 'object' || !Array.isArray(set.keys)) throw new InvalidGrant(`${what} is not a JWK set ({"keys": [...]})`);
      const now = env.clock();
      const cached = { jwksUri, keys: createLocalJWKSet(set), fetchedAt: now, expiresAt: now + maxAge * 1000 };
      fetches.cached.set(issuer, cached);
      return cached;
    })().finally(() => fetches.pending.delete(issuer));
    fetches.pending.set(issuer, fetching);
  }
  return fetching;
}
