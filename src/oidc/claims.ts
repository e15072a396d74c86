// The one module that builds access-token claims in Scalekit's shape: `scope` (string) and `scopes`
// (array) both, `jti` tkn_<digits>, `nbf` = `iat`, custom claims at the top level.
import { RESERVED_CLAIMS } from '../config/reserved-claims.js';
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

export interface AccessTokenInput {
  issuer: string;
  subject: string;
  clientId: string;
  audience: string[];
  organizationId?: string;
  scopes: string[];
  now: number; // epoch seconds
  lifetime: number; // seconds
  customClaims?: { key: string; value: unknown }[];
}

export function accessTokenClaims(input: AccessTokenInput): AccessTokenClaims {
  const claims: AccessTokenClaims = {
    iss: input.issuer,
    sub: input.subject,
    client_id: input.clientId,
    ...(input.audience.length > 0 ? { aud: [...input.audience] } : {}),
    ...(input.organizationId ? { oid: input.organizationId } : {}),
    scope: input.scopes.join(' '),
    scopes: [...input.scopes],
    jti: newId('token'),
    iat: input.now,
    nbf: input.now,
    exp: input.now + input.lifetime,
  };
  for (const { key, value } of input.customClaims ?? []) {
    if (!RESERVED_CLAIMS.has(key)) claims[key] = value; // custom claims add, never rewrite
  }
  return claims;
}

/** An M2M token: the client is its own subject. */
export function clientCredentialsClaims(input: { issuer: string; client: Client; scopes: string[]; now: number }): AccessTokenClaims {
  const { client } = input;
  return accessTokenClaims({
    issuer: input.issuer,
    subject: client.clientId,
    clientId: client.clientId,
    audience: client.audience,
    ...(client.organizationId ? { organizationId: client.organizationId } : {}),
    scopes: input.scopes,
    now: input.now,
    lifetime: client.expiry,
    customClaims: client.customClaims,
  });
}
