import type { Db } from './database.js';
import { parseJsonArray, sameExcept } from './json.js';
import { isoNow, type Clock } from './time.js';

export type ClientKind = 'environment' | 'organization' | 'resource' | 'dcr' | 'cimd';

export interface CustomClaim {
  key: string;
  value: string;
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
  createTime: string;
  updateTime: string;
}

export type ClientInput = Omit<Client, 'createTime' | 'updateTime'>;

export interface ClientRepository {
  get(clientId: string): Client | undefined;
  listByKind(kind: ClientKind): Client[];
  /** The clients of an organization (org M2M clients), oldest first. */
  listByOrganization(organizationId: string): Client[];
  /** The clients registered under an MCP server, oldest first. */
  listByResource(resourceId: string): Client[];
  /** Creates or updates the client; true when anything changed. */
  upsert(client: ClientInput): boolean;
  remove(clientId: string): boolean;
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
  const remove = db.prepare('DELETE FROM clients WHERE client_id = ?');
  const upsert = db.prepare(
    `INSERT INTO clients (client_id, kind, organization_id, resource_id, name, description, scopes, audience,
       custom_claims, expiry, redirect_uris, create_time, update_time)
     VALUES (@clientId, @kind, @organizationId, @resourceId, @name, @description, @scopes, @audience,
       @customClaims, @expiry, @redirectUris, @now, @now)
     ON CONFLICT (client_id) DO UPDATE SET kind = excluded.kind, organization_id = excluded.organization_id,
       resource_id = excluded.resource_id, name = excluded.name, description = excluded.description,
       scopes = excluded.scopes, audience = excluded.audience, custom_claims = excluded.custom_claims,
       expiry = excluded.expiry, redirect_uris = excluded.redirect_uris, update_time = excluded.update_time`,
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
    upsert: (input) => {
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
        now: isoNow(clock),
      });
      return true;
    },
    remove: (clientId) => remove.run(clientId).changes > 0,
  };
}
