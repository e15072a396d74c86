// Dynamic client registration (RFC 7591) of an MCP server's clients, as Scalekit's RegisterClient: what
// MCP hosts send, checked field by field, written as a `dcr` client (m2m_<digits>) of that server. Public
// (`none`) by default; a secret only when a client_secret_* method is asked. The `scope` a host sends is
// kept for display only: it never limits what the client may ask for later (step-up). Served open at
// <env>/api/v1/resources/<res_id>/clients:register (routes/registration.ts) and as the authenticated
// RegisterClient RPC; both write through here, so both leave the same audit event.
import { z } from 'zod';
import { registrableGrants, type Grant } from '../oidc/grant-types/index.js';
import type { Client, RegisteredMetadata } from '../store/clients.js';
import type { ClientSecret } from '../store/secrets.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { clientDescription, clientName, redirectUriList } from './validation.js';

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

const webUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048, 'must be at most 2048 characters');
const shortText = z.string().max(200, 'must be at most 200 characters');

// Every field has a bound, so one registration stays a few kilobytes (the open endpoint is also
// rate-limited per address). RegisterClient over gRPC sends the same body through here. The grant types
// are those the MCP server's issuer offers for registration (the grant registry): a client must name one
// that issues tokens of its own (not refresh_token alone), and redirect URIs with the code flow; one that
// registers for the device grant alone (a CLI, a device without a browser) needs none.
function buildMetadataSchema(grants: readonly Grant[]) {
  const registrable = grants.map((g) => g.grantType);
  const first = grants.filter((g) => !g.renews).map((g) => g.grantType);
  return z
    .object({
      redirect_uris: redirectUriList.default([]),
      token_endpoint_auth_method: z
        .enum(['none', 'client_secret_basic', 'client_secret_post'], { error: 'must be none, client_secret_basic or client_secret_post' })
        .default('none'),
      grant_types: z
        .array(z.enum(registrable as [string, ...string[]], { error: `only ${inWords(registrable, 'and')} are supported` }))
        .max(10, 'must list at most 10 grant types')
        .refine((g) => g.some((t) => first.includes(t)), `must include ${inWords(first, 'or')}`)
        .default(['authorization_code', 'refresh_token']),
      response_types: z.array(z.literal('code', { error: 'only code is supported' })).max(10, 'must list at most 10 response types').optional(),
      application_type: z.enum(['web', 'native'], { error: 'must be web or native' }).optional(),
      client_name: clientName.optional(),
      description: clientDescription.optional(),
      client_uri: webUrl.optional(),
      logo_uri: webUrl.optional(),
      tos_uri: webUrl.optional(),
      policy_uri: webUrl.optional(),
      contacts: z.array(z.string().max(320, 'must be at most 320 characters')).max(10, 'must list at most 10 contacts').optional(),
      scope: z.string().max(2000, 'must be at most 2000 characters').optional(),
      software_id: shortText.optional(),
      software_version: shortText.optional(),
    })
    .superRefine((m, ctx) => {
      if (m.grant_types.includes('authorization_code') && m.redirect_uris.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['redirect_uris'], message: 'must list at least one redirect URI' });
      }
    })
    .transform(({ response_types: responseTypes, ...m }) => ({ ...m, response_types: responseTypes ?? (m.grant_types.includes('authorization_code') ? ['code' as const] : []) }));
}
// RFC 7591 §2: metadata the server does not understand is ignored, not refused (z.object strips it).

/** `a`, `a and b`, `a, b and c` (or `a or b`). */
function inWords(list: readonly string[], conjunction: 'and' | 'or'): string {
  return list.length < 2 ? list.join('') : `${list.slice(0, -1).join(', ')} ${conjunction} ${list.at(-1)}`;
}

// Built once per list of registrable grants (a handful of lists in all), not per registration: zod's
// construction of the schema cost more than checking a request with it.
const schemas = new Map<string, ReturnType<typeof buildMetadataSchema>>();
function metadataSchema(grants: readonly Grant[]): ReturnType<typeof buildMetadataSchema> {
  const key = grants.map((g) => g.grantType).join(' ');
  let schema = schemas.get(key);
  if (schema === undefined) schemas.set(key, (schema = buildMetadataSchema(grants)));
  return schema;
}

export type RegistrationRequest = z.input<ReturnType<typeof metadataSchema>>;

export interface RegisteredClient {
  client: Client;
  /** Only when a client_secret_* method was asked: shown in this response, stored hashed. */
  plainSecret?: string;
  secret?: ClientSecret;
}

export interface RegistrationService {
  /** Registers a client of the MCP server `resourceId`; RegistrationError (RFC 7591 shape) when refused. */
  register(caller: Caller, resourceId: string, body: unknown): Promise<RegisteredClient>;
}

/** Who registers through the open endpoint: anyone, so the audit names the door, not a client. */
export const OPEN_REGISTRATION: Caller = { actor: 'dcr' };

export function registrationService({ store }: ServiceDeps, audit: AuditLog): RegistrationService {
  return {
    async register(caller, resourceId, body) {
      const resource = await store.resources.get(resourceId);
      if (!resource) throw new RegistrationError(404, 'invalid_request', 'no such MCP server');
      if (resource.disableDynamicClientRegistration) {
        throw new RegistrationError(403, 'access_denied', 'dynamic client registration is disabled for this MCP server');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new RegistrationError(400, 'invalid_client_metadata', 'the request body must be a JSON object of client metadata');
      }
      const parsed = metadataSchema(await registrableGrants(store, { kind: 'resource', resource })).safeParse(body);
      if (!parsed.success) throw refusal(parsed.error.issues[0]!, body as Record<string, unknown>);
      // What the client registered beyond our columns is kept under its RFC 7591 names.
      const { redirect_uris: redirectUris, client_name: clientName, description, ...metadata } = parsed.data;
      const clientId = store.ids.newId('dcrClient');
      return audit.transaction(async (tx) => {
        await tx.clients.upsert({
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
        await audit.record(tx, caller, { type: 'resource_client.registered', clientId, resourceId: resource.id, targetId: clientId });
        const client = (await tx.clients.get(clientId))!;
        if (metadata.token_endpoint_auth_method === 'none') return { client };
        const created = await tx.secrets.create(clientId, undefined, caller.actor);
        await audit.record(tx, caller, { type: 'client_secret.created', clientId, resourceId: resource.id, targetId: created.secret.id });
        return { client, plainSecret: created.plainSecret, secret: created.secret };
      });
    },
  };
}

// RFC 7591 §3.2.2: the error names the field; a refused redirect URI is quoted (cut short), as the
// client may have sent several.
function refusal(issue: z.core.$ZodIssue, body: Record<string, unknown>): RegistrationError {
  const field = String(issue.path[0] ?? 'body');
  if (field !== 'redirect_uris') return new RegistrationError(400, 'invalid_client_metadata', `${field}: ${issue.message}`);
  const index = issue.path[1];
  const value = typeof index === 'number' ? (body.redirect_uris as unknown[])[index] : undefined;
  const quoted = typeof value === 'string' ? `${value.length > 200 ? `${value.slice(0, 200)}…` : value} ` : '';
  return new RegistrationError(400, 'invalid_redirect_uri', `${field}: ${quoted}${issue.message}`);
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
