import { parseJsonArray, sameExcept } from './json.js';
import type { Scope } from './scope.js';
import { placeholders, type Sql } from './sql/sql.js';
import { isoNow, type Clock } from './time.js';

const DAY_MS = 86_400_000;

export type ClientKind = 'environment' | 'organization' | 'resource' | 'dcr' | 'cimd';

export interface CustomClaim {
  key: string;
  value: string;
}

/**
 * RFC 7591 metadata a client registered beyond the columns below, under its RFC names. `scope` is kept
 * for display only: it is never an allow-list (MCP hosts widen their scopes later, by step-up).
 */
export interface RegisteredMetadata {
  token_endpoint_auth_method?: 'none' | 'client_secret_basic' | 'client_secret_post';
  grant_types?: string[];
  response_types?: string[];
  application_type?: 'web' | 'native';
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  post_logout_redirect_uris?: string[];
  contacts?: string[];
  software_id?: string;
  software_version?: string;
  scope?: string;
}

/** Any OAuth client of the environment: its own API client, org M2M clients, MCP-server clients. */
export interface Client {
  clientId: string;
  kind: ClientKind;
  organizationId?: string;
  resourceId?: string;
  name: string;
  description: string;
  scopes: string[];
  audience: string[];
  customClaims: CustomClaim[];
  /** Access-token lifetime in seconds. */
  expiry: number;
  redirectUris: string[];
  metadata: RegisteredMetadata;
  /** A client-id metadata document's client: when it must be fetched again (epoch seconds). */
  metadataExpiresAt?: number;
  createTime: string;
  updateTime: string;
}

export type ClientInput = Omit<Client, 'createTime' | 'updateTime' | 'metadata'> & { metadata?: RegisteredMetadata };

export interface ClientRepository {
  get(clientId: string): Promise<Client | undefined>;
  listByKind(kind: ClientKind): Promise<Client[]>;
  /** The clients of an organization (org M2M clients), oldest first. */
  listByOrganization(organizationId: string): Promise<Client[]>;
  /** The clients registered under an MCP server, oldest first. */
  listByResource(resourceId: string): Promise<Client[]>;
  /** Up to `limit` (all without one) of an MCP server's clients of these kinds, oldest first, after `after` ([create_time, client_id]). */
  pageByResource(resourceId: string, page: { kinds: readonly ClientKind[]; after?: readonly [string, string]; limit?: number }): Promise<Client[]>;
  /** How many clients an MCP server has, by kind. */
  countByResource(resourceId: string): Promise<Partial<Record<ClientKind, number>>>;
  /** Creates or updates the client; true when anything changed. */
  upsert(client: ClientInput): Promise<boolean>;
  remove(clientId: string): Promise<boolean>;
  /**
   * Notes that the client was given a code or a token at `at` (epoch ms): its last_used_time, kept to
   * the day (written at most once a day per client), which spares a used DCR client from pruning.
   */
  markUsed(clientId: string, at: number): Promise<void>;
}

interface Row {
  client_id: string;
  kind: ClientKind;
  organization_id: string | null;
  resource_id: string | null;
  name: string;
  description: string;
  scopes: string;
  audience: string;
  custom_claims: string;
  expiry: number;
  redirect_uris: string;
  metadata: string;
  metadata_expires_at: number | null;
  create_time: string;
  update_time: string;
}

const toClient = (r: Row): Client => ({
  clientId: r.client_id,
  kind: r.kind,
  ...(r.organization_id ? { organizationId: r.organization_id } : {}),
  ...(r.resource_id ? { resourceId: r.resource_id } : {}),
  name: r.name,
  description: r.description,
  scopes: parseJsonArray<string>(r.scopes),
  audience: parseJsonArray<string>(r.audience),
  customClaims: parseJsonArray<CustomClaim>(r.custom_claims),
  expiry: r.expiry,
  redirectUris: parseJsonArray<string>(r.redirect_uris),
  metadata: JSON.parse(r.metadata) as RegisteredMetadata,
  ...(r.metadata_expires_at !== null ? { metadataExpiresAt: r.metadata_expires_at } : {}),
  createTime: r.create_time,
  updateTime: r.update_time,
});

// A cached client is shared by every request that reads it: frozen, so none can change it for the others.
const frozen = (c: Client): Client =>
  Object.freeze({
    ...c,
    scopes: Object.freeze(c.scopes) as string[],
    audience: Object.freeze(c.audience) as string[],
    customClaims: Object.freeze(c.customClaims.map((claim) => Object.freeze(claim))) as CustomClaim[],
    redirectUris: Object.freeze(c.redirectUris) as string[],
    metadata: Object.freeze(c.metadata),
  });

/**
 * Clients read by id (every token request reads its client), kept in memory as MCP servers are
 * (resources.ts): one copy per store, dropped at every write to the clients, here or on another replica.
 */
export interface ClientCache {
  byId: Map<string, Client>;
  generation: number;
  forget(): void;
}

const MAX_CACHED_CLIENTS = 10_000;

export function clientCache(): ClientCache {
  const cache: ClientCache = {
    byId: new Map(),
    generation: 0,
    forget() {
      cache.byId = new Map();
      cache.generation++;
    },
  };
  return cache;
}

