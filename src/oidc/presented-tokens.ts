// What revocation (RFC 7009) and introspection (RFC 7662) share: the issuer asked, the calling client
// (authenticated, and one that may call this issuer), and the token it presents, found only while it is
// active. Access tokens are our JWTs, known by their jti in issued_tokens; refresh tokens are
// oidc-provider's, stored per issuer. Anything else (unknown, forged, expired, revoked, another issuer's)
// is no token at all: revocation answers it with 200, introspection with {"active": false}.
import type { Client } from '../store/clients.js';
import type { OidcPayload } from '../store/oidc-payloads.js';
import type { Resource } from '../store/resources.js';
import { InvalidToken, verifyAccessToken } from './access-token-verifier.js';
import type { AccessTokenClaims } from './claims.js';
import { authenticateClient, presentedCredentials, presentedCredentialsOrClientId } from './client-auth.js';
import type { EnvironmentContext } from './environment.js';
import { InvalidRequest, UnauthorizedClient, UnknownMcpServer } from './errors.js';
import type { FormParams } from './form.js';
import { mayCallIssuer } from './issuer-clients.js';
import { resourceIssuer } from './issuers.js';
import { refreshTokenInForce } from './refresh-rotation.js';
import { sameResource } from './resource-url.js';

/** The issuer a request came to: the environment's, or an MCP server's. */
export interface TokenIssuer {
  url: string;
  /** Its namespace in oidc_payloads: 'env' or the res_ id. */
  ns: string;
  resource?: Resource;
}

export type ActiveToken =
  | { type: 'access_token'; clientId: string; jti: string; claims: AccessTokenClaims }
  | { type: 'refresh_token'; clientId: string; ns: string; id: string; grantId?: string; payload: OidcPayload };

/** `resourceId` from a /resources/<res_id>/… path; none for the environment. */
export async function tokenIssuer(env: EnvironmentContext, resourceId?: string): Promise<TokenIssuer> {
  if (resourceId === undefined) return { url: env.issuer, ns: 'env' };
  const resource = await env.store.resources.get(resourceId);
  if (!resource) throw new UnknownMcpServer();
  return { url: resourceIssuer(env.issuer, resource.id), ns: resource.id, resource };
}

/**
 * The client making the request, if it may call this issuer; else invalid_client or unauthorized_client.
 * A confidential client always, a public one (its client_id alone) only where `publicClients` allows it.
 */
export async function authenticateCaller(env: EnvironmentContext, issuer: TokenIssuer, params: FormParams, authorization: string | undefined, publicClients = false): Promise<Client> {
  const presented = publicClients ? presentedCredentialsOrClientId(authorization, params, env.issuer) : presentedCredentials(authorization, params, env.issuer);
  const client = await authenticateClient(env.store, presented, env.issuer);
  if (!mayCallIssuer(client, issuer.resource)) throw new UnauthorizedClient('the client is not a client of this MCP server');
  return client;
}

export function requiredToken(params: FormParams): string {
  const token = params.get('token');
  if (token === undefined) throw new InvalidRequest("missing required parameter 'token'");
  return token;
}

// token_type_hint (RFC 7009 §2.1, RFC 7662 §2.1) may be ignored: a JWT is told from a refresh token by its shape.
export async function findActiveToken(env: EnvironmentContext, issuer: TokenIssuer, token: string): Promise<ActiveToken | undefined> {
  const now = Math.floor(env.clock() / 1000);
  return token.split('.').length === 3 ? activeAccessToken(env, issuer, token, now) : activeRefreshToken(env, issuer, token, now);
}

async function activeAccessToken(env: EnvironmentContext, issuer: TokenIssuer, token: string, now: number): Promise<ActiveToken | undefined> {
  let claims: AccessTokenClaims;
  try {
    claims = await verifyAccessToken(env, token); // our signature, issuer and the emulator's clock
  } catch (err) {
    if (err instanceof InvalidToken) return undefined;
    throw err;
  }
  if (typeof claims.jti !== 'string') return undefined;
  // An MCP server's issuer knows only the tokens for that server.
  if (issuer.resource && !isForResource(claims, issuer.resource)) return undefined;
  const row = await env.store.issuedTokens.get(claims.jti);
  if (!row || row.revokedAt !== undefined || row.expiresAt <= now) return undefined;
  return { type: 'access_token', clientId: row.clientId, jti: row.jti, claims };
}

async function activeRefreshToken(env: EnvironmentContext, issuer: TokenIssuer, token: string, now: number): Promise<ActiveToken | undefined> {
  const payload = await env.store.oidcPayloads.find(issuer.ns, 'RefreshToken', token, now);
  if (!payload || typeof payload.clientId !== 'string') return undefined;
  // A rotated refresh token still leads to its unused successor for a short while after its first use, and no longer.
  if (payload.consumed !== undefined && !(await refreshTokenInForce(env.store.oidcPayloads, issuer.ns, token, now))) return undefined;
  if (typeof payload.exp === 'number' && payload.exp <= now) return undefined;
  const grantId = typeof payload.grantId === 'string' ? { grantId: payload.grantId } : {};
  return { type: 'refresh_token', clientId: payload.clientId, ns: issuer.ns, id: token, ...grantId, payload };
}

/** An access token for that MCP server: its `resid`, or the server in its audience. */
export const isForResource = (claims: AccessTokenClaims, resource: Resource) =>
  claims.resid === resource.id || (claims.aud ?? []).some((a) => a === resource.id || sameResource(a, resource.serverUrl));
