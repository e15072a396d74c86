// The one module that builds access-token claims in Scalekit's shape, whatever grant issued the token:
// `scope` (string) and `scopes` (array) both, `jti` tkn_<digits>, `nbf` = `iat`, `aud` the MCP server's URL
// and id when the token is for one, custom claims at the top level. Its header's `typ` comes from
// accessTokenTyp(). `iss` is the environment URL, or the MCP server's own issuer when the token is for a
// server whose token_issuer is 'resource' (Scalekit's coming "issuer-bound access tokens") or whose
// token_profile is 'rfc9068' (RFC 9068: `typ: at+jwt`, and the issuer its clients discovered), whatever
// the grant.
import { RESERVED_CLAIMS } from '../config/reserved-claims.js';
import type { Client } from '../store/clients.js';
import type { IdSource } from '../store/ids.js';
import type { Resource, TokenProfile } from '../store/resources.js';
import { resourceIssuer } from './issuers.js';

/** Scalekit's access tokens say `typ: JWT`; RFC 9068 §2.1's say `at+jwt`. */
export const ACCESS_TOKEN_TYP: Readonly<Record<TokenProfile, string>> = { scalekit: 'JWT', rfc9068: 'at+jwt' };

/** The `typ` of a token for this MCP server (none: a token for no one server, Scalekit's). */
export const accessTokenTyp = (resource?: Resource): string => ACCESS_TOKEN_TYP[resource?.tokenProfile ?? 'scalekit'];

/** RFC 9068 tokens, and those of servers with issuer-bound tokens, name the server's own issuer. */
const ownIssuer = (resource: Resource | undefined): resource is Resource =>
  resource !== undefined && (resource.tokenIssuer === 'resource' || resource.tokenProfile === 'rfc9068');

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  client_id: string;
  aud?: string[];
  oid?: string;
  resid?: string;
  sid?: string;
  scope: string;
  scopes: string[];
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  /** RFC 9068 §2.2.1, user tokens of an rfc9068 server: when and how the person signed in. */
  auth_time?: number;
  acr?: string;
  amr?: string[];
  /** RFC 8693 §4.1: who acts for the subject (a token had by token exchange), the earlier actor nested. */
  act?: Actor;
  [custom: string]: unknown;
}

export interface Actor {
  sub: string;
  act?: Actor;
}

export interface AccessTokenInput {
  /** The environment URL. */
  issuer: string;
  subject: string;
  clientId: string;
  audience: string[];
  organizationId?: string;
  /** The MCP server the token is for: `resid`, and its URL and id in `aud`. */
  resource?: Resource;
  /** The user's session (ses_…), for tokens issued to a signed-in user. */
  sessionId?: string;
  /** How the user signed in (RFC 9068 §2.2.1): carried only by the tokens of an rfc9068 server. */
  authentication?: { authTime?: number; acr?: string; amr?: string[] };
  /** The client acting for the subject, for a token had by token exchange (RFC 8693 §4.1 `act`). */
  actor?: Actor;
  scopes: string[];
  now: number; // epoch seconds
  lifetime: number; // seconds
  customClaims?: { key: string; value: unknown }[];
  /** The environment's id source, for the jti. */
  ids: IdSource;
}

/** A token for an MCP server names the server's URL, as registered, and its id. */
export const resourceAudience = (resource: Resource) => [resource.serverUrl, resource.id];

export function accessTokenClaims(input: AccessTokenInput): AccessTokenClaims {
  const audience = input.resource ? resourceAudience(input.resource) : input.audience;
  const claims: AccessTokenClaims = {
    iss: ownIssuer(input.resource) ? resourceIssuer(input.issuer, input.resource.id) : input.issuer,
    sub: input.subject,
    client_id: input.clientId,
    ...(audience.length > 0 ? { aud: [...audience] } : {}),
    ...(input.organizationId ? { oid: input.organizationId } : {}),
    ...(input.resource ? { resid: input.resource.id } : {}),
    ...(input.sessionId ? { sid: input.sessionId } : {}),
    ...(input.actor ? { act: input.actor } : {}),
    scope: input.scopes.join(' '),
    scopes: [...input.scopes],
    jti: input.ids.newId('token'),
    iat: input.now,
    nbf: input.now,
    exp: input.now + input.lifetime,
    ...(input.resource?.tokenProfile === 'rfc9068' ? authenticationClaims(input.authentication) : {}),
  };
  for (const { key, value } of input.customClaims ?? []) {
    if (!RESERVED_CLAIMS.has(key)) claims[key] = value; // custom claims add, never rewrite
  }
  return claims;
}

function authenticationClaims(a: AccessTokenInput['authentication']): Pick<AccessTokenClaims, 'auth_time' | 'acr' | 'amr'> {
  return {
    ...(a?.authTime !== undefined ? { auth_time: a.authTime } : {}),
    ...(a?.acr ? { acr: a.acr } : {}),
    ...(a?.amr?.length ? { amr: [...a.amr] } : {}),
  };
}

/**
 * An M2M token: the client is its own subject. `audience` is what the request narrowed the client's
 * audience to; `resource` is set when the token is for one MCP server (a client of that server, or a
 * request to the server's own token endpoint).
 */
export function clientCredentialsClaims(input: {
  issuer: string;
  client: Client;
  audience: string[];
  resource?: Resource;
  scopes: string[];
  now: number;
  ids: IdSource;
}): AccessTokenClaims {
  const { client } = input;
  return accessTokenClaims({
    issuer: input.issuer,
    subject: client.clientId,
    clientId: client.clientId,
    audience: input.audience,
    ...(input.resource ? { resource: input.resource } : {}),
    ...(client.organizationId ? { organizationId: client.organizationId } : {}),
    scopes: input.scopes,
    now: input.now,
    lifetime: client.expiry,
    customClaims: client.customClaims,
    ids: input.ids,
  });
}
