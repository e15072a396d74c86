// Who may call the management API: the bearer of an access token this environment issued to its own
// API client (skc_…) by client_credentials, checked against our published keys, our issuer and the
// app's clock. Anything else is UNAUTHENTICATED, which is also what makes the Scalekit SDK fetch a
// token and retry (its first call carries none).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import type { KeySet } from '../oidc/signing-keys.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../store/time.js';
import type { Caller } from './audit.js';
import { Unauthenticated } from './errors.js';

export interface ManagementAuth {
  /** The caller named by an `Authorization: Bearer …` header, or UNAUTHENTICATED. */
  authenticate(authorization: string | undefined): Promise<Caller>;
}

// Verified tokens are remembered (by their full text) until they expire or the published keys change,
// so a caller's repeated calls cost a map lookup instead of an RSA verification each.
const REMEMBERED = 256;

export function managementAuth(deps: { store: Store; keys: KeySet; clock: Clock; issuer: () => string }): ManagementAuth {
  const verified = new Map<string, { caller: Caller; expiresAt: number; keysVersion: number }>();
  const publicKeys = new WeakMap<KeyObject, KeyObject>();
  const publicKeyOf = (kid: unknown): KeyObject => {
    const key = deps.keys.all.find((k) => k.kid === kid);
    if (!key) throw new Unauthenticated('Token invalid');
    let pub = publicKeys.get(key.privateKey);
    if (!pub) publicKeys.set(key.privateKey, (pub = createPublicKey(key.privateKey)));
    return pub;
  };

  return {
    async authenticate(authorization) {
      const token = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (!token) throw new Unauthenticated('Token empty');
      const known = verified.get(token);
      if (known && deps.clock() < known.expiresAt && known.keysVersion === deps.keys.version) return known.caller;
      let payload;
      try {
        ({ payload } = await jwtVerify(token, (header) => publicKeyOf(header.kid), {
          issuer: deps.issuer(),
          algorithms: ['RS256'],
          currentDate: new Date(deps.clock()),
        }));
      } catch (err) {
        throw new Unauthenticated(err instanceof errors.JWTExpired ? 'Token expired' : 'Token invalid');
      }
      const environmentClient = deps.store.clients.listByKind('environment')[0]?.clientId;
      if (!environmentClient || payload.client_id !== environmentClient) {
        throw new Unauthenticated('Token is not an environment API token');
      }
      const caller = { actor: environmentClient };
      if (verified.size >= REMEMBERED) verified.clear();
      verified.set(token, { caller, expiresAt: (payload.exp ?? 0) * 1000, keysVersion: deps.keys.version });
      return caller;
    },
  };
}
