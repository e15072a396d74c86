// Signs access tokens: RS256, header {alg, kid, typ: "JWT"} as Scalekit's tokens carry.
import { SignJWT } from 'jose';
import type { AccessTokenClaims } from './claims.js';
import type { SigningKey } from './signing-keys.js';

export function signAccessToken(key: SigningKey, claims: AccessTokenClaims): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}
