// M2M clients: organization clients (m2morg_…), an MCP server's own clients and the environment's own
// API client (skc_…, Scalekit's "environment app clients"), and their secrets.
// Every write goes straight to the tables the token endpoint reads, so a change holds from the very
// next token request. Plain secrets leave only in the response that created them.
import type { Client, ClientInput, ClientKind, CustomClaim } from '../store/clients.js';
import type { Repositories } from '../store/index.js';
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
  createOrganizationClient(caller: Caller, organizationId: string, fields: ClientFields): Promise<CreatedClient>;
  getOrganizationClient(organizationId: string, clientId: string): Promise<ClientView>;
  listOrganizationClients(organizationId: string, page: PageRequest): Promise<Page<ClientView>>;
  updateOrganizationClient(caller: Caller, organizationId: string, clientId: string, patch: ClientFields): Promise<ClientView>;
  deleteOrganizationClient(caller: Caller, organizationId: string, clientId: string): Promise<void>;
  addOrganizationClientSecret(caller: Caller, organizationId: string, clientId: string): Promise<CreatedSecret>;
  removeOrganizationClientSecret(caller: Caller, organizationId: string, clientId: string, secretId: string): Promise<void>;
  /**
   * The seed's door: creates or updates the client with this id. With `plainSecret`, that value becomes
   * the secret the seed owns, replacing the one it set before; without, a client with no secret gets one.
   */
  putOrganizationClient(
    caller: Caller,
    input: ClientFields & { clientId: string; organizationId: string },
    plainSecret?: string,
  ): Promise<{ changed: boolean; createdSecret?: CreatedSecret }>;

  /** The callback and post-logout URLs of the environment's own client (web apps signing people in). */
  putEnvironmentRedirects(caller: Caller, redirects: { redirectUris: string[]; postLogoutRedirectUris: string[] }): Promise<boolean>;
  createResourceClient(caller: Caller, resourceId: string, fields: ClientFields): Promise<CreatedClient>;
  getResourceClient(resourceId: string, clientId: string): Promise<ClientView>;
  /** One page of them (a page of `CLIENT_PAGE` sizes), or, without `page`, all of them (gRPC, whose message has no paging). */
  listResourceClients(resourceId: string, page?: PageRequest, kinds?: ResourceClientKinds): Promise<ResourceClientPage>;
  updateResourceClient(caller: Caller, resourceId: string, clientId: string, patch: ClientFields): Promise<ClientView>;
  deleteResourceClient(caller: Caller, resourceId: string, clientId: string): Promise<void>;
  /** A new secret for an MCP server's confidential client (shown once); the others keep working until removed. */
  addResourceClientSecret(caller: Caller, resourceId: string, clientId: string): Promise<CreatedSecret>;
  removeResourceClientSecret(caller: Caller, resourceId: string, clientId: string, secretId: string): Promise<void>;

  /** The environment's own API clients (one: skc_…, from configuration). */
  listEnvironmentClients(page: PageRequest): Promise<Page<ClientView>>;
  getEnvironmentClient(clientId: string): Promise<ClientView>;
  updateEnvironmentClient(caller: Caller, clientId: string, patch: EnvironmentClientFields): Promise<ClientView>;
  /** Refused: the environment's default client cannot be deleted (as on Scalekit). */
  deleteEnvironmentClient(caller: Caller, clientId: string): Promise<void>;
  addEnvironmentClientSecret(caller: Caller, clientId: string): Promise<CreatedSecret>;
  /** INACTIVE: the secret stops working at once, and works again when made ACTIVE. */
  setEnvironmentClientSecretStatus(caller: Caller, clientId: string, secretId: string, status: ClientSecret['status']): Promise<ClientSecret>;
  removeEnvironmentClientSecret(caller: Caller, clientId: string, secretId: string): Promise<void>;
}

export const CLIENT_PAGE = { defaultSize: 10, maxSize: 100 };
// ListClientsRequest.page_size: "Defaults to 10, maximum 30".
export const ENVIRONMENT_CLIENT_PAGE = { defaultSize: 10, maxSize: 30 };
const DEFAULT_EXPIRY = 3600;

