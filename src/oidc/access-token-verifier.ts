// Checks an access token this environment issued, as a resource server would: RS256 with one of our keys,
// the `typ` of either token profile (`JWT`, or RFC 9068's `at+jwt`), an issuer of this environment (its URL
// or an MCP server's issuer), and the emulator's clock for `exp`/`nbf`. For our own endpoints that take a
// bearer token (/userinfo, introspection, revocation).
import type { JWTPayload } from 'jose';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './claims.js';
import type { EnvironmentContext } from './environment.js';

export class InvalidToken extends Error {
  constructor(description: string) {
    super(description);
    this.name = 'InvalidToken';
  }
}

// Compared as jose compares `typ`: case-insensitive, with or without the `application/` prefix.
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(Object.values(ACCESS_TOKEN_TYP).map((t) => t.toLowerCase()));
const isAccessTokenTyp = (typ: unknown) => typeof typ === 'string' && ACCESS_TOKEN_TYPES.has(typ.toLowerCase().replace(/^application\//, ''));

export async function verifyAccessToken(env: EnvironmentContext, token: string): Promise<AccessTokenClaims> {
  // jose is loaded by the first bearer token presented: a start that only issues tokens never needs it.
  const { createLocalJWKSet, jwtVerify } = await import('jose');
  let payload: JWTPayload;
  try {
    let protectedHeader;
    ({ payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(env.keys.jwks), { algorithms: ['RS256'], currentDate: new Date(env.clock()) }));
    if (!isAccessTokenTyp(protectedHeader.typ)) throw new InvalidToken('not an access token');
  } catch {
    throw new InvalidToken('the access token is invalid or expired');
  }
  const iss = String(payload.iss);
  if (iss !== env.issuer && !iss.startsWith(`${env.issuer}/resources/`)) throw new InvalidToken('the access token was not issued here');
  return payload as AccessTokenClaims;
}
