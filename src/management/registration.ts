// Dynamic client registration (RFC 7591) of an MCP server's clients, as Scalekit's RegisterClient: what
// MCP hosts send, checked field by field, written as a `dcr` client (m2m_<digits>) of that server. Public
// (`none`) by default; a secret only when a client_secret_* method is asked. The `scope` a host sends is
// kept for display only: it never limits what the client may ask for later (step-up). Served open at
// <env>/api/v1/resources/<res_id>/clients:register (routes/registration.ts) and as the authenticated
// RegisterClient RPC; both write through here, so both leave the same audit event.
import { z } from 'zod';
import { redirectUriProblem } from '../oidc/redirect-uri.js';
import type { Client, RegisteredMetadata } from '../store/clients.js';
import type { ClientSecret } from '../store/secrets.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';

export class RegistrationError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
    this.name = 'RegistrationError';
  }
}

const redirectUri = z.string().superRefine((value, ctx) => {
  const problem = redirectUriProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `${value} ${problem}` });
});

const webUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const metadataSchema = z.object({
  redirect_uris: z.array(redirectUri, { error: 'must be an array of redirect URIs' }).min(1, 'must list at least one redirect URI'),
  token_endpoint_auth_method: z
    .enum(['none', 'client_secret_basic', 'client_secret_post'], { error: 'must be none, client_secret_basic or client_secret_post' })
    .default('none'),
  grant_types: z
    .array(z.enum(['authorization_code', 'refresh_token'], { error: 'only authorization_code and refresh_token are supported' }))
    .refine((g) => g.includes('authorization_code'), 'must include authorization_code')
    .default(['authorization_code', 'refresh_token']),
  response_types: z.array(z.literal('code', { error: 'only code is supported' })).default(['code']),
  application_type: z.enum(['web', 'native'], { error: 'must be web or native' }).optional(),
  client_name: z.string().max(200, 'must be at most 200 characters').optional(),
  description: z.string().max(1000, 'must be at most 1000 characters').optional(),
  client_uri: webUrl.optional(),
  logo_uri: webUrl.optional(),
  tos_uri: webUrl.optional(),
  policy_uri: webUrl.optional(),
  contacts: z.array(z.string().max(320)).max(20).optional(),
  scope: z.string().max(2000).optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(200).optional(),
});
// RFC 7591 §2: metadata the server does not understand is ignored, not refused (z.object strips it).

export type RegistrationRequest = z.input<typeof metadataSchema>;

export interface RegisteredClient {
  client: Client;
  /** Only when a client_secret_* method was asked: shown in this response, stored hashed. */
  plainSecret?: string;
  secret?: ClientSecret;
}

export interface RegistrationService {
  /** Registers a client of the MCP server `resourceId`; RegistrationError (RFC 7591 shape) when refused. */
  register(caller: Caller, resourceId: string, body: unknown): RegisteredClient;
}

/** Who registers through the open endpoint: anyone, so the audit names the door, not a client. */
export const OPEN_REGISTRATION: Caller = { actor: 'dcr' };

export function registrationService({ store }: ServiceDeps, audit: AuditLog): RegistrationService {
  return {
    register(caller, resourceId, body) {
      const resource = store.resources.get(resourceId);
      if (!resource) throw new RegistrationError(404, 'invalid_request', 'no such MCP server');
      if (resource.disableDynamicClientRegistration) {
        throw new RegistrationError(403, 'access_denied', 'dynamic client registration is disabled for this MCP server');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new RegistrationError(400, 'invalid_client_metadata', 'the request body must be a JSON object of client metadata');
      }
      const parsed = metadataSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = String(issue.path[0] ?? 'body');
        throw new RegistrationError(400, field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata', `${field}: ${issue.message}`);
      }
      // What the client registered beyond our columns is kept under its RFC 7591 names.
      const { redirect_uris: redirectUris, client_name: clientName, description, ...metadata } = parsed.data;
      const clientId = store.ids.newId('dcrClient');
      return audit.transaction(() => {
        store.clients.upsert({
          clientId,
          kind: 'dcr',
          resourceId: resource.id,
          name: clientName ?? '',
          description: description ?? '',
          scopes: [],
          audience: [resource.serverUrl],
          customClaims: [],
          expiry: resource.accessTokenExpiry,
          redirectUris,
          metadata: metadata satisfies RegisteredMetadata,
        });
        audit.record(caller, { type: 'resource_client.registered', clientId, resourceId: resource.id, targetId: clientId });
        const client = store.clients.get(clientId)!;
        if (metadata.token_endpoint_auth_method === 'none') return { client };
        const created = store.secrets.create(clientId, undefined, caller.actor);
        audit.record(caller, { type: 'client_secret.created', clientId, resourceId: resource.id, targetId: created.secret.id });
        return { client, plainSecret: created.plainSecret, secret: created.secret };
      });
    },
  };
}

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** RFC 7591 §3.2.1 fields, for MCP SDKs, beside the fields of Scalekit's RegisterClientResponse. */
export function registrationResponse(registered: RegisteredClient) {
  const { client, plainSecret, secret } = registered;
  const m = client.metadata;
  return {
    client_id: client.clientId,
    client_id_issued_at: epochSeconds(client.createTime),
    ...(plainSecret ? { client_secret: plainSecret, client_secret_expires_at: 0 } : {}),
    client_name: client.name || undefined,
    redirect_uris: client.redirectUris,
    ...m,
    // Scalekit's RegisterClientResponse (proto field names).
    name: client.name,
    description: client.description,
    create_time: client.createTime,
    update_time: client.updateTime,
    scopes: m.scope ? m.scope.split(' ').filter(Boolean) : [],
    audience: client.audience,
    custom_claims: [],
    expiry: String(client.expiry),
    resource_id: client.resourceId,
    secrets: secret
      ? [{ id: secret.id, create_time: secret.createTime, update_time: secret.updateTime, secret_suffix: secret.secretSuffix, status: secret.status }]
      : [],
  };
}