const GET = 'SELECT * FROM clients WHERE client_id = ?';
const BY_KIND = 'SELECT * FROM clients WHERE kind = ? ORDER BY create_time, client_id';
const BY_ORGANIZATION = "SELECT * FROM clients WHERE organization_id = ? AND kind = 'organization' ORDER BY create_time, client_id";
const BY_RESOURCE = 'SELECT * FROM clients WHERE resource_id = ? ORDER BY create_time, client_id';
const COUNT_BY_RESOURCE = 'SELECT kind, count(*) AS n FROM clients WHERE resource_id = ? GROUP BY kind';
const REMOVE = 'DELETE FROM clients WHERE client_id = ?';
const UPSERT = `INSERT INTO clients (client_id, kind, organization_id, resource_id, name, description, scopes, audience,
    custom_claims, expiry, redirect_uris, metadata, metadata_expires_at, create_time, update_time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (client_id) DO UPDATE SET kind = excluded.kind, organization_id = excluded.organization_id,
    resource_id = excluded.resource_id, name = excluded.name, description = excluded.description,
    scopes = excluded.scopes, audience = excluded.audience, custom_claims = excluded.custom_claims,
    expiry = excluded.expiry, redirect_uris = excluded.redirect_uris, metadata = excluded.metadata,
    metadata_expires_at = excluded.metadata_expires_at, update_time = excluded.update_time`;

// Keyset pages through the (resource_id, create_time, client_id) index: no offset, no full scan.
const pageQuery = (kinds: number, limited: boolean) =>
  `SELECT * FROM clients WHERE resource_id = ? AND kind IN (${placeholders(kinds)})
     AND (create_time > ? OR (create_time = ? AND client_id > ?))
   ORDER BY create_time, client_id${limited ? ' LIMIT ?' : ''}`;

/**
 * Notes these clients used at `at` (epoch ms), to the day: one statement for a whole batch of tokens.
 * last_used_time is not part of a Client, so no cache needs to hear of it.
 */
export async function markClientsUsed(sql: Sql, clientIds: readonly string[], at: number): Promise<void> {
  for (let i = 0; i < clientIds.length; i += 500) {
    const some = clientIds.slice(i, i + 500);
    await sql.run(
      `UPDATE clients SET last_used_time = ? WHERE client_id IN (${placeholders(some.length)}) AND (last_used_time IS NULL OR last_used_time < ?)`,
      [new Date(at).toISOString(), ...some, new Date(at - DAY_MS).toISOString()],
    );
  }
}

export function clientRepository(scope: Scope, clock: Clock, cache: ClientCache): ClientRepository {
  const { sql, inTransaction } = scope;
  const read = async (clientId: string) => {
    const row = await sql.get<Row>(GET, [clientId]);
    return row && frozen(toClient(row));
  };
  const list = async (text: string, param: string) => (await sql.all<Row>(text, [param])).map(toClient);

  return {
    get(clientId) {
      if (inTransaction) return read(clientId);
      const hit = cache.byId.get(clientId);
      if (hit) return Promise.resolve(hit);
      const generation = cache.generation;
      return read(clientId).then((client) => {
        if (client && generation === cache.generation) {
          if (cache.byId.size >= MAX_CACHED_CLIENTS) cache.byId.clear();
          cache.byId.set(clientId, client);
        }
        return client;
      });
    },
    listByKind: (kind) => list(BY_KIND, kind),
    listByOrganization: (organizationId) => list(BY_ORGANIZATION, organizationId),
    listByResource: (resourceId) => list(BY_RESOURCE, resourceId),
    pageByResource: async (resourceId, { kinds, after = ['', ''], limit }) => {
      const limited = limit !== undefined;
      const params = [resourceId, ...kinds, after[0], after[0], after[1], ...(limited ? [limit] : [])];
      return (await sql.all<Row>(pageQuery(kinds.length, limited), params)).map(toClient);
    },
    countByResource: async (resourceId) =>
      Object.fromEntries((await sql.all<{ kind: ClientKind; n: number }>(COUNT_BY_RESOURCE, [resourceId])).map((r) => [r.kind, r.n])),
    upsert: (given) => {
      cache.forget();
      return scope.atomic(async ({ sql, changed }) => {
        const input = { ...given, metadata: given.metadata ?? {} };
        const row = await sql.get<Row>(GET, [input.clientId]);
        if (row && sameExcept(toClient(row), input, ['createTime', 'updateTime'])) return false;
        const now = isoNow(clock);
        await sql.run(UPSERT, [
          input.clientId,
          input.kind,
          input.organizationId ?? null,
          input.resourceId ?? null,
          input.name,
          input.description,
          JSON.stringify(input.scopes),
          JSON.stringify(input.audience),
          JSON.stringify(input.customClaims),
          input.expiry,
          JSON.stringify(input.redirectUris),
          JSON.stringify(input.metadata),
          input.metadataExpiresAt ?? null,
          now,
          now,
        ]);
        await changed('clients');
        return true;
      });
    },
    remove: (clientId) => {
      cache.forget();
      return scope.atomic(async ({ sql, changed }) => {
        const removed = (await sql.run(REMOVE, [clientId])).changes > 0;
        if (removed) await changed('clients');
        return removed;
      });
    },
    markUsed: (clientId, at) => markClientsUsed(sql, [clientId], at),
  };
}
