// M2M clients: organization clients (m2morg_…), an MCP server's own clients and the environment's own
// API client (skc_…, Scalekit's "environment app clients"), and their secrets.
// Every write goes straight to the tables the token endpoint reads, so a change holds from the very
// next token request. Plain secrets leave only in the response that created them.
import type { Client, ClientKind, CustomClaim } from '../store/clients.js';
import type { Resource } from '../store/resources.js';
import type { ClientSecret, CreatedSecret } from '../store/secrets.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import type { EnvironmentScopeService } from './environment-scopes.js';
import { FailedPrecondition, InvalidArgument, NotFound } from './errors.js';
import { pageFrom, pageOf, type Page, type PageRequest } from './paging.js';
import { environmentRedirectsInput, organizationClientInput, redirectUriList, resourceClientInput, validate } from './validation.js';

/** A page of an MCP server's clients, with the server's counts of each kind (ListResourceClientsResponse). */
export interface ResourceClientPage extends Page<ClientView> {
  totalDcrClients: number;
  totalStaticClients: number;
}

/** Which of an MCP server's clients a list holds: all, its M2M clients, or those MCP hosts registered. */
export type ResourceClientKinds = 'all' | 'static' | 'registered';

const KINDS: Record<ResourceClientKinds, readonly ClientKind[]> = { all: ['resource', 'dcr', 'cimd'], static: ['resource'], registered: ['dcr', 'cimd'] };

/** A client with its secrets (hashes never leave the store; these carry ids, suffixes and times). */
export interface ClientView {
  client: Client;
  secrets: ClientSecret[];
}

export interface CreatedClient extends ClientView {
  plainSecret: string;
}

/** OrganizationClient / ResourceClient fields. On create an absent field takes its default; on update it stays. */
export interface ClientFields {
  name?: string;
  description?: string;
  scopes?: string[];
  audience?: string[];
  customClaims?: CustomClaim[];
  /** Access-token lifetime, seconds. */
  expiry?: number;
  /** MCP-server clients only: with redirect URIs the client uses the authorization code flow. */
  redirectUris?: string[];
}

/** What UpdateClient changes on an environment client: Scalekit's post_login_uris are its redirect URIs. */
export interface EnvironmentClientFields {
  name?: string;
  scopes?: string[];
  customClaims?: CustomClaim[];
  expiry?: number;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
}

export interface ClientService {
  createOrganizationClient(caller: Caller, organizationId: string, fields: ClientFields): CreatedClient;
  getOrganizationClient(organizationId: string, clientId: string): ClientView;
  listOrganizationClients(organizationId: string, page: PageRequest): Page<ClientView>;
  updateOrganizationClient(caller: Caller, organizationId: string, clientId: string, patch: ClientFields): ClientView;
  deleteOrganizationClient(caller: Caller, organizationId: string, clientId: string): void;
  addOrganizationClientSecret(caller: Caller, organizationId: string, clientId: string): CreatedSecret;
  removeOrganizationClientSecret(caller: Caller, organizationId: string, clientId: string, secretId: string): void;
  /**
   * The seed's door: creates or updates the client with this id. With `plainSecret`, that value becomes
   * the secret the seed owns, replacing the one it set before; without, a client with no secret gets one.
   */
  putOrganizationClient(
    caller: Caller,
    input: ClientFields & { clientId: string; organizationId: string },
    plainSecret?: string,
  ): { changed: boolean; createdSecret?: CreatedSecret };

  /** The callback and post-logout URLs of the environment's own client (web apps signing people in). */
  putEnvironmentRedirects(caller: Caller, redirects: { redirectUris: string[]; postLogoutRedirectUris: string[] }): boolean;
  createResourceClient(caller: Caller, resourceId: string, fields: ClientFields): CreatedClient;
  getResourceClient(resourceId: string, clientId: string): ClientView;
  /** One page of them (a page of `CLIENT_PAGE` sizes), or, without `page`, all of them (gRPC, whose message has no paging). */
  listResourceClients(resourceId: string, page?: PageRequest, kinds?: ResourceClientKinds): ResourceClientPage;
  updateResourceClient(caller: Caller, resourceId: string, clientId: string, patch: ClientFields): ClientView;
  deleteResourceClient(caller: Caller, resourceId: string, clientId: string): void;
  /** A new secret for an MCP server's confidential client (shown once); the others keep working until removed. */
  addResourceClientSecret(caller: Caller, resourceId: string, clientId: string): CreatedSecret;
  removeResourceClientSecret(caller: Caller, resourceId: string, clientId: string, secretId: string): void;

