import type { Db } from './database.js';
import { parseJsonArray, sameExcept } from './json.js';
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
  get(clientId: string): Client | undefined;
  listByKind(kind: ClientKind): Client[];
  /** The clients of an organization (org M2M clients), oldest first. */
  listByOrganization(organizationId: string): Client[];
  /** The clients registered under an MCP server, oldest first. */
  listByResource(resourceId: string): Client[];
  /** Up to `limit` of an MCP server's clients of these kinds, oldest first, after `after` ([create_time, client_id]). */
  pageByResource(resourceId: string, page: { kinds: readonly ClientKind[]; after?: readonly [string, string]; limit: number }): Client[];
  /** How many clients an MCP server has, by kind. */
  countByResource(resourceId: string): Partial<Record<ClientKind, number>>;
  /** Creates or updates the client; true when anything changed. */
  upsert(client: ClientInput): boolean;
  remove(clientId: string): boolean;
  /**
   * Notes that the client was given a code or a token at `at` (epoch ms): its last_used_time, kept to
   * the day (written at most once a day per client), which spares a used DCR client from pruning.
   */
  markUsed(clientId: string, at: number): void;
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

export function sqliteClients(db: Db, clock: Clock): ClientRepository {
  const get = db.prepare<[string], Row>('SELECT * FROM clients WHERE client_id = ?');
  const byKind = db.prepare<[string], Row>('SELECT * FROM clients WHERE kind = ? ORDER BY create_time, client_id');
  const byOrganization = db.prepare<[string], Row>(
    "SELECT * FROM clients WHERE organization_id = ? AND kind = 'organization' ORDER BY create_time, client_id",
  );
  const byResource = db.prepare<[string], Row>('SELECT * FROM clients WHERE resource_id = ? ORDER BY create_time, client_id');
  // Keyset pages through the (resource_id, create_time, client_id) index: no offset, no full scan.
  const pageByResource = db.prepare<[{ resourceId: string; kinds: string; time: string; id: string; limit: number }], Row>(
    `SELECT * FROM clients WHERE resource_id = @resourceId AND kind IN (SELECT value FROM json_each(@kinds))
       AND (create_time > @time OR (create_time = @time AND client_id > @id))
     ORDER BY create_time, client_id LIMIT @limit`,
  );
  const countByResource = db.prepare<[string], { kind: ClientKind; n: number }>('SELECT kind, count(*) AS n FROM clients WHERE resource_id = ? GROUP BY kind');
  const remove = db.prepare('DELETE FROM clients WHERE client_id = ?');
  const upsert = db.prepare(
    `INSERT INTO clients (client_id, kind, organization_id, resource_id, name, description, scopes, audience,
       custom_claims, expiry, redirect_uris, metadata, metadata_expires_at, create_time, update_time)
     VALUES (@clientId, @kind, @organizationId, @resourceId, @name, @description, @scopes, @audience,
       @customClaims, @expiry, @redirectUris, @metadata, @metadataExpiresAt, @now, @now)
     ON CONFLICT (client_id) DO UPDATE SET kind = excluded.kind, organization_id = excluded.organization_id,
       resource_id = excluded.resource_id, name = excluded.name, description = excluded.description,
       scopes = excluded.scopes, audience = excluded.audience, custom_claims = excluded.custom_claims,
       expiry = excluded.expiry, redirect_uris = excluded.redirect_uris, metadata = excluded.metadata,
       metadata_expires_at = excluded.metadata_expires_at, update_time = excluded.update_time`,
  );

  const markUsed = db.prepare(
    'UPDATE clients SET last_used_time = @time WHERE client_id = @clientId AND (last_used_time IS NULL OR last_used_time < @dayBefore)',
  );

  const find = (clientId: string) => {
    const row = get.get(clientId);
    return row && toClient(row);
  };

  return {
    get: find,
    listByKind: (kind) => byKind.all(kind).map(toClient),
    listByOrganization: (organizationId) => byOrganization.all(organizationId).map(toClient),
    listByResource: (resourceId) => byResource.all(resourceId).map(toClient),
    pageByResource: (resourceId, { kinds, after = ['', ''], limit }) =>
      pageByResource.all({ resourceId, kinds: JSON.stringify(kinds), time: after[0], id: after[1], limit }).map(toClient),
    countByResource: (resourceId) => Object.fromEntries(countByResource.all(resourceId).map((r) => [r.kind, r.n])),
    upsert: (given) => {
      const input = { ...given, metadata: given.metadata ?? {} };
      const existing = find(input.clientId);
      if (existing && sameExcept(existing, input, ['createTime', 'updateTime'])) return false;
      upsert.run({
        clientId: input.clientId,
        kind: input.kind,
        organizationId: input.organizationId ?? null,
        resourceId: input.resourceId ?? null,
        name: input.name,
        description: input.description,
        scopes: JSON.stringify(input.scopes),
        audience: JSON.stringify(input.audience),
        customClaims: JSON.stringify(input.customClaims),
        expiry: input.expiry,
        redirectUris: JSON.stringify(input.redirectUris),
        metadata: JSON.stringify(input.metadata),
        metadataExpiresAt: input.metadataExpiresAt ?? null,
        now: isoNow(clock),
      });
      return true;
    },
    remove: (clientId) => remove.run(clientId).changes > 0,
    markUsed: (clientId, at) => {
      markUsed.run({ clientId, time: new Date(at).toISOString(), dayBefore: new Date(at - DAY_MS).toISOString() });
    },
  };
}
