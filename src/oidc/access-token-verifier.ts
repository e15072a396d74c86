// Checks an access token this environment issued, as a resource server would: RS256 with one of our keys,
// `typ: JWT`, an issuer of this environment (its URL or an MCP server's issuer), and the emulator's clock
// for `exp`/`nbf`. For our own endpoints that take a bearer token (/userinfo).
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './claims.js';
import type { EnvironmentContext } from './environment.js';

export class InvalidToken extends Error {
  constructor(description: string) {
    super(description);
    this.name = 'InvalidToken';
  }
}

export async function verifyAccessToken(env: EnvironmentContext, token: string): Promise<AccessTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(env.keys.jwks), {
      algorithms: ['RS256'],
      typ: ACCESS_TOKEN_TYP,
      currentDate: new Date(env.clock()),
    }));
  } catch {
    throw new InvalidToken('the access token is invalid or expired');
  }
  const iss = String(payload.iss);
  if (iss !== env.issuer && !iss.startsWith(`${env.issuer}/resources/`)) throw new InvalidToken('the access token was not issued here');
  return payload as AccessTokenClaims;
}
