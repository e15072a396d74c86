// Pattern 3a: the planner calls the todo server on behalf of the person who called it. The person's
// token was issued for the planner, so it is never forwarded; the planner's own confidential client
// exchanges it (RFC 8693) at the todo server's authorization server, which it finds the MCP way (the
// todo server's protected-resource metadata, then RFC 8414), for a token for the todo server with the
// same person as `sub` and the planner's client in `act`. The todo server must accept tokens for the
// planner in exchange (its token_exchange policy).
import { authorizationServerOf } from '../shared/authorization-server.js';

export interface OnBehalfOptions {
  /** The planner server's own confidential client (a client registered under the planner). */
  clientId: string;
  clientSecret: string;
  /** The todo server's MCP endpoint. */
  mcpServerUrl: string;
  /** Space-separated; omitted: what the todo server grants. */
  scopes?: string;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** Exchanges the person's token for the planner for one for the todo server. */
export async function exchangeOnBehalf(options: OnBehalfOptions, personToken: string): Promise<string> {
  const { resource, metadata } = await authorizationServerOf(options.mcpServerUrl);
  const res = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: personToken,
      subject_token_type: ACCESS_TOKEN,
      resource,
      ...(options.scopes ? { scope: options.scopes } : {}),
    }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`token exchange failed (${res.status}): ${body.error ?? 'no access_token'} ${body.error_description ?? ''}`.trim());
  return body.access_token;
}
