// Client authentication for the token endpoint (RFC 6749 §2.3.1): client_secret_basic and
// client_secret_post; and where a public client may identify itself by its client_id alone (`none`:
// revocation, RFC 7009 §2.1), that too. The one place that decides whether a caller is the client it
// claims to be.
import type { Client } from '../store/clients.js';
import type { Repositories } from '../store/index.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import type { FormParams } from './form.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

/** A public client naming itself: `client_id` in the body and no secret anywhere. */
export interface PublicClientId {
  clientId: string;
  method: 'none';
}

const PUBLIC_KINDS: ReadonlySet<Client['kind']> = new Set(['dcr', 'cimd']);

/** How a client authenticates at the token endpoint: as it registered, else public for DCR and CIMD clients. */
export const tokenEndpointAuthMethod = (client: Client) =>
  client.metadata.token_endpoint_auth_method ?? (PUBLIC_KINDS.has(client.kind) ? 'none' : 'client_secret_basic');

const MAX_CREDENTIAL_LENGTH = 1024;

/** Reads the credentials a request presents, without checking them. */
export function presentedCredentials(authorization: string | undefined, params: FormParams, realm: string): ClientCredentials {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    if (bodySecret !== undefined) {
      throw new InvalidRequest('client authentication must only use one method (Basic or client_secret in the body)');
    }
    const basic = decodeBasic(authorization.slice(6).trim());
    if (!basic) throw new InvalidClient('invalid Basic authorization header', realm);
    if (bodyId !== undefined && bodyId !== basic.clientId) {
      throw new InvalidRequest('client_id in the body does not match the Authorization header');
    }
    return { ...basic, method: 'client_secret_basic' };
  }
  if (bodyId === undefined) throw new InvalidClient('no client authentication was provided');
  if (bodySecret === undefined) throw new InvalidClient('client_secret is required for this client');
  if (bodyId.length > MAX_CREDENTIAL_LENGTH || bodySecret.length > MAX_CREDENTIAL_LENGTH) {
    throw new InvalidClient('invalid client credentials');
  }
  return { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' };
}

// The id and secret are form-encoded before base64 (RFC 6749 §2.3.1).
function decodeBasic(token: string): { clientId: string; clientSecret: string } | undefined {
  if (token.length > 4 * MAX_CREDENTIAL_LENGTH || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
    const clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, '%20'));
    return clientSecret ? { clientId, clientSecret } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The client_id a request names (in the body, or in a Basic header), without checking anything: for the
 * defaults of a request whose client the provider authenticates afterwards.
 */
export function claimedClientId(authorization: string | undefined, params: FormParams): string | undefined {
  if (authorization !== undefined && /^basic /i.test(authorization)) return decodeBasic(authorization.slice(6).trim())?.clientId;
  return params.get('client_id');
}

/** As presentedCredentials, where a public client may also name itself by `client_id` alone. */
export function presentedCredentialsOrClientId(authorization: string | undefined, params: FormParams, realm: string): ClientCredentials | PublicClientId {
  const clientId = params.get('client_id');
  const secretSent = (authorization !== undefined && /^basic /i.test(authorization)) || params.get('client_secret') !== undefined;
  if (secretSent || clientId === undefined || clientId.length > MAX_CREDENTIAL_LENGTH) return presentedCredentials(authorization, params, realm);
  return { clientId, method: 'none' };
}

/**
 * The client, when the credentials are an active secret of a confidential client, or a public client's
 * own client_id (`none`: a confidential client must show its secret); else invalid_client.
 */
export async function authenticateClient(store: Repositories, credentials: ClientCredentials | PublicClientId, realm: string): Promise<Client> {
  if (credentials.method === 'none') {
    const client = await store.clients.get(credentials.clientId);
    if (!client || tokenEndpointAuthMethod(client) !== 'none') throw new InvalidClient('client authentication failed');
    return client;
  }
  const challenge = credentials.method === 'client_secret_basic' ? realm : undefined;
  // The secret is checked before the client is looked up, and the client only once it verified: an
  // unknown id and a known id with a wrong secret take the same steps (the same digests, one indexed
  // lookup that finds nothing) and get the same answer, so ids cannot be probed by either.
  const verified = await store.secrets.verify(credentials.clientId, credentials.clientSecret);
  const client = verified ? await store.clients.get(credentials.clientId) : undefined;
  if (!client) throw new InvalidClient('client authentication failed', challenge);
  return client;
}
