// Signs access tokens: RS256 (RSASSA-PKCS1-v1_5 with SHA-256), header {alg, kid, typ} as
// Scalekit's tokens carry (`typ` by the token profile of the MCP server the token is for). node:crypto's callback form runs the RSA operation on the libuv thread
// pool, off the event loop, with less per-call work than WebCrypto (measured: see bench/).
import { sign } from 'node:crypto';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './claims.js';
import type { SigningKey } from './signing-keys.js';

// The encoded header of each key, by `typ`.
const encodedHeaders = new WeakMap<SigningKey, Map<string, string>>();

function encodedHeader(key: SigningKey, typ: string): string {
  let headers = encodedHeaders.get(key);
  if (headers === undefined) encodedHeaders.set(key, (headers = new Map()));
  let header = headers.get(typ);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ })).toString('base64url');
    headers.set(typ, header);
  }
  return header;
}

/** `typ` from accessTokenTyp(): Scalekit's `JWT` unless the token is for an rfc9068 MCP server. */
export function signAccessToken(key: SigningKey, claims: AccessTokenClaims, typ: string = ACCESS_TOKEN_TYP.scalekit): Promise<string> {
  return signWithHeader(key, encodedHeader(key, typ), claims);
}

/** Any JWT of ours with a header of its own (an ID token re-stamped on the emulator's clock). */
export function signJwt(key: SigningKey, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  return signWithHeader(key, Buffer.from(JSON.stringify({ ...header, alg: key.alg, kid: key.kid })).toString('base64url'), payload);
}

function signWithHeader(key: SigningKey, header: string, payload: object): Promise<string> {
  const signingInput = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(signingInput), key.privateKey, (err, signature) => {
      if (err) reject(err);
      else resolve(`${signingInput}.${signature.toString('base64url')}`);
    });
  });
}
