// RFC 7009 token revocation at the environment's issuer and at each MCP server's, as the RFC's checklist:
// authenticate the client, find the token, check it was issued to that client, revoke it. An access
// token is revoked alone (introspection reports it inactive; an offline JWT check cannot know); a
// refresh token ends its grant, with every token issued under it (§2.1).
import type { Repositories } from '../store/index.js';
import type { EnvironmentContext } from './environment.js';
import { UnauthorizedClient } from './errors.js';
import type { FormParams } from './form.js';
import { endGrant } from './grants.js';
import { authenticateCaller, findActiveToken, requiredToken, type ActiveToken, type TokenIssuer } from './presented-tokens.js';

/** What revoking needs to know of a token: an access token's jti, or where a refresh token is stored. */
export type RevocableToken = Pick<Extract<ActiveToken, { type: 'access_token' }>, 'type' | 'jti'> | Pick<Extract<ActiveToken, { type: 'refresh_token' }>, 'type' | 'ns' | 'id' | 'grantId'>;

export async function revocationRequest(env: EnvironmentContext, issuer: TokenIssuer, params: FormParams, authorization: string | undefined): Promise<void> {
  // §2.1: a public client (an MCP host) revokes its own tokens by its client_id alone.
  const client = await authenticateCaller(env, issuer, params, authorization, true);
  const token = await findActiveToken(env, issuer, requiredToken(params));
  if (!token) return; // §2.2: an invalid, expired or already revoked token is answered 200 all the same
  // §2.1: "the request is refused and the client is informed of the error".
  if (token.clientId !== client.clientId) throw new UnauthorizedClient('the token was not issued to this client');
  await revokeToken(env.store, token, Math.floor(env.clock() / 1000));
  env.log.info({ audit: 'token.revoked', client_id: client.clientId, ...(token.type === 'access_token' ? { jti: token.jti } : { grant_id: token.grantId }) }, 'token revoked');
}

/** `at`: epoch seconds. */
export async function revokeToken(store: Repositories, token: RevocableToken, at: number): Promise<void> {
  if (token.type === 'access_token') await store.issuedTokens.revoke({ jti: token.jti }, at);
  else if (token.grantId !== undefined) await endGrant(store, token.ns, token.grantId, at);
  else await store.oidcPayloads.destroy(token.ns, 'RefreshToken', token.id);
}
