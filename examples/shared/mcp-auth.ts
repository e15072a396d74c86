// How an MCP server is protected with Scalekit (used by the todo and planner servers): it publishes
// protected-resource metadata (RFC 9728), validates bearer tokens with @scalekit-sdk/node for its own
// audience, and answers 401/403 with the WWW-Authenticate challenges MCP clients act on. Two additions a
// long-running server needs: the SDK fetches /keys once per client and never again, so a token signed
// by a key it has not seen (after a rotation) gets a fresh client; and with `introspect`, a token that
// validates offline is also checked at Scalekit's introspection endpoint, which alone knows revocations.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { ScalekitClient, ScalekitValidateTokenFailureException } from '@scalekit-sdk/node';
import { bearerToken, requireEnv, sendJson } from './http.js';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  [field: string]: unknown;
}

export interface McpAuthOptions {
  /** How this process reaches Scalekit (for /keys). */
  environmentUrl: string;
  clientId: string;
  clientSecret: string;
  /** The server's public URL as registered in Scalekit: the token audience, compared exactly. */
  serverUrl: string;
  metadata: ProtectedResourceMetadata;
  /** The scope each tool needs; tools not listed need only a valid token. */
  toolScopes: Record<string, string>;
  /** Also ask Scalekit (RFC 7662) whether each token is still active: revoked tokens are then refused. */
  introspect?: boolean;
}

export interface McpAuth {
  metadata: ProtectedResourceMetadata;
  resourceMetadataUrl: string;
  /** The caller's token info, or undefined once a 401/403 has been sent. `body` is the parsed JSON-RPC body. */
  authorize(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<AuthInfo | undefined>;
}

interface ScalekitClaims {
  sub?: string;
  client_id?: string;
  /** RFC 8693: the client acting for `sub` (a token had by token exchange). */
  act?: { sub: string };
  scopes?: string[];
  exp?: number;
}

/** The Scalekit connection both MCP servers configure the same way: SCALEKIT_ENVIRONMENT_URL, _CLIENT_ID, _CLIENT_SECRET. */
export interface ScalekitConnection {
  environmentUrl: string;
  clientId: string;
  clientSecret: string;
}

export function scalekitFromEnv(env: NodeJS.ProcessEnv): ScalekitConnection {
  return {
    environmentUrl: env.SCALEKIT_ENVIRONMENT_URL ?? 'http://localhost:8080',
    clientId: requireEnv('SCALEKIT_CLIENT_ID'),
    clientSecret: requireEnv('SCALEKIT_CLIENT_SECRET'),
  };
}

/**
 * The metadata JSON Scalekit's dashboard shows for an MCP server: `PROTECTED_RESOURCE_METADATA` when
 * set (copied verbatim), else built from SCALEKIT_PUBLIC_URL and SCALEKIT_RESOURCE_ID.
 */
export function metadataFromEnv(env: NodeJS.ProcessEnv, serverUrl: string, defaults: { resourceId: string; scopes: string[] }): ProtectedResourceMetadata {
  if (env.PROTECTED_RESOURCE_METADATA) return JSON.parse(env.PROTECTED_RESOURCE_METADATA) as ProtectedResourceMetadata;
  const publicUrl = (env.SCALEKIT_PUBLIC_URL ?? env.SCALEKIT_ENVIRONMENT_URL ?? 'http://localhost:8080').replace(/\/$/, '');
  return {
    authorization_servers: [`${publicUrl}/resources/${env.SCALEKIT_RESOURCE_ID ?? defaults.resourceId}`],
    bearer_methods_supported: ['header'],
    resource: serverUrl,
    resource_documentation: `${serverUrl}docs`,
    scopes_supported: defaults.scopes,
  };
}

// A rotation's new key is fetched at most this often, however many unknown kids arrive.
const KEYS_REFETCH_INTERVAL_MS = 30_000;

export function createMcpAuth(options: McpAuthOptions): McpAuth {
  const newClient = () => new ScalekitClient(options.environmentUrl, options.clientId, options.clientSecret);
  let scalekit = newClient();
  let keysFetchedAt = -Infinity;
  const validate = async (token: string): Promise<ScalekitClaims> => {
    const check = () => scalekit.validateToken<ScalekitClaims>(token, { audience: [options.serverUrl] });
    try {
      return await check();
    } catch (err) {
      // The SDK caches /keys for the life of its client: a kid it has not seen needs a new client.
      if (!(err instanceof ScalekitValidateTokenFailureException) || !/no applicable key/.test(err.message)) throw err;
      if (Date.now() - keysFetchedAt < KEYS_REFETCH_INTERVAL_MS) throw err;
      keysFetchedAt = Date.now();
      scalekit = newClient();
      return check();
    }
  };
  const introspectionUrl = `${options.environmentUrl.replace(/\/$/, '')}/oauth/introspect`;
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;
  const isActive = async (token: string): Promise<boolean> => {
    const res = await fetch(introspectionUrl, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ token }) });
    if (!res.ok) throw new Error(`token introspection failed (${res.status})`);
    return ((await res.json()) as { active?: unknown }).active === true;
  };
  const resourceMetadataUrl = new URL('/.well-known/oauth-protected-resource', options.serverUrl).href;
  const challenge = (res: ServerResponse, status: 401 | 403, error: string | undefined, description: string, scope?: string): undefined => {
    const params = [
      ...(status === 401 ? ['realm="OAuth"'] : []),
      ...(error ? [`error="${error}"`] : []),
      ...(scope ? [`scope="${scope}"`] : []),
      `resource_metadata="${resourceMetadataUrl}"`,
    ];
    sendJson(res, status, { error: error ?? 'unauthorized', error_description: description }, { 'www-authenticate': `Bearer ${params.join(', ')}` });
    return undefined;
  };

  return {
    metadata: options.metadata,
    resourceMetadataUrl,
    async authorize(req, res, body) {
      const token = bearerToken(req);
      // RFC 6750 §3.1: no error code when the request carried no token at all.
      if (!token) return challenge(res, 401, undefined, 'a bearer token is required');
      let claims: ScalekitClaims;
      try {
        claims = await validate(token);
      } catch (err) {
        // Anything else (e.g. Scalekit's /keys unreachable) is our failure, not the caller's: a 500.
        if (!(err instanceof ScalekitValidateTokenFailureException)) throw err;
        return challenge(res, 401, 'invalid_token', 'the access token is invalid, expired or not for this server');
      }
      if (options.introspect && !(await isActive(token))) {
        return challenge(res, 401, 'invalid_token', 'the access token was revoked or has expired');
      }
      const scopes = Array.isArray(claims.scopes) ? claims.scopes : [];
      const missing = [...new Set(calledTools(body).map((tool) => options.toolScopes[tool]))].filter(
        (scope): scope is string => scope !== undefined && !scopes.includes(scope),
      );
      if (missing.length > 0) return challenge(res, 403, 'insufficient_scope', `requires ${missing.join(' ')}`, missing.join(' '));
      return { token, clientId: claims.client_id ?? claims.sub ?? '', scopes, expiresAt: claims.exp, extra: { claims } };
    },
  };
}

/** Names of the tools a JSON-RPC message (or batch) calls. */
function calledTools(body: unknown): string[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) => {
    const msg = m as { method?: unknown; params?: { name?: unknown } } | null;
    return msg?.method === 'tools/call' && typeof msg.params?.name === 'string' ? [msg.params.name] : [];
  });
}