  /** The environment's own API clients (one: skc_…, from configuration). */
  listEnvironmentClients(page: PageRequest): Page<ClientView>;
  getEnvironmentClient(clientId: string): ClientView;
  updateEnvironmentClient(caller: Caller, clientId: string, patch: EnvironmentClientFields): ClientView;
  /** Refused: the environment's default client cannot be deleted (as on Scalekit). */
  deleteEnvironmentClient(caller: Caller, clientId: string): void;
  addEnvironmentClientSecret(caller: Caller, clientId: string): CreatedSecret;
  /** INACTIVE: the secret stops working at once, and works again when made ACTIVE. */
  setEnvironmentClientSecretStatus(caller: Caller, clientId: string, secretId: string, status: ClientSecret['status']): ClientSecret;
  removeEnvironmentClientSecret(caller: Caller, clientId: string, secretId: string): void;
}

export const CLIENT_PAGE = { defaultSize: 10, maxSize: 100 };
// ListClientsRequest.page_size: "Defaults to 10, maximum 30".
export const ENVIRONMENT_CLIENT_PAGE = { defaultSize: 10, maxSize: 30 };
const DEFAULT_EXPIRY = 3600;

export function clientService({ store }: ServiceDeps, audit: AuditLog, scopes: EnvironmentScopeService): ClientService {
  const view = (client: Client): ClientView => ({ client, secrets: store.secrets.list(client.clientId) });

  const organization = (organizationId: string) => {
    if (!organizationId) throw InvalidArgument.field('organization_id', 'is required');
    if (!store.organizations.get(organizationId)) throw new NotFound('organization', organizationId);
  };
  const resource = (resourceId: string): Resource => {
    if (!resourceId) throw InvalidArgument.field('resource_id', 'is required');
    const found = store.resources.get(resourceId);
    if (!found) throw new NotFound('resource', resourceId);
    return found;
  };
  const environmentClient = (clientId: string): Client => {
    if (!clientId) throw InvalidArgument.field('client_id', 'is required');
    const client = store.clients.get(clientId);
    if (!client || client.kind !== 'environment') throw new NotFound('client', clientId);
    return client;
  };
  // The management API's own credentials: taking the last working secret away would lock every caller out.
  const keepsAnActiveSecret = (client: Client, secretId: string) => {
    const others = store.secrets.list(client.clientId).filter((s) => s.id !== secretId && s.status === 'ACTIVE');
    if (others.length === 0 && store.secrets.list(client.clientId).some((s) => s.id === secretId)) {
      throw new FailedPrecondition(`secret ${secretId} is the last active secret of ${client.clientId}: create another first`);
    }
  };
  const organizationClient = (organizationId: string, clientId: string): Client => {
    organization(organizationId);
    const client = store.clients.get(clientId);
    if (!client || client.kind !== 'organization' || client.organizationId !== organizationId) throw new NotFound('client', clientId);
    return client;
  };
  const resourceClient = (resourceId: string, clientId: string): Client => {
    resource(resourceId);
    const client = store.clients.get(clientId);
    // Static, DCR and CIMD clients of the server alike.
    if (!client || client.resourceId !== resourceId) throw new NotFound('client', clientId);
    return client;
  };

  // The fields as they will be stored: the old values (or defaults) overlaid with what was given.
  const merged = (base: Client | undefined, fields: ClientFields): Required<ClientFields> => ({
    name: fields.name ?? base?.name ?? '',
    description: fields.description ?? base?.description ?? '',
    scopes: fields.scopes ?? base?.scopes ?? [],
    audience: fields.audience ?? base?.audience ?? [],
    customClaims: fields.customClaims ?? base?.customClaims ?? [],
    expiry: fields.expiry ?? base?.expiry ?? DEFAULT_EXPIRY,
    redirectUris: fields.redirectUris ?? base?.redirectUris ?? [],
  });
  const changedFields = (fields: ClientFields) => Object.keys(fields).filter((k) => fields[k as keyof ClientFields] !== undefined);

  const writeOrganizationClient = (clientId: string, organizationId: string, fields: Required<ClientFields>) => {
    const { redirectUris: _none, ...rest } = fields;
    const checked = validate(organizationClientInput, rest, 'client');
    return store.clients.upsert({ clientId, kind: 'organization', organizationId, ...checked, redirectUris: [] });
  };

  const writeResourceClient = (clientId: string, owner: Resource, fields: Required<ClientFields>, kind: Client['kind'] = 'resource') => {
    const checked = validate(resourceClientInput, fields, 'client');
    const offered = new Set(owner.scopes.map((s) => s.name));
    checked.scopes.forEach((s, i) => {
      if (!offered.has(s)) throw InvalidArgument.field(`client.scopes[${i}]`, `is not a scope of MCP server ${owner.id} (${s})`);
    });
    return store.clients.upsert({ clientId, kind, resourceId: owner.id, ...checked });
  };

  const createSecret = (caller: Caller, client: Client, plain?: string): CreatedSecret => {
    const created = store.secrets.create(client.clientId, plain, caller.actor);
    audit.record(caller, {
      type: 'client_secret.created',
      clientId: client.clientId,
      ...owner(client),
      targetId: created.secret.id,
    });
    return created;
  };

  const removeSecret = (caller: Caller, client: Client, secretId: string) =>
    audit.transaction(() => {
      if (client.kind === 'environment') keepsAnActiveSecret(client, secretId);
      if (!store.secrets.remove(client.clientId, secretId)) throw new NotFound('secret', secretId);
      audit.record(caller, { type: 'client_secret.removed', clientId: client.clientId, ...owner(client), targetId: secretId });
    });

  // Writes an update; only a write that changed something is a change for the audit.
  const update = (caller: Caller, client: Client, type: string, patch: ClientFields, write: () => boolean): ClientView => {
    audit.transaction(() => {
      if (write()) {
        audit.record(caller, {
          type,
          clientId: client.clientId,
          ...owner(client),
          targetId: client.clientId,
          details: { fields: changedFields(patch) },
        });
      }
    });
    return view(store.clients.get(client.clientId)!);
  };

  const remove = (caller: Caller, client: Client, type: string) =>
    audit.transaction(() => {
      store.clients.remove(client.clientId);
      audit.record(caller, { type, clientId: client.clientId, ...owner(client), targetId: client.clientId });
    });

  return {
    createOrganizationClient(caller, organizationId, fields) {
      organization(organizationId);
      const clientId = store.ids.newId('organizationClient');
      const created = audit.transaction(() => {
        writeOrganizationClient(clientId, organizationId, merged(undefined, fields));
        const client = store.clients.get(clientId)!;
        audit.record(caller, { type: 'organization_client.created', clientId, organizationId, targetId: clientId });
        return createSecret(caller, client);
      });
      return { ...view(store.clients.get(clientId)!), plainSecret: created.plainSecret };
    },
    getOrganizationClient: (organizationId, clientId) => view(organizationClient(organizationId, clientId)),
    listOrganizationClients(organizationId, page) {
      organization(organizationId);
      const { items, ...rest } = pageOf(store.clients.listByOrganization(organizationId), page, CLIENT_PAGE, (c) => [c.createTime, c.clientId]);
      return { items: items.map(view), ...rest };
    },
    updateOrganizationClient(caller, organizationId, clientId, patch) {
      const client = organizationClient(organizationId, clientId);
      return update(caller, client, 'organization_client.updated', patch, () => writeOrganizationClient(clientId, organizationId, merged(client, patch)));
    },
    deleteOrganizationClient(caller, organizationId, clientId) {
      remove(caller, organizationClient(organizationId, clientId), 'organization_client.deleted');
    },
    addOrganizationClientSecret: (caller, organizationId, clientId) =>
      audit.transaction(() => createSecret(caller, organizationClient(organizationId, clientId))),
    removeOrganizationClientSecret: (caller, organizationId, clientId, secretId) =>
      removeSecret(caller, organizationClient(organizationId, clientId), secretId),
    putOrganizationClient(caller, input, plainSecret) {
      const { clientId, organizationId, ...fields } = input;
      organization(organizationId);
      return audit.transaction(() => {
        const existing = store.clients.get(clientId);
        const changed = writeOrganizationClient(clientId, organizationId, merged(existing, fields));
        if (changed) {
          audit.record(caller, {
            type: existing ? 'organization_client.updated' : 'organization_client.created',
            clientId,
            organizationId,
            targetId: clientId,
          });
        }
        const client = store.clients.get(clientId)!;
        let createdSecret: CreatedSecret | undefined;
        if (plainSecret !== undefined) {
          createdSecret = store.secrets.ensure(clientId, plainSecret, caller.actor);
          if (createdSecret) {
            audit.record(caller, { type: 'client_secret.created', clientId, organizationId, targetId: createdSecret.secret.id });
            // The seed's secret changed: the one it set before stops working now.
            for (const removed of store.secrets.removeCreatedBy(clientId, caller.actor, createdSecret.secret.id)) {
              audit.record(caller, { type: 'client_secret.removed', clientId, organizationId, targetId: removed });
            }
          }
        } else if (store.secrets.list(clientId).length === 0) {
          createdSecret = createSecret(caller, client);
        }
        return { changed, ...(createdSecret ? { createdSecret } : {}) };
      });
    },

    putEnvironmentRedirects(caller, redirects) {
      const { redirectUris, postLogoutRedirectUris } = validate(environmentRedirectsInput, redirects);
      return audit.transaction(() => {
        let changed = false;
        for (const client of store.clients.listByKind('environment')) {
          const wrote = store.clients.upsert({
            ...client,
            redirectUris,
            metadata: { ...client.metadata, post_logout_redirect_uris: postLogoutRedirectUris },
          });
          if (wrote) audit.record(caller, { type: 'environment_client.updated', clientId: client.clientId, targetId: client.clientId, details: { fields: ['redirect_uris', 'post_logout_redirect_uris'] } });
          changed ||= wrote;
        }
        return changed;
      });
    },

    createResourceClient(caller, resourceId, fields) {
      const owner = resource(resourceId);
      const clientId = store.ids.newId('dcrClient');
      const created = audit.transaction(() => {
        const audience = fields.audience?.length ? fields.audience : [owner.serverUrl, owner.id];
        writeResourceClient(clientId, owner, merged(undefined, { ...fields, audience }));
        const client = store.clients.get(clientId)!;
        audit.record(caller, { type: 'resource_client.created', clientId, resourceId, targetId: clientId });
        return createSecret(caller, client);
      });
      return { ...view(store.clients.get(clientId)!), plainSecret: created.plainSecret };
    },
    getResourceClient: (resourceId, clientId) => view(resourceClient(resourceId, clientId)),
    listResourceClients(resourceId, page, kinds = 'all') {
      resource(resourceId);
      const counts = store.clients.countByResource(resourceId);
      const totals = { totalDcrClients: (counts.dcr ?? 0) + (counts.cimd ?? 0), totalStaticClients: counts.resource ?? 0 };
      const kindsListed = KINDS[kinds];
      const totalSize = kindsListed.reduce((n, k) => n + (counts[k] ?? 0), 0);
      const read = (after: readonly [string, string] | undefined, limit: number) =>
        store.clients.pageByResource(resourceId, { kinds: kindsListed, ...(after ? { after } : {}), limit });
      const { items, ...rest } = page
        ? pageFrom(page, CLIENT_PAGE, totalSize, read, (c) => [c.createTime, c.clientId])
        : { items: read(undefined, -1), nextPageToken: '', totalSize }; // SQLite: LIMIT -1 is no limit
      return { items: items.map(view), ...rest, ...totals };
    },
    updateResourceClient(caller, resourceId, clientId, patch) {
      const client = resourceClient(resourceId, clientId);
      const server = resource(resourceId);
      return update(caller, client, 'resource_client.updated', patch, () => writeResourceClient(clientId, server, merged(client, patch), client.kind));
    },
    deleteResourceClient(caller, resourceId, clientId) {
      remove(caller, resourceClient(resourceId, clientId), 'resource_client.deleted');
    },
    addResourceClientSecret(caller, resourceId, clientId) {
      const client = resourceClient(resourceId, clientId);
      // Public clients (PKCE only) and client ID metadata documents have no secret to rotate.
      if (client.kind === 'cimd' || client.metadata.token_endpoint_auth_method === 'none') {
        throw new FailedPrecondition(`client ${clientId} is a public client: it has no secret`);
      }
      return audit.transaction(() => createSecret(caller, client));
    },
    removeResourceClientSecret: (caller, resourceId, clientId, secretId) => removeSecret(caller, resourceClient(resourceId, clientId), secretId),

    listEnvironmentClients(page) {
      const { items, ...rest } = pageOf(store.clients.listByKind('environment'), page, ENVIRONMENT_CLIENT_PAGE, (c) => [c.createTime, c.clientId]);
      return { items: items.map(view), ...rest };
    },
    getEnvironmentClient: (clientId) => view(environmentClient(clientId)),
    updateEnvironmentClient(caller, clientId, patch) {
      const client = environmentClient(clientId);
      const { redirectUris, postLogoutRedirectUris, ...fields } = patch;
      checkRedirects({ 'client.post_login_uris': redirectUris ?? [], 'client.post_logout_redirect_uris': postLogoutRedirectUris ?? [] });
      if (fields.scopes) scopes.checkAssignable(fields.scopes, 'client.scopes');
      const { redirectUris: _none, ...base } = merged(client, fields);
      const checked = validate(organizationClientInput, base, 'client');
      return update(caller, client, 'environment_client.updated', patch, () =>
        store.clients.upsert({
          ...client,
          ...checked,
          redirectUris: redirectUris ?? client.redirectUris,
          metadata: postLogoutRedirectUris ? { ...client.metadata, post_logout_redirect_uris: postLogoutRedirectUris } : client.metadata,
        }),
      );
    },
    deleteEnvironmentClient(_caller, clientId) {
      environmentClient(clientId);
      throw new FailedPrecondition(`client ${clientId} is the environment's default client: it cannot be deleted`);
    },
    addEnvironmentClientSecret: (caller, clientId) => audit.transaction(() => createSecret(caller, environmentClient(clientId))),
    setEnvironmentClientSecretStatus(caller, clientId, secretId, status) {
      const client = environmentClient(clientId);
      if (!secretId) throw InvalidArgument.field('secret_id', 'is required');
      return audit.transaction(() => {
        if (status === 'INACTIVE') keepsAnActiveSecret(client, secretId);
        const before = store.secrets.list(clientId).find((s) => s.id === secretId);
        if (!before) throw new NotFound('secret', secretId);
        const after = store.secrets.setStatus(clientId, secretId, status)!;
        if (before.status !== status) {
          audit.record(caller, { type: 'client_secret.updated', clientId, targetId: secretId, details: { status } });
        }
        return after;
      });
    },
    removeEnvironmentClientSecret: (caller, clientId, secretId) => removeSecret(caller, environmentClient(clientId), secretId),
  };
}

/** Each list of redirect URIs by its field name, by the one rule (redirectUriList), or INVALID_ARGUMENT naming it. */
function checkRedirects(lists: Record<string, string[]>): void {
  for (const [field, uris] of Object.entries(lists)) validate(redirectUriList, uris, field);
}

const owner = (client: Client) => ({
  ...(client.organizationId ? { organizationId: client.organizationId } : {}),
  ...(client.resourceId ? { resourceId: client.resourceId } : {}),
});
