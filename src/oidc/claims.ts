// The one module that builds access-token claims in Scalekit's shape: `scope` (string) and `scopes`
// (array) both, `jti` tkn_<digits>, `nbf` = `iat`, custom claims at the top level.
import type { Client } from '../store/clients.js';
import { newId } from '../store/ids.js';

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  client_id: string;
  aud?: string[];
  oid?: string;
  scope: string;
  scopes: string[];
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  [custom: string]: unknown;
}

// Custom claims may add to a token, never rewrite what identifies or bounds it.
const REGISTERED = new Set(['iss', 'sub', 'client_id', 'aud', 'oid', 'scope', 'scopes', 'jti', 'iat', 'nbf', 'exp', 'resid', 'sid']);

export function clientCredentialsClaims(input: {
  issuer: string;
  client: Client;
  scopes: string[];
  now: number; // epoch seconds
}): AccessTokenClaims {
  const { issuer, client, scopes, now } = input;
  const claims: AccessTokenClaims = {
    iss: issuer,
    sub: client.clientId,
    client_id: client.clientId,
    ...(client.audience.length > 0 ? { aud: [...client.audience] } : {}),
    ...(client.organizationId ? { oid: client.organizationId } : {}),
    scope: scopes.join(' '),
    scopes,
    jti: newId('token'),
    iat: now,
    nbf: now,
    exp: now + client.expiry,
  };
  for (const { key, value } of client.customClaims) {
    if (!REGISTERED.has(key)) claims[key] = value;
  }
  return claims;
}
