// Scalekit's RPCs over the management service: a protobuf request in, a protobuf response out, one
// function per method. gRPC (grpc.ts) serves them as they are; REST (rest.ts) parses JSON into the same
// request messages and renders the same responses. Methods not here answer UNIMPLEMENTED.
import type { DescMethodUnary, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { FieldMask } from '@bufbuild/protobuf/wkt';
import {
  ClientSecretStatus,
  ResourceType,
  type ClientService,
  type UpdateClient,
  type OrganizationClient,
  type ResourceClient,
  type UpdateResource,
} from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import type { OrganizationService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb.js';
import type { UserService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/users/users_pb.js';
import type { WebAuthnService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/webauthn_pb.js';
import type { ClientFields } from './clients.js';
import { InvalidArgument, ManagementError, NotFound } from './errors.js';
import {
  clientMessage,
  consentDetailsMessage,
  consentedUserMessage,
  consentMessage,
  environmentClientMessage,
  scopeMessage,
  organizationMessage,
  passkeyMessage,
  registeredClientMessage,
  resourceMessage,
  seconds,
  secretMessage,
  userMessage,
} from './proto.js';
import { RegistrationError } from './registration.js';
import type { PageRequest } from './paging.js';
import type { ResourceFields } from './resources.js';
import type { Caller, ManagementService } from './service.js';
import { wireName } from './validation.js';

export interface RpcContext {
  caller: Caller;
  /** REST: the fields present in the JSON body, which is the update mask grpc-gateway infers for a PATCH. */
  present?: ReadonlySet<string>;
  /** REST: `page_size` / `page_token` of a list whose message has no paging fields (ListResourceClients)... */
  page?: PageRequest;
  /** ...and what the RPC answers about the page, beside the message. */
  pageResult?: { nextPageToken: string; totalSize: number };
  /**
   * GetConsentDetails: the authorization in progress whose consent screen is asked for (its interaction
   * id), from the REST query `interaction_id` or the gRPC metadata `x-interaction-id`: its request is Empty.
   */
  interactionId?: string;
  /** REST: the resource settings with no proto field (`token_issuer`, `token_profile`, `token_exchange`, `enable_device_flow`). */
  resourceSettings?: Pick<ResourceFields, 'tokenIssuer' | 'tokenProfile' | 'tokenExchange' | 'enableDeviceFlow'>;
}

type Rpc<M> =
  M extends DescMethodUnary<infer I, infer O> ? (request: MessageShape<I>, ctx: RpcContext) => MessageInitShape<O> | Promise<MessageInitShape<O>> : never;

/** Some methods of a service, by their local name (e.g. `createOrganizationClient`). */
export type Rpcs<S extends DescService> = { [K in keyof S['method']]?: Rpc<S['method'][K]> };

export interface ManagementRpcs {
  clients: Rpcs<typeof ClientService>;
  organizations: Rpcs<typeof OrganizationService>;
  users: Rpcs<typeof UserService>;
  webauthn: Rpcs<typeof WebAuthnService>;
}

export function managementRpcs(svc: ManagementService): ManagementRpcs {
  return { clients: clientRpcs(svc), organizations: organizationRpcs(svc), users: userRpcs(svc), webauthn: webauthnRpcs(svc) };
}

function clientRpcs(svc: ManagementService): Rpcs<typeof ClientService> {
  const resource = (r: Parameters<typeof resourceMessage>[0]) => resourceMessage(r, svc.issuer());
  return {
    async createOrganizationClient(req, { caller }) {
      const created = await svc.clients.createOrganizationClient(caller, req.organizationId, clientFields(req.client, () => true));
      return { client: clientMessage(created), plainSecret: created.plainSecret };
    },
    getOrganizationClient: async (req) => ({ client: clientMessage(await svc.clients.getOrganizationClient(req.organizationId, req.clientId)) }),
    async listOrganizationClients(req) {
      const page = await svc.clients.listOrganizationClients(req.organizationId, req);
      return { clients: page.items.map(clientMessage), nextPageToken: page.nextPageToken, totalSize: page.totalSize, prevPageToken: '' };
    },
    async updateOrganizationClient(req, ctx) {
      const patch = clientFields(req.client, updated(undefined, ctx.present, 'client', req.client && clientDefaults(req.client)));
      return { client: clientMessage(await svc.clients.updateOrganizationClient(ctx.caller, req.organizationId, req.clientId, patch)) };
    },
    async deleteOrganizationClient(req, { caller }) {
      await svc.clients.deleteOrganizationClient(caller, req.organizationId, req.clientId);
      return {};
    },
    async createOrganizationClientSecret(req, { caller }) {
      const created = await svc.clients.addOrganizationClientSecret(caller, req.organizationId, req.clientId);
      return { plainSecret: created.plainSecret, secret: secretMessage(created.secret) };
    },
    async deleteOrganizationClientSecret(req, { caller }) {
      await svc.clients.removeOrganizationClientSecret(caller, req.organizationId, req.clientId, req.secretId);
      return {};
    },

    async createResource(req, ctx) {
      const r = req.resource;
      if (r && r.resourceType !== ResourceType.MCP_SERVER && r.resourceType !== ResourceType.RESOURCE_TYPE_UNSPECIFIED) {
        throw InvalidArgument.field('resource.resource_type', 'must be MCP_SERVER: the emulator serves MCP servers only');
      }
      const fields: ResourceFields = {
        name: r?.name ?? '',
        description: r?.description ?? '',
        serverUrl: r?.resourceId || r?.resourceUri || '',
        accessTokenExpiry: r && seconds(r.accessTokenExpiry, 'resource.access_token_expiry'),
        refreshTokenExpiry: r && seconds(r.refreshTokenExpiry, 'resource.refresh_token_expiry'),
        disableDynamicClientRegistration: r?.disableDynamicClientRegistration ?? false,
        enableCimd: r?.enableCimd ?? false,
        xaaEnabled: r?.xaaEnabled ?? false,
        scopes: (r?.scopes ?? []).map((name) => ({ name })),
        ...ctx.resourceSettings,
      };
      return { resource: resource(await svc.resources.create(ctx.caller, fields)) };
    },
    getResource: async (req) => ({ resource: resource(await svc.resources.get(req.resourceId)) }),
    async listResources(req) {
      const page = await svc.resources.list(req);
      const mcp = req.resourceType === ResourceType.RESOURCE_TYPE_UNSPECIFIED || req.resourceType === ResourceType.MCP_SERVER;
      return {
        resources: mcp ? page.items.map(resource) : [],
        nextPageToken: mcp ? page.nextPageToken : '',
        totalSize: mcp ? page.totalSize : 0,
        prevPageToken: '',
      };
    },
    async updateResource(req, ctx) {
      const r = req.resource;
      const isSet = updated(req.updateMask, ctx.present, 'resource', r && resourceDefaults(r));
      const patch: ResourceFields = {
        ...(isSet('name') ? { name: r?.name ?? '' } : {}),
        ...(isSet('description') ? { description: r?.description ?? '' } : {}),
        ...(isSet('resource_id') || isSet('resource_uri') ? { serverUrl: r?.resourceId || r?.resourceUri || '' } : {}),
        ...(isSet('access_token_expiry') ? { accessTokenExpiry: r && seconds(r.accessTokenExpiry, 'resource.access_token_expiry') } : {}),
        ...(isSet('refresh_token_expiry') ? { refreshTokenExpiry: r && seconds(r.refreshTokenExpiry, 'resource.refresh_token_expiry') } : {}),
        ...(isSet('disable_dynamic_client_registration')
          ? { disableDynamicClientRegistration: r?.disableDynamicClientRegistration ?? false }
          : {}),
        ...(isSet('enable_cimd') ? { enableCimd: r?.enableCimd ?? false } : {}),
        ...(isSet('xaa_enabled') ? { xaaEnabled: r?.xaaEnabled ?? false } : {}),
        ...(isSet('scopes') ? { scopes: (r?.scopes ?? []).map((name) => ({ name })) } : {}),
        ...ctx.resourceSettings,
      };
      return { resource: resource(await svc.resources.update(ctx.caller, req.resourceId, patch)) };
    },
    async deleteResource(req, { caller }) {
      await svc.resources.delete(caller, req.resourceId);
      return {};
    },

    async createResourceClient(req, { caller }) {
      const created = await svc.clients.createResourceClient(caller, req.resourceId, clientFields(req.client, () => true));
      return { client: clientMessage(created), plainSecret: created.plainSecret };
    },
    getResourceClient: async (req) => ({
      client: clientMessage(await svc.clients.getResourceClient(req.resourceId, req.clientId)),
      consentedUsers: (await svc.consents.consentsOfClient(req.resourceId, req.clientId)).map(consentedUserMessage),
    }),
    // Scalekit's message has no paging fields: over gRPC the whole list; REST pages it (ctx.page).
    async listResourceClients(req, ctx) {
      const { items, nextPageToken, totalSize, totalDcrClients, totalStaticClients } = await svc.clients.listResourceClients(req.resourceId, ctx.page);
      if (ctx.page) ctx.pageResult = { nextPageToken, totalSize };
      return { clients: items.map(clientMessage), totalDcrClients, totalStaticClients };
    },
    async updateResourceClient(req, ctx) {
      const patch = clientFields(req.client, updated(req.updateMask, ctx.present, 'client', req.client && clientDefaults(req.client)));
      return { client: clientMessage(await svc.clients.updateResourceClient(ctx.caller, req.resourceId, req.clientId, patch)) };
    },
    async deleteResourceClient(req, { caller }) {
      await svc.clients.deleteResourceClient(caller, req.resourceId, req.clientId);
      return {};
    },
    async registerClient(req, { caller }) {
      const c = req.client;
      // The RFC 7591 body the open endpoint takes; proto3 cannot tell an unset string from '', so '' is absent.
      const metadata = Object.fromEntries(
        Object.entries({
          client_name: c?.clientName,
          description: c?.description,
          scope: c?.scope,
          client_uri: c?.clientUri,
          logo_uri: c?.logoUri,
          tos_uri: c?.tosUri,
          policy_uri: c?.policyUri,
        }).filter(([, v]) => v),
      );
      try {
        return registeredClientMessage(await svc.registration.register(caller, req.resId, { ...metadata, redirect_uris: c?.redirectUris ?? [] }));
      } catch (err) {
        throw err instanceof RegistrationError ? registrationStatus(err, req.resId) : err;
      }
    },

    async listResourceUserConsents(req) {
      const page = await svc.consents.listResourceUserConsents(req.resourceId, req.search, req);
      return { consents: page.items.map(consentMessage), nextPageToken: page.nextPageToken, totalSize: page.totalSize, prevPageToken: '' };
    },
    async revokeUserConsent(req, { caller }) {
      await svc.consents.revoke(caller, req.clientId, req.consentId);
      return {};
    },
    getConsentDetails: async (_req, ctx) => consentDetailsMessage(await svc.consents.consentScreen(ctx.interactionId ?? ''), svc.issuer()),

    // The environment's own API clients (Scalekit's "environment app clients"). CreateClient (web, SPA
    // and native app clients) is not served: the environment has its one client, from configuration.
    async listClient(req) {
      const types = req.filter?.clientType ?? [];
      const page = await svc.clients.listEnvironmentClients(req);
      const env = types.length === 0 || types.some((t) => t === 'ENV' || t === 'ALL');
      return { clients: env ? page.items.map(environmentClientMessage) : [], nextPageToken: env ? page.nextPageToken : '', totalSize: env ? page.totalSize : 0, prevPageToken: '' };
    },
    getClient: async (req) => ({ client: environmentClientMessage(await svc.clients.getEnvironmentClient(req.clientId)) }),
    async updateClient(req, ctx) {
      const c = req.client;
      const isSet = updated(req.mask, ctx.present, 'client', c && environmentClientDefaults(c));
      return {
        client: environmentClientMessage(
          await svc.clients.updateEnvironmentClient(ctx.caller, req.clientId, {
            ...(isSet('name') ? { name: c?.name ?? '' } : {}),
            ...(isSet('scopes') ? { scopes: c?.scopes ?? [] } : {}),
            ...(isSet('custom_claims') ? { customClaims: (c?.customClaims ?? []).map(({ key, value }) => ({ key, value })) } : {}),
            ...(isSet('access_token_expiry') ? { expiry: c && seconds(c.accessTokenExpiry, 'client.access_token_expiry') } : {}),
            ...(isSet('post_login_uris') ? { redirectUris: c?.postLoginUris ?? [] } : {}),
            ...(isSet('post_logout_redirect_uris') ? { postLogoutRedirectUris: c?.postLogoutRedirectUris ?? [] } : {}),
          }),
        ),
      };
    },
    async deleteClient(req, { caller }) {
      await svc.clients.deleteEnvironmentClient(caller, req.clientId);
      return {};
    },
    async createClientSecret(req, { caller }) {
      const created = await svc.clients.addEnvironmentClientSecret(caller, req.clientId);
      return { plainSecret: created.plainSecret, secret: secretMessage(created.secret) };
    },
    async updateClientSecret(req, { caller }) {
      const status = req.secret?.status === ClientSecretStatus.INACTIVE ? 'INACTIVE' : 'ACTIVE';
      return { secret: secretMessage(await svc.clients.setEnvironmentClientSecretStatus(caller, req.clientId, req.secretId, status)) };
    },
    async deleteClientSecret(req, { caller }) {
      await svc.clients.removeEnvironmentClientSecret(caller, req.clientId, req.secretId);
      return {};
    },

    // Scalekit's deprecated environment-level scopes (environment-scopes.ts says what they govern here).
    // The emulator is one environment: env_id is not checked.
    createScope: async (req, { caller }) => ({ scope: scopeMessage(await svc.scopes.create(caller, { name: req.scope?.name ?? '', description: req.scope?.description ?? '' })) }),
    listScopes: async () => ({ scopes: (await svc.scopes.list()).map(scopeMessage) }),
    async updateScope(req, ctx) {
      const isSet = updated(undefined, ctx.present, 'scope', { description: req.scope?.description !== '', enabled: req.scope?.enabled !== undefined });
      const patch = {
        ...(isSet('description') ? { description: req.scope?.description ?? '' } : {}),
        ...(isSet('enabled') && req.scope?.enabled !== undefined ? { enabled: req.scope.enabled } : {}),
      };
      return { scope: scopeMessage(await svc.scopes.update(ctx.caller, req.id, patch)) };
    },
    async deleteScope(req, { caller }) {
      await svc.scopes.delete(caller, req.id);
      return {};
    },
  };
}

function organizationRpcs(svc: ManagementService): Rpcs<typeof OrganizationService> {
  return {
    createOrganization: async (req, { caller }) => ({
      organization: organizationMessage(await svc.organizations.create(caller, { displayName: req.organization?.displayName ?? '' })),
    }),
    async getOrganization(req) {
      const { identities } = req;
      if (identities.case === 'externalId') throw new NotFound('organization with external_id', identities.value);
      return { organization: organizationMessage(await svc.organizations.get(identities.value ?? '')) };
    },
    async listOrganization(req) {
      const page = await svc.organizations.list(req);
      return { organizations: page.items.map(organizationMessage), nextPageToken: page.nextPageToken, totalSize: page.totalSize, prevPageToken: '' };
    },
  };
}

function userRpcs(svc: ManagementService): Rpcs<typeof UserService> {
  return {
    async createUserAndMembership(req, { caller }) {
      const profile = req.user?.userProfile;
      const name =
        profile?.name ||
        [profile?.firstName || profile?.givenName, profile?.lastName || profile?.familyName].filter(Boolean).join(' ');
      const user = await svc.users.createInOrganization(caller, req.organizationId, { email: req.user?.email ?? '', name });
      return { user: userMessage(user) };
    },
    async listUsers(req) {
      const page = await svc.users.list(req);
      return { users: page.items.map(userMessage), nextPageToken: page.nextPageToken, totalSize: page.totalSize, prevPageToken: '' };
    },
    async listOrganizationUsers(req) {
      const page = await svc.users.list(req, req.organizationId);
      return { users: page.items.map(userMessage), nextPageToken: page.nextPageToken, totalSize: page.totalSize, prevPageToken: '' };
    },
  };
}

// A person's passkeys. The ceremonies (Begin/Finish Registration and Authentication) are the login
// pages' own, so they answer UNIMPLEMENTED here.
function webauthnRpcs(svc: ManagementService): Rpcs<typeof WebAuthnService> {
  const rpId = () => URL.parse(svc.issuer())?.hostname ?? '';
  return {
    async listCredentials(req) {
      const passkeys = await svc.passkeys.list(req.userId);
      return {
        credentials: passkeys.map(passkeyMessage),
        allAcceptedCredentialsOptions: { rpId: rpId(), userId: req.userId, allAcceptedCredentialIds: passkeys.map((p) => p.credentialId) },
      };
    },
    updateCredential: async (req, { caller }) => ({ credential: passkeyMessage(await svc.passkeys.rename(caller, req.credentialId, req.displayName)) }),
    async deleteCredential(req, { caller }) {
      const removed = await svc.passkeys.remove(caller, req.credentialId);
      // What a page hands PublicKeyCredential.signalUnknownCredential(), so the authenticator forgets it too.
      return { success: true, unknownCredentialOptions: { rpId: removed.rpId, credentialId: removed.credentialId } };
    },
  };
}

// The RFC 7591 refusal as the gRPC status grpc-gateway would map its HTTP status from.
function registrationStatus(err: RegistrationError, resourceId: string): ManagementError {
  if (err.status === 404) return new NotFound('resource', resourceId);
  if (err.status === 403) return new ManagementError('FAILED_PRECONDITION', err.message);
  const [field, ...rest] = err.message.split(': ');
  return rest.length > 0 ? InvalidArgument.field(`client.${field}`, rest.join(': ')) : new ManagementError('INVALID_ARGUMENT', err.message);
}

// OrganizationClient / ResourceClient -> the service's fields, keeping those `isSet` names.
function clientFields(c: OrganizationClient | ResourceClient | undefined, isSet: (field: string) => boolean): ClientFields {
  if (!c) return {};
  return {
    ...(isSet('name') ? { name: c.name } : {}),
    ...(isSet('description') ? { description: c.description } : {}),
    ...(isSet('scopes') ? { scopes: c.scopes } : {}),
    ...(isSet('audience') ? { audience: c.audience } : {}),
    ...(isSet('custom_claims') ? { customClaims: c.customClaims.map(({ key, value }) => ({ key, value })) } : {}),
    ...(isSet('expiry') ? { expiry: seconds(c.expiry, 'client.expiry') } : {}),
    ...('redirectUris' in c && isSet('redirect_uris') ? { redirectUris: c.redirectUris } : {}),
  };
}

// Which fields of a message differ from their defaults: proto3 cannot tell "unset" from "empty", so
// without a mask an update changes what was given a value (BoolValue wrappers: what was given at all).
const clientDefaults = (c: OrganizationClient | ResourceClient): Record<string, boolean> => ({
  name: c.name !== '',
  description: c.description !== '',
  scopes: c.scopes.length > 0,
  audience: c.audience.length > 0,
  custom_claims: c.customClaims.length > 0,
  expiry: c.expiry !== 0n,
  ...('redirectUris' in c ? { redirect_uris: c.redirectUris.length > 0 } : {}),
});

// UpdateClient's fields the emulator applies; the others are accepted and ignored (it has no back-channel
// logout, initiate-login URI, API-access switch, grant-type or PKCE setting to apply them to).
const environmentClientDefaults = (c: UpdateClient): Record<string, boolean> => ({
  name: c.name !== '',
  scopes: c.scopes.length > 0,
  custom_claims: c.customClaims.length > 0,
  access_token_expiry: c.accessTokenExpiry !== 0n,
  post_login_uris: c.postLoginUris.length > 0,
  post_logout_redirect_uris: c.postLogoutRedirectUris.length > 0,
  back_channel_logout_uris: false,
  initiate_login_uri: false,
  disallow_scalekit_api_access: false,
  grant_types: false,
  enforce_pkce: false,
});

const resourceDefaults = (r: UpdateResource): Record<string, boolean> => ({
  name: r.name !== '',
  description: r.description !== '',
  resource_uri: r.resourceUri !== '',
  resource_id: r.resourceId !== '',
  access_token_expiry: r.accessTokenExpiry !== 0n,
  refresh_token_expiry: r.refreshTokenExpiry !== 0n,
  disable_dynamic_client_registration: r.disableDynamicClientRegistration !== undefined,
  enable_cimd: r.enableCimd !== undefined,
  xaa_enabled: r.xaaEnabled !== undefined,
  scopes: r.scopes.length > 0,
  // Accepted and ignored: the emulator has nothing to apply them to.
  logo_uri: false,
  provider: false,
  intersect_scopes_user_permission: false,
  custom_connection_settings: false,
});

/**
 * The fields an update changes: the update_mask's paths when one is given (relative to `prefix` or
 * not, snake or camel case), else the REST body's fields, else those given a value.
 */
function updated(
  mask: FieldMask | undefined,
  present: ReadonlySet<string> | undefined,
  prefix: string,
  valued: Record<string, boolean> | undefined,
): (field: string) => boolean {
  if (mask && mask.paths.length > 0) {
    const known = new Set(Object.keys(valued ?? {}));
    const paths = new Set(
      mask.paths.map((p) => {
        const path = wireName(p.startsWith(`${prefix}.`) ? p.slice(prefix.length + 1) : p);
        if (valued && !known.has(path)) throw InvalidArgument.field('update_mask', `names no field of ${prefix}: ${p}`);
        return path;
      }),
    );
    return (field) => paths.has(field);
  }
  if (present) return (field) => present.has(field);
  return (field) => valued?.[field] === true;
}
