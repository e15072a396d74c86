// Who may call the management API: the bearer of an access token this environment issued to its own
// API client (skc_…) by client_credentials, checked against our published keys, our issuer and the
// app's clock. Anything else is UNAUTHENTICATED, which is also what makes the Scalekit SDK fetch a
// token and retry (its first call carries none).
//
// The signature is what costs (an RSA verification), so a verified token is remembered; the token's
// audit row is read on every call (one primary-key read): it says how the token was issued (a person's
// token of the same client, from the code flow, is no admin credential) and whether it was revoked or
// expired since (RFC 7009, the fixture's controls). A row is shared by every replica of the store, so a
// revocation anywhere counts everywhere at once.
import { createPublicKey, type KeyObject } from 'node:crypto';
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

interface Verified {
  caller: Caller;
  jti: string;
  expiresAt: number;
  keysVersion: number;
}

export function managementAuth(deps: { store: Store; keys: KeySet; clock: Clock; issuer: () => string }): ManagementAuth {
  const verified = new Map<string, Verified>();
  const publicKeys = new WeakMap<KeyObject, KeyObject>();
  const publicKeyOf = (kid: unknown): KeyObject => {
    const key = deps.keys.all.find((k) => k.kid === kid);
    if (!key) throw new Unauthenticated('Token invalid');
    let pub = publicKeys.get(key.privateKey);
    if (!pub) publicKeys.set(key.privateKey, (pub = createPublicKey(key.privateKey)));
    return pub;
  };

  // Our signature, the environment's issuer exactly (not an MCP server's), our clock; then the claims
  // of the environment client's own token: it is both the client and the subject.
  const verify = async (token: string): Promise<Verified> => {
    // jose is loaded by the first management call: a start that serves only tokens never needs it.
    const { errors, jwtVerify } = await import('jose');
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
    const environmentClient = (await deps.store.clients.listByKind('environment'))[0]?.clientId;
    if (!environmentClient || payload.client_id !== environmentClient || payload.sub !== environmentClient || typeof payload.jti !== 'string') {
      throw new Unauthenticated('Token is not an environment API token');
    }
    return { caller: { actor: environmentClient }, jti: payload.jti, expiresAt: (payload.exp ?? 0) * 1000, keysVersion: deps.keys.version };
  };

  // What the audit row says now: issued to the environment client by client_credentials, still live.
  const checkIssued = async ({ caller, jti }: Verified): Promise<void> => {
    const row = await deps.store.issuedTokens.get(jti);
    if (!row || row.grantType !== 'client_credentials' || row.clientId !== caller.actor || row.subject !== caller.actor) {
      throw new Unauthenticated('Token is not an environment API token');
    }
    if (row.revokedAt !== undefined) throw new Unauthenticated('Token revoked');
    if (row.expiresAt * 1000 <= deps.clock()) throw new Unauthenticated('Token expired');
  };

  return {
    async authenticate(authorization) {
      const token = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (!token) throw new Unauthenticated('Token empty');
      const known = verified.get(token);
      if (known && deps.clock() < known.expiresAt && known.keysVersion === deps.keys.version) {
        await checkIssued(known);
        return known.caller;
      }
      const fresh = await verify(token);
      await checkIssued(fresh);
      if (verified.size >= REMEMBERED) verified.clear();
      verified.set(token, fresh);
      return fresh.caller;
    },
  };
}
