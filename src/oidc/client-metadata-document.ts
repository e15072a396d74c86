// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document, MCP 2025-11-25): a client
// whose client_id is an https URL is described by the JSON document at that URL. It is fetched within
// one total deadline (connect, headers and body: a document dripped a byte at a time cannot hold an
// authorization), once per URL at a time (concurrent authorizations share the fetch), with a size limit,
// JSON only, never from a private, loopback or link-local address (unless ALLOW_INSECURE_CIMD=1, for
// local tests), and kept as a `cimd` client until its HTTP cache lifetime ends (then retention prunes
// the row unless a consent holds it). The fetching itself, and its guard, is guarded-fetch.ts.
import { z } from 'zod';
import type { Client, RegisteredMetadata } from '../store/clients.js';
import type { EnvironmentContext } from './environment.js';
import { REGISTRABLE_GRANT_TYPES } from './grant-types/index.js';
import { fetchGuardedJson } from './guarded-fetch.js';
import { REDIRECT_URI_LIMITS, redirectUriProblem } from './redirect-uri.js';

export class ClientMetadataDocumentError extends Error {
  constructor(description: string) {
    super(description);
    this.name = 'ClientMetadataDocumentError';
  }
}

const MAX_BYTES = 5120;

/** A client_id that names a metadata document: an https URL with a path (http too when insecure). */
export function isClientIdUrl(clientId: string, insecure: boolean): boolean {
  const url = URL.parse(clientId);
  if (!url || url.hash || url.username || url.password || url.pathname === '/') return false;
  return url.protocol === 'https:' || (insecure && url.protocol === 'http:');
}

/** The client the document at `url` describes: from the store while fresh, else fetched again. */
export async function metadataDocumentClient(env: EnvironmentContext, url: string): Promise<Client> {
  const known = await env.store.clients.get(url);
  if (known?.kind === 'cimd' && (known.metadataExpiresAt ?? 0) > Math.floor(env.clock() / 1000)) return known;
  const { pending } = env.metadataDocuments;
  let fetching = pending.get(url);
  if (!fetching) {
    fetching = refresh(env, url).finally(() => pending.delete(url));
    pending.set(url, fetching);
  }
  return fetching;
}

async function refresh(env: EnvironmentContext, url: string): Promise<Client> {
  const { document, maxAge } = await fetchGuardedJson(url, {
    insecure: env.settings.allowInsecureCimd,
    deadlineMs: env.metadataDocuments.deadlineMs,
    maxBytes: MAX_BYTES,
    what: 'the client metadata document',
    fail: (description) => new ClientMetadataDocumentError(description),
  });
  const nowSeconds = Math.floor(env.clock() / 1000);
  const metadata = validateDocument(url, document);
  await env.store.clients.upsert({
    clientId: url,
    kind: 'cimd',
    name: metadata.name,
    description: '',
    scopes: [],
    audience: [],
    customClaims: [],
    expiry: 3600,
    redirectUris: metadata.redirectUris,
    metadata: metadata.registered,
    metadataExpiresAt: nowSeconds + maxAge,
  });
  return (await env.store.clients.get(url))!;
}

const documentSchema = z.object({
  client_id: z.string(),
  client_name: z.string({ error: 'is required' }).min(1, 'is required').max(200),
  redirect_uris: z.array(z.string(), { error: 'must be an array of redirect URIs' }).min(1, 'must list at least one redirect URI'),
  token_endpoint_auth_method: z.string().optional(),
  client_secret: z.unknown().optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  application_type: z.enum(['web', 'native']).optional(),
  client_uri: z.string().optional(),
  logo_uri: z.string().optional(),
  tos_uri: z.string().optional(),
  policy_uri: z.string().optional(),
});

function validateDocument(url: string, body: unknown): { name: string; redirectUris: string[]; registered: RegisteredMetadata } {
  const parsed = documentSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ClientMetadataDocumentError(`the client metadata document is invalid: ${issue.path.join('.') || 'document'} ${issue.message}`);
  }
  const doc = parsed.data;
  if (doc.client_id !== url) throw new ClientMetadataDocumentError(`the client_id in the document (${doc.client_id.slice(0, 200)}) differs from its URL`);
  if (doc.client_secret !== undefined || /^client_secret_/.test(doc.token_endpoint_auth_method ?? '')) {
    throw new ClientMetadataDocumentError('a client metadata document cannot use a shared secret');
  }
  if (doc.token_endpoint_auth_method !== undefined && doc.token_endpoint_auth_method !== 'none') {
    throw new ClientMetadataDocumentError(`token_endpoint_auth_method ${doc.token_endpoint_auth_method.slice(0, 64)} is not supported (none only)`);
  }
  if (doc.redirect_uris.length > REDIRECT_URI_LIMITS.count) {
    throw new ClientMetadataDocumentError(`redirect_uris: must list at most ${REDIRECT_URI_LIMITS.count} redirect URIs`);
  }
  for (const uri of doc.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new ClientMetadataDocumentError(`redirect_uris: ${uri.slice(0, 200)} ${problem}`);
  }
  if (doc.response_types && !doc.response_types.includes('code')) throw new ClientMetadataDocumentError('response_types must include code');
  // Values we do not support are left out, as the draft asks, rather than refused.
  const grantTypes = doc.grant_types?.filter((g) => REGISTRABLE_GRANT_TYPES.includes(g));
  const webUrl = (value: string | undefined) => (value && /^https?:$/.test(URL.parse(value)?.protocol ?? '') ? value : undefined);
  const optional = { client_uri: webUrl(doc.client_uri), logo_uri: webUrl(doc.logo_uri), tos_uri: webUrl(doc.tos_uri), policy_uri: webUrl(doc.policy_uri) };
  return {
    name: doc.client_name,
    redirectUris: doc.redirect_uris,
    registered: {
      token_endpoint_auth_method: 'none',
      grant_types: grantTypes?.includes('authorization_code') ? grantTypes : ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(doc.application_type ? { application_type: doc.application_type } : {}),
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    },
  };
}
