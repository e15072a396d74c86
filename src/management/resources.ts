// Resources (MCP servers): create, get, list, update, delete; `put` (an explicit id) is for the seed.
// Deleting a resource deletes its own clients with it (foreign keys), so their tokens stop at once, and
// takes it out of every other server's token-exchange policy.
import { serverUrlIdentity } from '../config/field-rules.js';
import type { Repositories } from '../store/index.js';
import type { Resource, ResourceScope, TokenIssuer, TokenProfile } from '../store/resources.js';
import type { AuditLog, Caller } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { AlreadyExists, InvalidArgument, NotFound } from './errors.js';
import { pageOf, type Page, type PageRequest } from './paging.js';
import { resourceInput, tokenExchangeInput, validate } from './validation.js';

/** On create an absent field takes its default; on update it stays as it is. */
export interface ResourceFields {
  name?: string;
  description?: string;
  /** Scalekit's `resource_id`: the Server URL, the audience of the server's tokens. */
  serverUrl?: string;
  accessTokenExpiry?: number;
  refreshTokenExpiry?: number;
  disableDynamicClientRegistration?: boolean;
  enableCimd?: boolean;
  /** Offers the device authorization grant (RFC 8628) for this server; REST-only (no proto field). */
  enableDeviceFlow?: boolean;
  tokenIssuer?: TokenIssuer;
  /** 'rfc9068': RFC 9068 access tokens (`typ: at+jwt`), whose `iss` is the server's issuer (token_issuer 'resource'). */
  tokenProfile?: TokenProfile;
  /** A scope given without a description keeps the one it had. */
  scopes?: { name: string; description?: string; enabled?: boolean }[];
  /** Scalekit's xaa_enabled: the server's issuer accepts ID-JAGs (enterprise-managed authorization). */
  xaaEnabled?: boolean;
  /** RFC 8693: the MCP servers (res_ ids) whose people's tokens it takes in a token exchange. */
  tokenExchange?: TokenExchangePolicy;
}

export interface TokenExchangePolicy {
  acceptFrom: string[];
}

/** An MCP server with its settings kept beside its row (its token-exchange policy). */
export type ManagedResource = Resource & { tokenExchange: TokenExchangePolicy };

export interface ResourceService {
  create(caller: Caller, fields: ResourceFields): Promise<ManagedResource>;
  get(id: string): Promise<ManagedResource>;
  list(page: PageRequest): Promise<Page<Resource>>;
  update(caller: Caller, id: string, patch: ResourceFields): Promise<ManagedResource>;
  delete(caller: Caller, id: string): Promise<void>;
  /** Creates or updates the resource with this id; true when anything changed. */
  put(caller: Caller, input: ResourceFields & { id: string }): Promise<boolean>;
}

// ListResourcesRequest.page_size is validated `lte: 30` in Scalekit's proto.
export const RESOURCE_PAGE = { defaultSize: 10, maxSize: 30, strictMax: true };

const DEFAULTS = { accessTokenExpiry: 3600, refreshTokenExpiry: 86400 };

// An RFC 9068 token names the issuer its clients discovered: the server's own. Choosing the profile
// brings token_issuer 'resource' along; asking for both 'rfc9068' and 'env' is refused by validation.
function tokenShape(fields: ResourceFields, base: Resource | undefined): { tokenIssuer: TokenIssuer; tokenProfile: TokenProfile } {
  const tokenProfile = fields.tokenProfile ?? base?.tokenProfile ?? 'scalekit';
  const fallback = tokenProfile === 'rfc9068' || !base ? defaultTokenIssuer(tokenProfile) : base.tokenIssuer;
  return { tokenProfile, tokenIssuer: fields.tokenIssuer ?? fallback };
}

/** The token issuer of a server that names none. */
export const defaultTokenIssuer = (profile: TokenProfile): TokenIssuer => (profile === 'rfc9068' ? 'resource' : 'env');

