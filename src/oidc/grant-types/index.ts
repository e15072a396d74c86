// The registry of grants: one entry per grant_type (grant.ts), in the order metadata lists them. The token
// route picks a request's grant here, both issuers' metadata list what is offered there, oidc-provider
// learns each client's grant_types from here, registration which grants a client may name, and our own
// handlers get their client authenticated and checked here, once for every grant.
import type { Client } from '../../store/clients.js';
import type { Store } from '../../store/index.js';
import { authenticateClient, presentedCredentials } from '../client-auth.js';
import { UnauthorizedClient, UnsupportedGrantType } from '../errors.js';
import { authorizationCode } from './authorization-code.js';
import { clientCredentials } from './client-credentials.js';
import type { Grant, GrantIssuer, GrantRequest, TokenAnswer } from './grant.js';
import { jwtBearer } from './jwt-bearer.js';
import { refreshToken } from './refresh-token.js';
import { tokenExchange } from './token-exchange.js';

export const GRANTS: readonly Grant[] = [authorizationCode, clientCredentials, refreshToken, tokenExchange, jwtBearer];

const byType = new Map(GRANTS.map((g) => [g.grantType, g]));

/** The grant a request names, when this issuer offers it; else unsupported_grant_type (RFC 6749 §5.2). */
export async function offeredGrant(store: Store, issuer: GrantIssuer, grantType: string): Promise<Grant> {
  const grant = byType.get(grantType);
  if (!grant) throw new UnsupportedGrantType(`unsupported grant_type requested: ${grantType.slice(0, 64)}`);
  if (!(await grant.offeredAt(issuer, store))) throw new UnsupportedGrantType(grant.notOffered?.(issuer) ?? `${grantType} is not offered at this issuer`);
  return grant;
}

/** What an issuer's metadata says of its grants: `grant_types_supported`, what it offers now, and what those grants add. */
export async function grantsMetadata(store: Store, issuer: GrantIssuer, issuerUrl: string): Promise<Record<string, unknown>> {
  const offered = await Promise.all(GRANTS.map((g) => g.offeredAt(issuer, store)));
  const grants = GRANTS.filter((_, i) => offered[i]);
  return Object.assign({ grant_types_supported: grants.map((g) => g.grantType) }, ...grants.map((g) => g.metadata?.(issuer, issuerUrl) ?? {}));
}

/** The grants a client may use at an issuer. */
export const grantTypesOf = (client: Client, issuer: GrantIssuer): string[] =>
  GRANTS.filter((g) => g.allowsClient(client, issuer)).map((g) => g.grantType);

/** What oidc-provider is told a client's `grant_types` are: the grants it answers that the client may use. */
export const providerGrantTypes = (client: Client, issuer: GrantIssuer): string[] =>
  GRANTS.filter((g) => g.handler === 'provider' && g.allowsClient(client, issuer)).map((g) => g.grantType);

/** The grant types a client may list when it registers (RFC 7591 `grant_types`, a client ID metadata document). */
export const REGISTRABLE_GRANT_TYPES: readonly string[] = GRANTS.filter((g) => g.registrable).map((g) => g.grantType);

/** Our own handlers serve confidential clients: authenticated here, then held to the grant's rule. */
export async function answerOwnGrant(grant: Grant, request: GrantRequest): Promise<TokenAnswer> {
  if (grant.handler === 'provider') throw new Error(`${grant.grantType} is answered by oidc-provider`);
  const { env, params, authorization, issuer } = request;
  const client = await authenticateClient(env.store, presentedCredentials(authorization, params, env.issuer), env.issuer);
  if (!grant.allowsClient(client, issuer)) throw new UnauthorizedClient(`the client is not allowed to use the ${grant.grantType} grant`);
  return grant.handler({ ...request, client });
}

export type { Grant, GrantIssuer, GrantRequest, TokenAnswer } from './grant.js';
