// The registry of grants: one entry per grant_type (grant.ts), in the order metadata lists them. The token
// route picks a request's grant here, both issuers' metadata list what is offered there, oidc-provider
// learns each client's grant_types from here (and which grants it runs at all), registration which grants
// a client may name, and our own handlers get their client authenticated and checked here, once for every
// grant.
import type { Client } from '../../store/clients.js';
import type { Repositories } from '../../store/index.js';
import { authenticateClient, presentedCredentials } from '../client-auth.js';
import { UnauthorizedClient, UnsupportedGrantType } from '../errors.js';
import { boundResourceId } from '../issuer-clients.js';
import type { IssuerScope } from '../provider.js';
import { authorizationCode } from './authorization-code.js';
import { clientCredentials } from './client-credentials.js';
import { deviceCode } from './device-code.js';
import type { Grant, GrantIssuer, GrantRequest, TokenAnswer } from './grant.js';
import { jwtBearer } from './jwt-bearer.js';
import { refreshToken } from './refresh-token.js';
import { tokenExchange } from './token-exchange.js';

export const GRANTS: readonly Grant[] = [authorizationCode, clientCredentials, refreshToken, deviceCode, tokenExchange, jwtBearer];

const byType = new Map(GRANTS.map((g) => [g.grantType, g]));

/** The issuer of a provider's scope, as the grants see it; undefined when its MCP server is gone. */
export async function grantIssuerOf(store: Repositories, scope: IssuerScope): Promise<GrantIssuer | undefined> {
  if (scope.kind === 'environment') return { kind: 'environment' };
  const resource = await store.resources.get(scope.resourceId);
  return resource && { kind: 'resource', resource };
}

/** The grant a request names, when this issuer offers it; else unsupported_grant_type (RFC 6749 §5.2). */
export async function offeredGrant(store: Repositories, issuer: GrantIssuer, grantType: string): Promise<Grant> {
  const grant = byType.get(grantType);
  if (!grant) throw new UnsupportedGrantType(`unsupported grant_type requested: ${grantType.slice(0, 64)}`);
  if (!(await grant.offeredAt(issuer, store))) throw new UnsupportedGrantType(grant.notOffered?.(issuer) ?? `${grantType} is not offered at this issuer`);
  return grant;
}

/** What an issuer's metadata says of its grants: `grant_types_supported`, what it offers and can work now, and what those grants add. */
export async function grantsMetadata(store: Repositories, issuer: GrantIssuer, issuerUrl: string): Promise<Record<string, unknown>> {
  const listed = await Promise.all(GRANTS.map(async (g) => (await g.offeredAt(issuer, store)) && ((await g.listedAt?.(issuer, store)) ?? true)));
  const grants = GRANTS.filter((_, i) => listed[i]);
  return Object.assign({ grant_types_supported: grants.map((g) => g.grantType) }, ...grants.map((g) => g.metadata?.(issuer, issuerUrl) ?? {}));
}

/** The grants a client may use at an issuer, by each grant's own rule (the environment client's, which is bound to no MCP server). */
export const grantTypesOf = (client: Client, issuer: GrantIssuer): string[] =>
  GRANTS.filter((g) => g.allowsClient(client, issuer)).map((g) => g.grantType);

/** The grants the issuer's oidc-provider runs: those it answers that the issuer offers now. */
export async function providerGrants(store: Repositories, issuer: GrantIssuer): Promise<string[]> {
  const offered = await Promise.all(GRANTS.map(async (g) => g.handler === 'provider' && (await g.offeredAt(issuer, store))));
  return GRANTS.filter((_, i) => offered[i]).map((g) => g.grantType);
}

/**
 * What oidc-provider is told a client's `grant_types` are: of the grants it runs at this issuer, those the
 * client may use. At the environment's issuer a client bound to an MCP server gets tokens for its server
 * only (issuer-clients.ts), by the same grant: only by those its server offers too, as a server's switch
 * holds wherever its tokens are asked.
 */
export async function providerGrantTypes(store: Repositories, client: Client, issuer: GrantIssuer): Promise<string[]> {
  const run = await providerGrants(store, issuer);
  const bound = issuer.kind === 'environment' ? boundResourceId(client) : undefined;
  const server = bound === undefined ? undefined : await store.resources.get(bound);
  const serverRuns = bound === undefined ? run : server ? await providerGrants(store, { kind: 'resource', resource: server }) : [];
  return GRANTS.filter((g) => run.includes(g.grantType) && serverRuns.includes(g.grantType) && g.allowsClient(client, issuer)).map((g) => g.grantType);
}

/** Every grant type a client may ever list (a client ID metadata document, which serves at any issuer). */
export const REGISTRABLE_GRANT_TYPES: readonly string[] = GRANTS.filter((g) => g.registrable).map((g) => g.grantType);

/** The grants a client may list when it registers at this issuer (RFC 7591 `grant_types`): the registrable ones it offers. */
export async function registrableGrants(store: Repositories, issuer: GrantIssuer): Promise<Grant[]> {
  const offered = await Promise.all(GRANTS.map(async (g) => g.registrable && (await g.offeredAt(issuer, store))));
  return GRANTS.filter((_, i) => offered[i]);
}

/** Our own handlers serve confidential clients: authenticated here, then held to the grant's rule. */
export async function answerOwnGrant(grant: Grant, request: GrantRequest): Promise<TokenAnswer> {
  if (grant.handler === 'provider') throw new Error(`${grant.grantType} is answered by oidc-provider`);
  const { env, params, authorization, issuer } = request;
  const client = await authenticateClient(env.store, presentedCredentials(authorization, params, env.issuer), env.issuer);
  if (!grant.allowsClient(client, issuer)) throw new UnauthorizedClient(`the client is not allowed to use the ${grant.grantType} grant`);
  return grant.handler({ ...request, client });
}

export type { Grant, GrantIssuer, GrantRequest, TokenAnswer } from './grant.js';
export { DEVICE_CODE } from './urns.js';