export function resourceService({ store }: ServiceDeps, audit: AuditLog): ResourceService {
  const get = async (id: string): Promise<ManagedResource> => {
    if (!id) throw InvalidArgument.field('resource_id', 'is required');
    const resource = await store.resources.get(id);
    if (!resource) throw new NotFound('resource', id);
    return { ...resource, tokenExchange: { acceptFrom: await store.tokenExchangePolicies.acceptedFrom(id) } };
  };

  // Every server it accepts from exists and is another server.
  const checkedPolicy = async (tx: Repositories, id: string, policy: TokenExchangePolicy): Promise<string[]> => {
    const { acceptFrom } = validate(tokenExchangeInput, policy, 'resource.token_exchange');
    for (const [i, source] of acceptFrom.entries()) {
      const field = `resource.token_exchange.accept_from[${i}]`;
      if (source === id) throw InvalidArgument.field(field, 'is this MCP server itself');
      if (!(await tx.resources.get(source))) throw InvalidArgument.field(field, `names no MCP server (${source})`);
    }
    return acceptFrom;
  };

  const write = async (tx: Repositories, caller: Caller, id: string, base: Resource | undefined, fields: ResourceFields): Promise<boolean> => {
    const described = new Map(base?.scopes.map((s) => [s.name, s]));
    const scopes: ResourceScope[] | undefined = fields.scopes?.map((s) => ({
      name: s.name,
      description: s.description ?? described.get(s.name)?.description ?? '',
      enabled: s.enabled ?? described.get(s.name)?.enabled ?? true,
    }));
    const checked = validate(
      resourceInput,
      {
        name: fields.name ?? base?.name,
        description: fields.description ?? base?.description ?? '',
        serverUrl: fields.serverUrl ?? base?.serverUrl,
        accessTokenExpiry: fields.accessTokenExpiry ?? base?.accessTokenExpiry ?? DEFAULTS.accessTokenExpiry,
        refreshTokenExpiry: fields.refreshTokenExpiry ?? base?.refreshTokenExpiry ?? DEFAULTS.refreshTokenExpiry,
        disableDynamicClientRegistration: fields.disableDynamicClientRegistration ?? base?.disableDynamicClientRegistration ?? false,
        enableCimd: fields.enableCimd ?? base?.enableCimd ?? false,
        xaaEnabled: fields.xaaEnabled ?? base?.xaaEnabled ?? false,
        enableDeviceFlow: fields.enableDeviceFlow ?? base?.enableDeviceFlow ?? false,
        ...tokenShape(fields, base),
        scopes: scopes ?? base?.scopes ?? [],
      },
      'resource',
    );
    // The Server URL is the audience that names this server in tokens: two servers cannot share one,
    // with or without a trailing slash.
    const twin = (await tx.resources.list()).find((r) => r.id !== id && serverUrlIdentity(r.serverUrl) === serverUrlIdentity(checked.serverUrl));
    if (twin) throw new AlreadyExists(`resource ${twin.id} already has resource_id ${checked.serverUrl}`);
    const acceptFrom = fields.tokenExchange && (await checkedPolicy(tx, id, fields.tokenExchange));
    const rowChanged = await tx.resources.upsert({ id, resourceType: 'MCP_SERVER', ...checked });
    const policyChanged = acceptFrom !== undefined && (await tx.tokenExchangePolicies.replace(id, acceptFrom));
    const changed = rowChanged || policyChanged;
    if (changed) {
      const policy = policyChanged ? { token_exchange: { accept_from: await tx.tokenExchangePolicies.acceptedFrom(id) } } : {};
      await audit.record(tx, caller, {
        type: base ? 'resource.updated' : 'resource.created',
        resourceId: id,
        targetId: id,
        ...(base
          ? { details: { fields: Object.keys(fields).filter((k) => fields[k as keyof ResourceFields] !== undefined), ...policy } }
          : policyChanged
            ? { details: policy }
            : {}),
      });
    }
    return changed;
  };

  return {
    async create(caller, fields) {
      const id = store.ids.newId('resource');
      await audit.transaction((tx) => write(tx, caller, id, undefined, fields));
      return get(id);
    },
    get,
    list: async (page) => pageOf(await store.resources.list(), page, RESOURCE_PAGE, (r) => [r.createTime, r.id]),
    async update(caller, id, patch) {
      const base = await get(id);
      await audit.transaction((tx) => write(tx, caller, id, base, patch));
      return get(id);
    },
    async delete(caller, id) {
      await get(id);
      await audit.transaction(async (tx) => {
        const clients = (await tx.clients.listByResource(id)).map((c) => c.clientId);
        await tx.resources.remove(id);
        await audit.record(tx, caller, { type: 'resource.deleted', resourceId: id, targetId: id, details: { deleted_clients: clients } });
      });
    },
    put: (caller, { id, ...fields }) => audit.transaction(async (tx) => write(tx, caller, id, await tx.resources.get(id), fields)),
  };
}
