// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document, MCP 2025-11-25): a client
// whose client_id is an https URL is described by the JSON document at that URL. It is fetched within
// one total deadline (connect, headers and body: a document dripped a byte at a time cannot hold an
// authorization), once per URL at a time (concurrent authorizations share the fetch), with a size limit,
// JSON only, never from a private, loopback or link-local address (unless ALLOW_INSECURE_CIMD=1, for
// local tests), and kept as a `cimd` client until its HTTP cache lifetime ends (then retention prunes
// the row unless a consent holds it).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import type { Client, RegisteredMetadata } from '../store/clients.js';
import type { EnvironmentContext } from './environment.js';
import { REGISTRABLE_GRANT_TYPES } from './grant-types/index.js';
import { REDIRECT_URI_LIMITS, redirectUriProblem } from './redirect-uri.js';

export class ClientMetadataDocumentError extends Error {
  constructor(description: string) {
    super(description);
    this.name = 'ClientMetadataDocumentError';
  }
}

const MAX_BYTES = 5120;
const CACHE_SECONDS = { default: 300, min: 30, max: 86_400 };

/** A client_id that names a metadata document: an https URL with a path (http too when insecure). */
export function isClientIdUrl(clientId: string, insecure: boolean): boolean {
  const url = URL.parse(clientId);
  if (!url || url.hash || url.username || url.password || url.pathname === '/') return false;
  return url.protocol === 'https:' || (insecure && url.protocol === 'http:');
}

/** The client the document at `url` describes: from the store while fresh, else fetched again. */
export async function metadataDocumentClient(env: EnvironmentContext, url: string): Promise<Client> {
  const known = env.store.clients.get(url);
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
  const { document, maxAge } = await fetchDocument(url, env.settings.allowInsecureCimd, env.metadataDocuments.deadlineMs);
  const nowSeconds = Math.floor(env.clock() / 1000);
  const metadata = validateDocument(url, document);
  env.store.clients.upsert({
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
  return env.store.clients.get(url)!;
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

// Addresses a document may not be fetched from: it would let anyone make the server probe its own network.
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  return family === 6 && PRIVATE.check(address, 'ipv6');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

// Resolves like dns.lookup, then refuses private answers: the check and the connection use the same address.
function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' }), []);
    if ((options as { all?: boolean }).all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

async function fetchDocument(url: string, insecure: boolean, deadlineMs: number): Promise<{ document: unknown; maxAge: number }> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  try {
    return await fetchUntil(url, insecure, deadline.signal);
  } catch (err) {
    if (deadline.signal.aborted) throw new ClientMetadataDocumentError(`the client metadata document did not arrive within ${deadlineMs / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// Lookup, connection, headers and body all end when `signal` aborts.
async function fetchUntil(url: string, insecure: boolean, signal: AbortSignal): Promise<{ document: unknown; maxAge: number }> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!insecure && isIP(host) && isPrivateAddress(host)) {
    throw new ClientMetadataDocumentError('the client metadata document is at a private, loopback or link-local address');
  }
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const options = {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
      ...(insecure ? { rejectUnauthorized: false } : { lookup: guardedLookup }),
    };
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, resolve);
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ClientMetadataDocumentError(
          err.code === 'EPRIVATE'
            ? 'the client metadata document is at a private, loopback or link-local address'
            : `the client metadata document could not be fetched (${err.code ?? 'error'})`,
        ),
      ),
    );
    req.end();
  });
  const stop = () => response.destroy(new Error('deadline'));
  signal.addEventListener('abort', stop, { once: true });
  try {
    if (response.statusCode !== 200) throw new ClientMetadataDocumentError(`the client metadata document answered HTTP ${response.statusCode}`);
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(response.headers['content-type'] ?? '')) {
      throw new ClientMetadataDocumentError('the client metadata document is not application/json');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > MAX_BYTES) throw new ClientMetadataDocumentError(`the client metadata document is larger than ${MAX_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
    let document: unknown;
    try {
      document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new ClientMetadataDocumentError('the client metadata document is not valid JSON');
    }
    return { document, maxAge: cacheLifetime(response.headers['cache-control']) };
  } finally {
    signal.removeEventListener('abort', stop);
    response.destroy();
  }
}

// RFC 9111 max-age, within bounds: a document that says no-store is still not fetched more than every 30 s.
function cacheLifetime(header: string | undefined): number {
  const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(header ?? '')?.[1];
  const seconds = /no-store|no-cache/i.test(header ?? '') ? 0 : maxAge !== undefined ? Number(maxAge) : CACHE_SECONDS.default;
  return Math.min(CACHE_SECONDS.max, Math.max(CACHE_SECONDS.min, seconds));
}
