// The REST table: Scalekit's HTTP rules (google.api.http in its protos) over the RPCs of rpc.ts, and the
// emulator's own routes (audit events, signing keys). Each route turns path, query and JSON body into
// the RPC's request message, calls the same function gRPC calls, and renders the response with proto
// field names and its response schema. The emulator's own routes (no Scalekit proto has them) answer in
// the same JSON style and errors. Loaded with the RPCs on the first management call (rest.ts).
import { create, fromJson, toJson, type DescMessage, type DescMethod, type JsonValue } from '@bufbuild/protobuf';
import { isFieldError } from '@bufbuild/protobuf/reflect';
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import { OrganizationService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb.js';
import { UserService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/users/users_pb.js';
import { WebAuthnService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/webauthn_pb.js';
import type { FastifyRequest } from 'fastify';
import type { Caller } from './audit.js';
import { InvalidArgument } from './errors.js';
import { messageSchema, schemaSerializer, type JsonSchema } from './json-schema.js';
import type { PageRequest } from './paging.js';
import type { ManagementRpcs, RpcContext } from './rpc.js';
import type { TokenExchangePolicy } from './resources.js';
import type { ManagementService } from './service.js';
import { wireName } from './validation.js';

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path below /api/v1; `:name` params are request fields by their proto names. */
  url: string;
  rpc: DescMethod;
  /** The request field the JSON body fills (grpc-gateway's `body`); `*`: the body is the request itself. */
  body?: string;
  /** The fields of `body` that carry a resource (for the settings in RESOURCE_SETTINGS). */
  resource?: 'one' | 'list';
  /** A list whose message has no paging fields: REST pages it by `page_size` / `page_token` all the same. */
  paged?: true;
}

const ORG = '/organizations/:organization_id';
const RES = '/resources/:resource_id';
const C = ClientService.method;

// Scalekit's HTTP rules (google.api.http in its protos). RegisterClient's POST …/clients:register is the
// open DCR endpoint (routes/registration.ts), which answers Scalekit's fields beside RFC 7591's.
const ROUTES: Route[] = [
  { method: 'POST', url: '/organizations', rpc: OrganizationService.method.createOrganization, body: 'organization' },
  { method: 'GET', url: '/organizations', rpc: OrganizationService.method.listOrganization },
  { method: 'GET', url: '/organizations/:id', rpc: OrganizationService.method.getOrganization },
  { method: 'POST', url: `${ORG}/clients`, rpc: C.createOrganizationClient, body: 'client' },
  { method: 'GET', url: `${ORG}/clients`, rpc: C.listOrganizationClients },
  { method: 'GET', url: `${ORG}/clients/:client_id`, rpc: C.getOrganizationClient },
  { method: 'PATCH', url: `${ORG}/clients/:client_id`, rpc: C.updateOrganizationClient, body: 'client' },
  { method: 'DELETE', url: `${ORG}/clients/:client_id`, rpc: C.deleteOrganizationClient },
  { method: 'POST', url: `${ORG}/clients/:client_id/secrets`, rpc: C.createOrganizationClientSecret },
  { method: 'DELETE', url: `${ORG}/clients/:client_id/secrets/:secret_id`, rpc: C.deleteOrganizationClientSecret },
  { method: 'POST', url: `${ORG}/users`, rpc: UserService.method.createUserAndMembership, body: 'user' },
  { method: 'GET', url: `${ORG}/users`, rpc: UserService.method.listOrganizationUsers },
  { method: 'GET', url: '/users', rpc: UserService.method.listUsers },
  { method: 'POST', url: '/resources', rpc: C.createResource, body: 'resource', resource: 'one' },
  { method: 'GET', url: '/resources', rpc: C.listResources, resource: 'list' },
  { method: 'GET', url: RES, rpc: C.getResource, resource: 'one' },
  { method: 'PATCH', url: RES, rpc: C.updateResource, body: 'resource', resource: 'one' },
  { method: 'DELETE', url: RES, rpc: C.deleteResource },
  { method: 'POST', url: `${RES}/clients`, rpc: C.createResourceClient, body: 'client' },
  { method: 'GET', url: `${RES}/clients`, rpc: C.listResourceClients, paged: true },
  { method: 'GET', url: `${RES}/clients/:client_id`, rpc: C.getResourceClient },
  { method: 'PATCH', url: `${RES}/clients/:client_id`, rpc: C.updateResourceClient, body: 'client' },
  { method: 'DELETE', url: `${RES}/clients/:client_id`, rpc: C.deleteResourceClient },
  { method: 'GET', url: '/user_consents', rpc: C.listResourceUserConsents },
  { method: 'DELETE', url: '/clients/:client_id/consents/:consent_id', rpc: C.revokeUserConsent },
  { method: 'GET', url: '/oauth/consent/details', rpc: C.getConsentDetails },
  // The environment's own API clients; POST /clients (CreateClient) is not served.
  { method: 'GET', url: '/clients', rpc: C.listClient },
  { method: 'GET', url: '/clients/:client_id', rpc: C.getClient },
  { method: 'PATCH', url: '/clients/:client_id', rpc: C.updateClient, body: 'client' },
  { method: 'DELETE', url: '/clients/:client_id', rpc: C.deleteClient },
  { method: 'POST', url: '/clients/:client_id/secrets', rpc: C.createClientSecret },
  { method: 'PUT', url: '/clients/:client_id/secrets/:secret_id', rpc: C.updateClientSecret, body: 'secret' },
  { method: 'PATCH', url: '/clients/:client_id/secrets/:secret_id', rpc: C.updateClientSecret, body: 'secret' },
  { method: 'DELETE', url: '/clients/:client_id/secrets/:secret_id', rpc: C.deleteClientSecret },
  // Scalekit's deprecated environment-level scopes, at both of its paths.
  { method: 'POST', url: '/scopes', rpc: C.createScope, body: 'scope' },
  { method: 'POST', url: '/environments/:env_id/scopes', rpc: C.createScope, body: 'scope' },
  { method: 'GET', url: '/scopes', rpc: C.listScopes },
  { method: 'GET', url: '/environments/:env_id/scopes', rpc: C.listScopes },
  { method: 'PATCH', url: '/scopes/:id', rpc: C.updateScope, body: 'scope' },
  { method: 'DELETE', url: '/scopes/:id', rpc: C.deleteScope },
  // Passkeys, at the paths Scalekit's docs give (authenticate/auth-methods/passkeys): its proto carries no HTTP rules for them.
  { method: 'GET', url: '/webauthn/credentials', rpc: WebAuthnService.method.listCredentials },
  { method: 'PATCH', url: '/webauthn/credentials/:credential_id', rpc: WebAuthnService.method.updateCredential, body: '*' },
  { method: 'DELETE', url: '/webauthn/credentials/:credential_id', rpc: WebAuthnService.method.deleteCredential },
];

// The emulator's resource settings that have no proto field: REST only, beside the proto fields of each
// resource (in a request body and in every resource answered), by their wire name; `fromJson` / `toJson`
// for a setting whose JSON differs from the service's field (snake_case inside).
interface ResourceSetting {
  key: keyof NonNullable<RpcContext['resourceSettings']>;
  schema: JsonSchema;
  fromJson?: (json: unknown) => unknown;
  toJson?: (value: never) => unknown;
}
const RESOURCE_SETTINGS: Record<string, ResourceSetting> = {
  token_issuer: { key: 'tokenIssuer', schema: { type: 'string', enum: ['env', 'resource'] } },
  token_profile: { key: 'tokenProfile', schema: { type: 'string', enum: ['scalekit', 'rfc9068'] } },
  // RFC 8693 between MCP servers: `{ "accept_from": ["res_…"] }`, the servers whose people's tokens this one takes.
  token_exchange: {
    key: 'tokenExchange',
    schema: { type: 'object', additionalProperties: false, properties: { accept_from: { type: 'array', items: { type: 'string' } } } },
    fromJson: (json) => (json && typeof json === 'object' && !Array.isArray(json) ? { acceptFrom: (json as Record<string, unknown>).accept_from } : json),
    toJson: (policy: TokenExchangePolicy) => ({ accept_from: policy.acceptFrom }),
  },
  enable_device_flow: { key: 'enableDeviceFlow', schema: { type: 'boolean' } },
};
const SETTING_SCHEMAS: Record<string, JsonSchema> = Object.fromEntries(Object.entries(RESOURCE_SETTINGS).map(([name, s]) => [name, s.schema]));

// Derived once from the descriptors (constants), not per app: it is the costly part of the table.
const RESPONSE_SCHEMAS: ReadonlyMap<Route, JsonSchema> = new Map(
  ROUTES.map((route) => [route, responseSchema(route.rpc.output, route.resource, route.resource ? SETTING_SCHEMAS : {}, route.paged)]),
);
const JSON_OPTIONS = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

interface TableRoute {
  method: Route['method'];
  /** Below /api/v1, `:name` for a path parameter. */
  path: string;
  status: 200 | 201;
  /** The response schema: only what it lists is sent. */
  schema: JsonSchema;
  handle(request: FastifyRequest, params: Record<string, string>, caller: Caller): unknown;
}

export interface CompiledRoute extends TableRoute {
  pattern: RegExp;
  names: string[];
  serialize(data: unknown): string;
}

/** Every REST route of the management API, ready to match. */
export function restTable(service: ManagementService, rpcs: ManagementRpcs): CompiledRoute[] {
  return [
    ...ROUTES.map((route) => rpcRoute(route, rpcOf(rpcs, route.rpc), service)),
    ...auditRoutes(service),
    ...signingKeyRoutes(service),
    ...testUserRoutes(service),
    ...trustedIdentityProviderRoutes(service),
  ].map(compileRoute);
}

function compileRoute(route: TableRoute): CompiledRoute {
  // A parameter is a whole segment (`/:name`); a colon inside a segment is literal (`/signing-keys:rotate`).
  const names = [...route.path.matchAll(/\/:(\w+)/g)].map((m) => m[1]!);
  const pattern = new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\/:(\w+)/g, '/([^/]+)')}$`);
  return { ...route, names, pattern, serialize: schemaSerializer(route.schema) };
}
function rpcRoute(route: Route, rpc: (req: unknown, ctx: RpcContext) => unknown, service: ManagementService): TableRoute {
  return {
    method: route.method,
    path: route.url,
    status: route.method === 'POST' ? 201 : 200,
    schema: RESPONSE_SCHEMAS.get(route)!,
    async handle(request, params, caller) {
      const ctx = rpcContext(request, route, caller);
      const response = create(route.rpc.output, (await rpc(requestMessage(route, request, params), ctx)) as Record<string, unknown>);
      const json = toJson(route.rpc.output, response, JSON_OPTIONS) as Record<string, unknown>;
      if (route.resource) await addResourceSettings(json, service);
      if (ctx.pageResult) Object.assign(json, { next_page_token: ctx.pageResult.nextPageToken, total_size: ctx.pageResult.totalSize });
      return json;
    },
  };
}

function rpcOf(rpcs: ManagementRpcs, method: DescMethod): (req: unknown, ctx: RpcContext) => unknown {
  const group =
    method.parent === ClientService
      ? rpcs.clients
      : method.parent === OrganizationService
        ? rpcs.organizations
        : method.parent === WebAuthnService
          ? rpcs.webauthn
          : rpcs.users;
  const rpc = (group as Record<string, ((req: unknown, ctx: RpcContext) => unknown) | undefined>)[method.localName];
  if (!rpc) throw new Error(`no implementation of ${method.parent.typeName}/${method.name}`);
  return rpc;
}

// Path params, then the body under its field (or the query string for GETs), into the request message.
function requestMessage(route: Route, request: FastifyRequest, params: Record<string, string>): ReturnType<typeof create> {
  const json: Record<string, JsonValue> = { ...params };
  if (route.body) {
    const body = request.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw InvalidArgument.field(route.body, 'must be a JSON object');
    const fields = { ...(body as Record<string, JsonValue>) };
    if (route.resource) for (const name of Object.keys(RESOURCE_SETTINGS)) delete fields[name];
    if (route.body === '*') Object.assign(json, fields, params);
    else json[route.body] = fields;
  }
  if (route.method === 'GET') {
    for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
      const field = route.rpc.input.fields.find((f) => f.name === key || f.jsonName === key);
      if (field && typeof value === 'string') json[field.name] = field.fieldKind === 'enum' || field.fieldKind === 'scalar' ? value : JSON.parse(value);
    }
  }
  try {
    return fromJson(route.rpc.input, json, { ignoreUnknownFields: true });
  } catch (err) {
    const cause: unknown = (err as Error).cause;
    if (!isFieldError(cause)) throw InvalidArgument.field('(request)', (err as Error).message);
    const field = cause.field();
    const name = field.kind === 'field' && route.body && field.parent.typeName !== route.rpc.input.typeName ? `${route.body}.${field.name}` : field.name;
    throw InvalidArgument.field(name, cause.message);
  }
}

function rpcContext(request: FastifyRequest, route: Route, caller: Caller): RpcContext {
  const ctx: RpcContext = { caller };
  if (route.paged) ctx.page = pageRequest(request.query as Record<string, string | undefined>);
  const { interaction_id: interactionId } = request.query as Record<string, unknown>;
  if (route.rpc === C.getConsentDetails && typeof interactionId === 'string') ctx.interactionId = interactionId;
  if (!route.body || typeof request.body !== 'object' || request.body === null) return ctx;
  const body = request.body as Record<string, unknown>;
  // A PATCH changes the fields its body names, as grpc-gateway's implied update mask does.
  if (route.method === 'PATCH') ctx.present = new Set(Object.keys(body).map(wireName));
  if (route.resource) {
    const settings: Record<string, unknown> = {};
    for (const [name, { key, fromJson }] of Object.entries(RESOURCE_SETTINGS)) {
      if (body[name] !== undefined) settings[key] = fromJson ? fromJson(body[name]) : body[name];
    }
    ctx.resourceSettings = settings; // checked by the service's validation, which names the field
  }
  return ctx;
}

/** `page_size` and `page_token` from a query string (absent or empty: the list's default, the first page). */
function pageRequest(q: Record<string, string | undefined>): PageRequest {
  return {
    pageSize: q.page_size === undefined || q.page_size === '' ? 0 : Number(q.page_size),
    ...(q.page_token ? { pageToken: q.page_token } : {}),
  };
}

function responseSchema(output: DescMessage, resource: Route['resource'], extra: Record<string, JsonSchema>, paged?: true): JsonSchema {
  const schema = messageSchema(output) as { properties: Record<string, JsonSchema> };
  if (paged) Object.assign(schema.properties, { next_page_token: { type: 'string' }, total_size: { type: 'integer' } });
  if (!resource) return schema;
  // The settings sit beside the proto fields of each resource (REST only: the proto has no field).
  const field = resource === 'one' ? 'resource' : 'resources';
  const resourceMessage = output.fields.find((f) => f.name === field)!;
  const inner = messageSchema(resourceMessage.message!, extra);
  schema.properties[field] = resource === 'one' ? inner : { type: 'array', items: inner };
  return schema;
}

async function addResourceSettings(json: Record<string, unknown>, service: ManagementService): Promise<void> {
  const resources = (json.resources as Record<string, unknown>[] | undefined) ?? (json.resource ? [json.resource as Record<string, unknown>] : []);
  for (const r of resources) {
    try {
      const stored = await service.resources.get(String(r.id));
      for (const [name, { key, toJson }] of Object.entries(RESOURCE_SETTINGS)) r[name] = toJson ? toJson(stored[key] as never) : stored[key];
    } catch {
      // deleted meanwhile: nothing to add
    }
  }
}

const AUDIT_EVENT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    time: { type: 'string' },
    actor: { type: 'string' },
    client_id: { type: 'string' },
    organization_id: { type: 'string' },
    resource_id: { type: 'string' },
    target_id: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
};

// GET /api/v1/audit-events: management changes and issued/revoked tokens, newest first (an emulator
// extension; Scalekit's own logs API covers sign-ins). Filters: client_id, type, start_time, end_time.
function auditRoutes(service: ManagementService): TableRoute[] {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: { events: { type: 'array', items: AUDIT_EVENT }, next_page_token: { type: 'string' } },
  };
  return [
    {
      method: 'GET',
      path: '/audit-events',
      status: 200,
      schema,
      async handle(request) {
        const q = request.query as Record<string, string | undefined>;
        const time = (name: string) => {
          const value = q[name];
          if (value === undefined || value === '') return undefined;
          const ms = Date.parse(value);
          if (!Number.isFinite(ms)) throw InvalidArgument.field(name, 'must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z');
          return ms;
        };
        const since = time('start_time');
        const until = time('end_time');
        const { events, nextPageToken } = await service.audit.list({
          ...pageRequest(q),
          ...(q.client_id ? { clientId: q.client_id } : {}),
          ...(q.type ? { type: q.type } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
        });
        return {
          events: events.map((e) => ({
            id: e.id,
            type: e.type,
            time: new Date(e.time).toISOString(),
            actor: e.actor,
            ...(e.clientId ? { client_id: e.clientId } : {}),
            ...(e.organizationId ? { organization_id: e.organizationId } : {}),
            ...(e.resourceId ? { resource_id: e.resourceId } : {}),
            ...(e.targetId ? { target_id: e.targetId } : {}),
            details: e.details,
          })),
          next_page_token: nextPageToken,
        };
      },
    },
  ];
}

const KEY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kid: { type: 'string' },
    state: { type: 'string' },
    create_time: { type: 'string' },
    activate_time: { type: 'string' },
    retire_time: { type: 'string' },
  },
};

// GET /api/v1/signing-keys and POST /api/v1/signing-keys:rotate (emulator extensions, used by
// `scalekit-emulator keys rotate`). Only public facts: kids and times.
function signingKeyRoutes(service: ManagementService): TableRoute[] {
  return [
    {
      method: 'GET',
      path: '/signing-keys',
      status: 200,
      schema: { type: 'object', additionalProperties: false, properties: { keys: { type: 'array', items: KEY } } },
      handle: async () => ({
        keys: (await service.keys.list()).map((k) => ({
          kid: k.kid,
          state: k.state,
          create_time: k.createTime,
          activate_time: k.activateTime,
          ...(k.retireTime ? { retire_time: k.retireTime } : {}),
        })),
      }),
    },
    {
      method: 'POST',
      path: '/signing-keys:rotate',
      status: 201,
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: { kid: { type: 'string' }, activate_time: { type: 'string' }, previous_keys_retire_time: { type: 'string' } },
      },
      async handle(request, _params, caller) {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const delay = body.switch_after_seconds ?? 3600;
        if (typeof delay !== 'number') throw InvalidArgument.field('switch_after_seconds', 'must be a number of seconds');
        const rotated = await service.keys.rotate(caller, { switchAfterSeconds: delay });
        return { kid: rotated.kid, activate_time: rotated.activateTime, previous_keys_retire_time: rotated.retireTime };
      },
    },
  ];
}

const TEST_USERS: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { enabled: { type: 'boolean' }, emails: { type: 'array', items: { type: 'string' } }, static_code: { type: 'string' } },
};

// GET and PATCH /api/v1/environment/test-users: Scalekit's test-users allow-list (Dashboard > Environment
// settings > Test users), which no Scalekit API or proto exposes; an emulator extension. A PATCH changes
// the fields its body names.
function testUserRoutes(service: ManagementService): TableRoute[] {
  const json = (list: Awaited<ReturnType<ManagementService['testUsers']['get']>>) => ({ enabled: list.enabled, emails: list.emails, static_code: list.staticCode });
  return [
    { method: 'GET', path: '/environment/test-users', status: 200, schema: TEST_USERS, handle: async () => json(await service.testUsers.get()) },
    {
      method: 'PATCH',
      path: '/environment/test-users',
      status: 200,
      schema: TEST_USERS,
      async handle(request, _params, caller) {
        const body = request.body ?? {};
        if (typeof body !== 'object' || Array.isArray(body)) throw InvalidArgument.field('test_users', 'must be a JSON object');
        const { enabled, emails, static_code: staticCode } = body as Record<string, unknown>;
        const patch = Object.fromEntries(Object.entries({ enabled, emails, staticCode }).filter(([, v]) => v !== undefined));
        return json(await service.testUsers.update(caller, patch));
      },
    },
  ];
}

const TRUSTED_IDENTITY_PROVIDERS: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    trusted_identity_providers: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { issuer: { type: 'string' }, jwks_uri: { type: 'string' }, create_time: { type: 'string' } } },
    },
  },
};

// GET and PUT /api/v1/environment/trusted-identity-providers: the identity providers besides the
// environment whose ID-JAGs the MCP servers with xaa_enabled accept (an emulator extension: Scalekit
// configures its enterprise IdPs in its dashboard). A PUT replaces the whole list.
function trustedIdentityProviderRoutes(service: ManagementService): TableRoute[] {
  const path = '/environment/trusted-identity-providers';
  const json = (list: Awaited<ReturnType<ManagementService['trustedIdentityProviders']['list']>>) => ({
    trusted_identity_providers: list.map((p) => ({ issuer: p.issuer, jwks_uri: p.jwksUri, create_time: p.createTime })),
  });
  return [
    { method: 'GET', path, status: 200, schema: TRUSTED_IDENTITY_PROVIDERS, handle: async () => json(await service.trustedIdentityProviders.list()) },
    {
      method: 'PUT',
      path,
      status: 200,
      schema: TRUSTED_IDENTITY_PROVIDERS,
      async handle(request, _params, caller) {
        const body = request.body ?? {};
        if (typeof body !== 'object' || Array.isArray(body)) throw InvalidArgument.field('trusted_identity_providers', 'must be a JSON object');
        const list = (body as Record<string, unknown>).trusted_identity_providers;
        if (!Array.isArray(list)) throw InvalidArgument.field('trusted_identity_providers', 'must be an array of {issuer, jwks_uri}');
        const providers = list.map((p) => {
          const entry = (p && typeof p === 'object' ? p : {}) as Record<string, unknown>;
          return { issuer: entry.issuer, jwksUri: entry.jwks_uri } as { issuer: string; jwksUri: string };
        });
        return json(await service.trustedIdentityProviders.replace(caller, providers));
      },
    },
  ];
}
