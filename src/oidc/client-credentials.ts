// The client_credentials grant (RFC 6749 §4.4) for the environment client and M2M clients, named steps
// in the order of the RFC's checklist (the client is authenticated, and its grant checked, by the grant
// registry, grant-types/index.ts): check its MCP server, scope, resource, issue, record.
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Client } from '../store/clients.js';
import type { Resource } from '../store/resources.js';
import type { Store } from '../store/index.js';
import { accessTokenTyp, clientCredentialsClaims } from './claims.js';
import { InvalidScope, InvalidTarget, UnauthorizedClient } from './errors.js';
import type { FormParams } from './form.js';
import { boundResourceId, isClientOfResource } from './issuer-clients.js';
import { boundResourceOf } from './resource-indicators.js';
import { sameResource } from './resource-url.js';
import type { KeySet } from './signing-keys.js';
import { recordIssuedToken } from './token-audit.js';
import { signAccessToken } from './token-signer.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface ClientCredentialsContext {
  store: Store;
  keys: KeySet;
  issuer: string;
  clock: () => number;
  metrics: Metrics;
  /** Gets one audit line per issued token. */
  log?: Logger;
}

/**
 * `resource` is set when the request came to an MCP server's token endpoint
 * (`/resources/<res_id>/oauth/token`): only clients of that server are served there, and the token is
 * for that server.
 */
export async function clientCredentialsGrant(ctx: ClientCredentialsContext, client: Client, params: FormParams, resource?: Resource): Promise<TokenResponse> {
  if (resource) checkClientOfResource(client, resource);
  const scopes = grantedScopes(client, params.get('scope'));
  const target = tokenTarget(client, resource ?? (await boundResourceOf(ctx.store, client)), params.getAll('resource'));
  const claims = clientCredentialsClaims({ issuer: ctx.issuer, client, ...target, scopes, now: Math.floor(ctx.clock() / 1000), ids: ctx.store.ids });
  const accessToken = await signAccessToken(ctx.keys.current, claims, accessTokenTyp(target.resource));
  await recordIssuedToken(ctx, claims, { grantType: 'client_credentials', clientKind: client.kind });
  return { access_token: accessToken, token_type: 'Bearer', expires_in: client.expiry, scope: claims.scope };
}

/** No scope asks for all of the client's scopes; any scope it lacks is invalid_scope. */
function grantedScopes(client: Client, requested: string | undefined): string[] {
  if (requested === undefined) return [...client.scopes];
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  const missing = asked.filter((s) => !client.scopes.includes(s));
  if (missing.length > 0) {
    throw new InvalidScope(`requested scope is not allowed for this client: ${missing.join(' ')}`);
  }
  return asked;
}

/**
 * RFC 8707: what the token is for. A client of one MCP server (or a request to its token endpoint) gets a
 * token for that server (`resource`); otherwise the token's audience is the client's, narrowed to the
 * `resource` values asked (several are allowed). A resource the token would not be valid for is refused.
 */
function tokenTarget(client: Client, resource: Resource | undefined, asked: string[]): { audience: string[]; resource?: Resource } {
  if (resource) {
    if (asked.some((a) => !sameResource(a, resource.serverUrl))) throw new InvalidTarget('the requested resource is not this MCP server');
    return { audience: [], resource };
  }
  if (asked.length === 0) return { audience: [...client.audience] };
  const audience = asked.map((a) => {
    const match = client.audience.find((registered) => sameResource(registered, a));
    if (match === undefined) throw new InvalidTarget('the requested resource is not an audience of this client');
    return match;
  });
  return { audience: [...new Set(audience)] };
}

// A client bound to another MCP server is told that the target is wrong; any other stranger, that it is not served here.
function checkClientOfResource(client: Client, resource: Resource): void {
  if (isClientOfResource(client, resource)) return;
  if (boundResourceId(client) !== undefined) throw new InvalidTarget('the client may only ask for tokens for its own MCP server');
  throw new UnauthorizedClient('the client is not a client of this MCP server');
}
