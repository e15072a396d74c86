// RFC 7662 token introspection at the environment's issuer and at each MCP server's: the caller
// authenticates as a client that may call that issuer; an inactive token (unknown, expired, revoked,
// another issuer's) is exactly {"active": false}; an active access token answers with its claims, as
// issued, a refresh token with what the grant holds.
import type { EnvironmentContext } from './environment.js';
import type { FormParams } from './form.js';
import { authenticateCaller, findActiveToken, requiredToken, type ActiveToken, type TokenIssuer } from './presented-tokens.js';

export type IntrospectionResponse = { active: false } | ({ active: true; token_type: string } & Record<string, unknown>);

export async function introspectionRequest(env: EnvironmentContext, issuer: TokenIssuer, params: FormParams, authorization: string | undefined): Promise<IntrospectionResponse> {
  authenticateCaller(env, issuer, params, authorization);
  const token = await findActiveToken(env, issuer, requiredToken(params));
  return token ? activeResponse(token, issuer) : { active: false };
}

function activeResponse(token: ActiveToken, issuer: TokenIssuer): IntrospectionResponse {
  // `active` and `token_type` are the RFC's; a custom claim cannot replace them.
  if (token.type === 'access_token') return Object.assign({ active: true as const }, token.claims, { active: true as const, token_type: 'Bearer' });
  const p = token.payload;
  return { active: true, scope: p.scope, client_id: p.clientId, sub: p.accountId, iss: issuer.url, iat: p.iat, exp: p.exp, token_type: 'refresh_token' };
}
