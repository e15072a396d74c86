// The client_credentials grant (RFC 6749 §4.4) for the environment client and M2M clients, named steps
// in the order of the RFC's checklist: authenticate, check scope, check resource, issue, record.
import type { Client } from '../store/clients.js';
import type { Resource } from '../store/resources.js';
import type { Store } from '../store/index.js';
import { clientCredentialsClaims } from './claims.js';
import { authenticateClient, presentedCredentials } from './client-auth.js';
import { InvalidScope, InvalidTarget, UnauthorizedClient } from './errors.js';
import type { FormParams } from './form.js';
import type { KeySet } from './signing-keys.js';
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
}

const CONFIDENTIAL_KINDS = new Set(['environment', 'organization', 'resource']);

/**
 * `resource` is set when the request came to an MCP server's token endpoint
 * (`/resources/<res_id>/oauth/token`): only clients of that server are served there.
 */
export async function clientCredentialsGrant(
  ctx: ClientCredentialsContext,
  params: FormParams,
  authorization: string | undefined,
  resource?: Resource,
): Promise<TokenResponse> {
  const client = authenticateClient(ctx.store, presentedCredentials(authorization, params, ctx.issuer), ctx.issuer);
  checkGrantAllowed(client);
  if (resource) checkClientOfResource(client, resource);
  const scopes = grantedScopes(client, params.get('scope'));
  checkResource(client, params.get('resource'));
  const claims = clientCredentialsClaims({ issuer: ctx.issuer, client, scopes, now: Math.floor(ctx.clock() / 1000) });
  const accessToken = await signAccessToken(ctx.keys.current, claims);
  await ctx.store.issuedTokens.record({
    jti: claims.jti,
    grantType: 'client_credentials',
    clientId: client.clientId,
    subject: claims.sub,
    scopes,
    audience: claims.aud ?? [],
    issuedAt: claims.iat,
    expiresAt: claims.exp,
  });
  return { access_token: accessToken, token_type: 'Bearer', expires_in: client.expiry, scope: claims.scope };
}

function checkGrantAllowed(client: Client): void {
  if (!CONFIDENTIAL_KINDS.has(client.kind) || client.redirectUris.length > 0) {
    throw new UnauthorizedClient('the client is not allowed to use the client_credentials grant');
  }
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

// Audiences may be written with or without one trailing slash.
const sameUrl = (a: string, b: string) => a.replace(/\/$/, '') === b.replace(/\/$/, '');

// RFC 8707: a resource the token would not be valid for is refused, not silently ignored.
function checkResource(client: Client, resource: string | undefined): void {
  if (resource === undefined) return;
  if (!client.audience.some((a) => sameUrl(a, resource))) {
    throw new InvalidTarget('the requested resource is not an audience of this client');
  }
}

function checkClientOfResource(client: Client, resource: Resource): void {
  if (client.resourceId === resource.id || client.audience.some((a) => sameUrl(a, resource.serverUrl))) return;
  throw new UnauthorizedClient('the client is not a client of this MCP server');
}
