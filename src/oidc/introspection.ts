// RFC 7662 token introspection at the environment's issuer and at each MCP server's: the caller
// authenticates as a client that may call that issuer; an inactive token (unknown, expired, revoked,
// another issuer's) is exactly {"active": false}; an active access token answers with its claims, as
// issued, a refresh token with what the grant holds. Only those the token concerns learn that it is
// active (§4): the client it was issued to, the environment's own client, and the credentials of the MCP
// server it is for (a static client registered under that server); to anyone else it is inactive.
import type { Client } from '../store/clients.js';
import type { EnvironmentContext } from './environment.js';
import type { FormParams } from './form.js';
import { authenticateCaller, findActiveToken, isForResource, requiredToken, type ActiveToken, type TokenIssuer } from './presented-tokens.js';
import { sameResource } from './resource-url.js';

export type IntrospectionResponse = { active: false } | ({ active: true; token_type: string } & Record<string, unknown>);

export async function introspectionRequest(env: EnvironmentContext, issuer: TokenIssuer, params: FormParams, authorization: string | undefined): Promise<IntrospectionResponse> {
  const caller = await authenticateCaller(env, issuer, params, authorization);
  const token = await findActiveToken(env, issuer, requiredToken(params));
  return token && (await maySee(env, caller, token, issuer)) ? activeResponse(token, issuer) : { active: false };
}

async function maySee(env: EnvironmentContext, caller: Client, token: ActiveToken, issuer: TokenIssuer): Promise<boolean> {
  if (caller.clientId === token.clientId || caller.kind === 'environment') return true;
  // An MCP server's own credentials: created for it by the management API, not self-registered (DCR, CIMD).
  const server = caller.kind === 'resource' && caller.resourceId !== undefined ? await env.store.resources.get(caller.resourceId) : undefined;
  if (!server) return false;
  if (token.type === 'access_token') return isForResource(token.claims, server);
  // A refresh token: the MCP server of its issuer, or at the environment's the servers it was granted for.
  if (issuer.resource) return issuer.resource.id === server.id;
  return ([] as unknown[]).concat(token.payload.resource ?? []).some((r) => sameResource(String(r), server.serverUrl));
}

function activeResponse(token: ActiveToken, issuer: TokenIssuer): IntrospectionResponse {
  // `active` and `token_type` are the RFC's; a custom claim cannot replace them.
  if (token.type === 'access_token') return Object.assign({ active: true as const }, token.claims, { active: true as const, token_type: 'Bearer' });
  const p = token.payload;
  return { active: true, scope: p.scope, client_id: p.clientId, sub: p.accountId, iss: issuer.url, iat: p.iat, exp: p.exp, token_type: 'refresh_token' };
}