export function clientService({ store }: ServiceDeps, audit: AuditLog, scopes: EnvironmentScopeService): ClientService {
  const view = async (client: Client, repos: Repositories = store): Promise<ClientView> => ({ client, secrets: await repos.secrets.list(client.clientId) });
  const views = (clients: Client[]) => Promise.all(clients.map((c) => view(c)));

  const organization = async (organizationId: string) => {
    if (!organizationId) throw InvalidArgument.field('organization_id', 'is required');
    if (!(await store.organizations.get(organizationId))) throw new NotFound('organization', organizationId);
  };
  const resource = async (resourceId: string): Promise<Resource> => {
    if (!resourceId) throw InvalidArgument.field('resource_id', 'is required');
    const found = await store.resources.get(resourceId);
    if (!found) throw new NotFound('resource', resourceId);
    return found;
  };
  const environmentClient = async (clientId: string): Promise<Client> => {
    if (!clientId) throw InvalidArgument.field('client_id', 'is required');
    const client = await store.clients.get(clientId);
    if (!client || client.kind !== 'environment') throw new NotFound('client', clientId);
    return client;
  };
  // The management API's own credentials: taking the last working secret away would lock every caller out.
  const keepsAnActiveSecret = async (repos: Repositories, client: Client, secretId: string) => {
    const secrets = await repos.secrets.list(client.clientId);
    const others = secrets.filter((s) => s.id !== secretId && s.status === 'ACTIVE');
    if (others.length === 0 && secrets.some((s) => s.id === secretId)) {
      throw new FailedPrecondition(`secret ${secretId} is the last active secret of ${client.clientId}: create another first`);
    }
  };
  const organizationClient = async (organizationId: string, clientId: string): Promise<Client> => {
    await organization(organizationId);
    const client = await store.clients.get(clientId);
    if (!client || client.kind !== 'organization' || client.organizationId !== organizationId) throw new NotFound('client', clientId);
    return client;
  };
  const resourceClient = async (resourceId: string, clientId: string): Promise<Client> => {
    await resource(resourceId);
    const client = await store.clients.get(clientId);
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

  // Validated before any transaction opens; written inside the caller's.
  const organizationClientRow = (clientId: string, organizationId: string, fields: Required<ClientFields>): ClientInput => {
    const { redirectUris: _none, ...rest } = fields;
    const checked = validate(organizationClientInput, rest, 'client');
    return { clientId, kind: 'organization', organizationId, ...checked, redirectUris: [] };
  };

  const resourceClientRow = (clientId: string, owner: Resource, fields: Required<ClientFields>, kind: Client['kind'] = 'resource'): ClientInput => {
    const checked = validate(resourceClientInput, fields, 'client');
    const offered = new Set(owner.scopes.map((s) => s.name));
    checked.scopes.forEach((s, i) => {
      if (!offered.has(s)) throw InvalidArgument.field(`client.scopes[${i}]`, `is not a scope of MCP server ${owner.id} (${s})`);
    });
    return { clientId, kind, resourceId: owner.id, ...checked };
  };

  const createSecret = async (tx: Repositories, caller: Caller, client: Client, plain?: string): Promise<CreatedSecret> => {
    const created = await tx.secrets.create(client.clientId, plain, caller.actor);
    await audit.record(tx, caller, {
      type: 'client_secret.created',
      clientId: client.clientId,
      ...owner(client),
      targetId: created.secret.id,
    });
    return created;
  };

  const removeSecret = (caller: Caller, client: Client, secretId: string) =>
    audit.transaction(async (tx) => {
      if (client.kind === 'environment') await keepsAnActiveSecret(tx, client, secretId);
      if (!(await tx.secrets.remove(client.clientId, secretId))) throw new NotFound('secret', secretId);
      await audit.record(tx, caller, { type: 'client_secret.removed', clientId: client.clientId, ...owner(client), targetId: secretId });
    });

  // Writes an update; only a write that changed something is a change for the audit.
  const update = async (caller: Caller, client: Client, type: string, patch: ClientFields, row: ClientInput): Promise<ClientView> => {
    await audit.transaction(async (tx) => {
      if (await tx.clients.upsert(row)) {
        await audit.record(tx, caller, {
          type,
          clientId: client.clientId,
          ...owner(client),
          targetId: client.clientId,
          details: { fields: changedFields(patch) },
        });
      }
    });
    return view((await store.clients.get(client.clientId))!);
  };

  const remove = (caller: Caller, client: Client, type: string) =>
    audit.transaction(async (tx) => {
      await tx.clients.remove(client.clientId);
      await audit.record(tx, caller, { type, clientId: client.clientId, ...owner(client), targetId: client.clientId });
    });

  // Creates the client and its first secret in one transaction; shows the secret once.
  const createWithSecret = async (caller: Caller, row: ClientInput, type: string): Promise<CreatedClient> => {
    const created = await audit.transaction(async (tx) => {
      await tx.clients.upsert(row);
      const client = (await tx.clients.get(row.clientId))!;
      await audit.record(tx, caller, { type, clientId: row.clientId, ...owner(client), targetId: row.clientId });
      return createSecret(tx, caller, client);
    });
    return { ...(await view((await store.clients.get(row.clientId))!)), plainSecret: created.plainSecret };
  };

  return {
    async createOrganizationClient(caller, organizationId, fields) {
      await organization(organizationId);
      const clientId = store.ids.newId('organizationClient');
      return createWithSecret(caller, organizationClientRow(clientId, organizationId, merged(undefined, fields)), 'organization_client.created');
    },
    getOrganizationClient: async (organizationId, clientId) => view(await organizationClient(organizationId, clientId)),
    async listOrganizationClients(organizationId, page) {
      await organization(organizationId);
      const { items, ...rest } = pageOf(await store.clients.listByOrganization(organizationId), page, CLIENT_PAGE, (c) => [c.createTime, c.clientId]);
      return { items: await views(items), ...rest };
    },
    async updateOrganizationClient(caller, organizationId, clientId, patch) {
      const client = await organizationClient(organizationId, clientId);
      return update(caller, client, 'organization_client.updated', patch, organizationClientRow(clientId, organizationId, merged(client, patch)));
    },
    async deleteOrganizationClient(caller, organizationId, clientId) {
      await remove(caller, await organizationClient(organizationId, clientId), 'organization_client.deleted');
    },
    addOrganizationClientSecret: async (caller, organizationId, clientId) => {
      const client = await organizationClient(organizationId, clientId);
      return audit.transaction((tx) => createSecret(tx, caller, client));
    },
    removeOrganizationClientSecret: async (caller, organizationId, clientId, secretId) =>
      removeSecret(caller, await organizationClient(organizationId, clientId), secretId),
    async putOrganizationClient(caller, input, plainSecret) {
      const { clientId, organizationId, ...fields } = input;
      await organization(organizationId);
      return audit.transaction(async (tx) => {
        const existing = await tx.clients.get(clientId);
        const changed = await tx.clients.upsert(organizationClientRow(clientId, organizationId, merged(existing, fields)));
        if (changed) {
          await audit.record(tx, caller, {
            type: existing ? 'organization_client.updated' : 'organization_client.created',
            clientId,
            organizationId,
            targetId: clientId,
          });
        }
        const client = (await tx.clients.get(clientId))!;
        let createdSecret: CreatedSecret | undefined;
        if (plainSecret !== undefined) {
          createdSecret = await tx.secrets.ensure(clientId, plainSecret, caller.actor);
          if (createdSecret) {
            await audit.record(tx, caller, { type: 'client_secret.created', clientId, organizationId, targetId: createdSecret.secret.id });
            // The seed's secret changed: the one it set before stops working now.
            for (const removed of await tx.secrets.removeCreatedBy(clientId, caller.actor, createdSecret.secret.id)) {
              await audit.record(tx, caller, { type: 'client_secret.removed', clientId, organizationId, targetId: removed });
            }
          }
        } else if ((await tx.secrets.list(clientId)).length === 0) {
          createdSecret = await createSecret(tx, caller, client);
        }
        return { changed, ...(createdSecret ? { createdSecret } : {}) };
      });
    },

    putEnvironmentRedirects(caller, redirects) {
      const { redirectUris, postLogoutRedirectUris } = validate(environmentRedirectsInput, redirects);
      return audit.transaction(async (tx) => {
        let changed = false;
        for (const client of await tx.clients.listByKind('environment')) {
          const wrote = await tx.clients.upsert({
            ...client,
            redirectUris,
            metadata: { ...client.metadata, post_logout_redirect_uris: postLogoutRedirectUris },
          });
          if (wrote) await audit.record(tx, caller, { type: 'environment_client.updated', clientId: client.clientId, targetId: client.clientId, details: { fields: ['redirect_uris', 'post_logout_redirect_uris'] } });
          changed ||= wrote;
        }
        return changed;
      });
    },

    async createResourceClient(caller, resourceId, fields) {
      const owner = await resource(resourceId);
      const clientId = store.ids.newId('dcrClient');
      const audience = fields.audience?.length ? fields.audience : [owner.serverUrl, owner.id];
      return createWithSecret(caller, resourceClientRow(clientId, owner, merged(undefined, { ...fields, audience })), 'resource_client.created');
    },
    getResourceClient: async (resourceId, clientId) => view(await resourceClient(resourceId, clientId)),
    async listResourceClients(resourceId, page, kinds = 'all') {
      await resource(resourceId);
      const counts = await store.clients.countByResource(resourceId);
      const totals = { totalDcrClients: (counts.dcr ?? 0) + (counts.cimd ?? 0), totalStaticClients: counts.resource ?? 0 };
      const kindsListed = KINDS[kinds];
      const totalSize = kindsListed.reduce((n, k) => n + (counts[k] ?? 0), 0);
      const read = (after: readonly [string, string] | undefined, limit?: number) =>
        store.clients.pageByResource(resourceId, { kinds: kindsListed, ...(after ? { after } : {}), ...(limit !== undefined ? { limit } : {}) });
      const { items, ...rest } = page
        ? await pageFrom(page, CLIENT_PAGE, totalSize, read, (c) => [c.createTime, c.clientId])
        : { items: await read(undefined), nextPageToken: '', totalSize };
      return { items: await views(items), ...rest, ...totals };
    },
    async updateResourceClient(caller, resourceId, clientId, patch) {
      const client = await resourceClient(resourceId, clientId);
      const server = await resource(resourceId);
      return update(caller, client, 'resource_client.updated', patch, resourceClientRow(clientId, server, merged(client, patch), client.kind));
    },
    async deleteResourceClient(caller, resourceId, clientId) {
      await remove(caller, await resourceClient(resourceId, clientId), 'resource_client.deleted');
    },
    async addResourceClientSecret(caller, resourceId, clientId) {
      const client = await resourceClient(resourceId, clientId);
      // Public clients (PKCE only) and client ID metadata documents have no secret to rotate.
      if (client.kind === 'cimd' || client.metadata.token_endpoint_auth_method === 'none') {
        throw new FailedPrecondition(`client ${clientId} is a public client: it has no secret`);
      }
      return audit.transaction((tx) => createSecret(tx, caller, client));
    },
    removeResourceClientSecret: async (caller, resourceId, clientId, secretId) => removeSecret(caller, await resourceClient(resourceId, clientId), secretId),

    async listEnvironmentClients(page) {
      const { items, ...rest } = pageOf(await store.clients.listByKind('environment'), page, ENVIRONMENT_CLIENT_PAGE, (c) => [c.createTime, c.clientId]);
      return { items: await views(items), ...rest };
    },
    getEnvironmentClient: async (clientId) => view(await environmentClient(clientId)),
    async updateEnvironmentClient(caller, clientId, patch) {
      const client = await environmentClient(clientId);
      const { redirectUris, postLogoutRedirectUris, ...fields } = patch;
      checkRedirects({ 'client.post_login_uris': redirectUris ?? [], 'client.post_logout_redirect_uris': postLogoutRedirectUris ?? [] });
      if (fields.scopes) await scopes.checkAssignable(fields.scopes, 'client.scopes');
      const { redirectUris: _none, ...base } = merged(client, fields);
      const checked = validate(organizationClientInput, base, 'client');
      return update(caller, client, 'environment_client.updated', patch, {
        ...client,
        ...checked,
        redirectUris: redirectUris ?? client.redirectUris,
        metadata: postLogoutRedirectUris ? { ...client.metadata, post_logout_redirect_uris: postLogoutRedirectUris } : client.metadata,
      });
    },
    async deleteEnvironmentClient(_caller, clientId) {
      await environmentClient(clientId);
      throw new FailedPrecondition(`client ${clientId} is the environment's default client: it cannot be deleted`);
    },
    addEnvironmentClientSecret: async (caller, clientId) => {
      const client = await environmentClient(clientId);
      return audit.transaction((tx) => createSecret(tx, caller, client));
    },
    async setEnvironmentClientSecretStatus(caller, clientId, secretId, status) {
      const client = await environmentClient(clientId);
      if (!secretId) throw InvalidArgument.field('secret_id', 'is required');
      return audit.transaction(async (tx) => {
        if (status === 'INACTIVE') await keepsAnActiveSecret(tx, client, secretId);
        const before = (await tx.secrets.list(clientId)).find((s) => s.id === secretId);
        if (!before) throw new NotFound('secret', secretId);
        const after = (await tx.secrets.setStatus(clientId, secretId, status))!;
        if (before.status !== status) {
          await audit.record(tx, caller, { type: 'client_secret.updated', clientId, targetId: secretId, details: { status } });
        }
        return after;
      });
    },
    removeEnvironmentClientSecret: async (caller, clientId, secretId) => removeSecret(caller, await environmentClient(clientId), secretId),
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
