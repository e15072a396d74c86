// Client authentication for the token endpoint (RFC 6749 §2.3.1): client_secret_basic and
// client_secret_post. The one place that decides whether a caller is the client it claims to be.
import type { Client } from '../store/clients.js';
import type { Store } from '../store/index.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import type { FormParams } from './form.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

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

/** The client, when the credentials are an active secret of a confidential client; else invalid_client. */
export function authenticateClient(store: Store, credentials: ClientCredentials, realm: string): Client {
  const challenge = credentials.method === 'client_secret_basic' ? realm : undefined;
  // The secret is checked before the client is looked up, and the client only once it verified: an
  // unknown id and a known id with a wrong secret take the same steps (the same digests, one indexed
  // lookup that finds nothing) and get the same answer, so ids cannot be probed by either.
  const verified = store.secrets.verify(credentials.clientId, credentials.clientSecret);
  const client = verified ? store.clients.get(credentials.clientId) : undefined;
  if (!client) throw new InvalidClient('client authentication failed', challenge);
  return client;
}
