import { sameExcept } from './json.js';
import type { Scope } from './scope.js';
import type { Sql } from './sql/sql.js';
import { isoNow, type Clock } from './time.js';

export interface ResourceScope {
  name: string;
  description: string;
  enabled: boolean;
}

/** Who is the `iss` of user tokens for this MCP server: the environment, or the server's own issuer. */
export type TokenIssuer = 'env' | 'resource';

/** The shape of this MCP server's access tokens: Scalekit's (`typ: JWT`), or RFC 9068's (`typ: at+jwt`). */
export type TokenProfile = 'scalekit' | 'rfc9068';

/** An MCP server registered in the environment. `serverUrl` is Scalekit's `resource_id`: the audience. */
export interface Resource {
  id: string;
  name: string;
  description: string;
  resourceType: 'MCP_SERVER';
  serverUrl: string;
  accessTokenExpiry: number;
  refreshTokenExpiry: number;
  disableDynamicClientRegistration: boolean;
  enableCimd: boolean;
  /** Offers the device authorization grant (RFC 8628); REST-only, as Scalekit's proto has no field. */
  enableDeviceFlow: boolean;
  scopes: ResourceScope[];
  tokenIssuer: TokenIssuer;
  tokenProfile: TokenProfile;
  /** Scalekit's xaa_enabled: its issuer accepts ID-JAGs (enterprise-managed authorization). */
  xaaEnabled: boolean;
  createTime: string;
  updateTime: string;
}

/** `tokenIssuer` defaults to 'env', `tokenProfile` to 'scalekit', `xaaEnabled` and `enableDeviceFlow` to false. */
export type ResourceInput = Omit<Resource, 'createTime' | 'updateTime' | 'tokenIssuer' | 'tokenProfile' | 'xaaEnabled' | 'enableDeviceFlow'> & {
  enableDeviceFlow?: boolean;
  tokenIssuer?: TokenIssuer;
  tokenProfile?: TokenProfile;
  xaaEnabled?: boolean;
};

export interface ResourceRepository {
  get(id: string): Promise<Resource | undefined>;
  list(): Promise<Resource[]>;
  /** Creates or updates the resource and replaces its scopes; true when anything changed. */
  upsert(resource: ResourceInput): Promise<boolean>;
  /** Deletes the resource, its scopes and its clients; true when a row was removed. */
  remove(id: string): Promise<boolean>;
  /** Drops what reads keep in memory (a write elsewhere changed the rows). */
  forget(): void;
}

interface Row {
  id: string;
  name: string;
  description: string;
  resource_type: 'MCP_SERVER';
  resource_id: string;
  access_token_expiry: number;
  refresh_token_expiry: number;
  disable_dynamic_client_registration: number;
  enable_cimd: number;
  enable_device_flow: number;
  token_issuer: TokenIssuer;
  token_profile: TokenProfile;
  xaa_enabled: number;
  create_time: string;
  update_time: string;
}

interface ScopeRow {
  name: string;
  description: string;
  enabled: number;
}

/**
 * Every step of a flow reads its MCP server (the issuer, its scopes, the token's audience), so reads are
 * served from memory, one copy per store, dropped at every write: this store's own at once, another
 * replica's when the store hears of it (changes.ts). Nothing read inside a transaction is kept, as a
 * rollback would leave it behind; nor a read that began before a write it may have missed.
 */
export interface ResourceCache {
  byId: Map<string, Resource>;
  list: readonly Resource[] | undefined;
  /** Moves on at each forget(): a read that began before it keeps nothing. */
  generation: number;
  forget(): void;
}

export function resourceCache(): ResourceCache {
  const cache: ResourceCache = {
    byId: new Map(),
    list: undefined,
    generation: 0,
    forget() {
      cache.byId = new Map();
      cache.list = undefined;
      cache.generation++;
    },
  };
  return cache;
}

const GET = 'SELECT * FROM resources WHERE id = ?';
const LIST = 'SELECT * FROM resources ORDER BY create_time, id';
const SCOPES = 'SELECT name, description, enabled FROM resource_scopes WHERE resource_id = ? ORDER BY position';
const INSERT = `INSERT INTO resources (id, name, description, resource_type, resource_id, access_token_expiry,
    refresh_token_expiry, disable_dynamic_client_registration, enable_cimd, token_issuer, token_profile, xaa_enabled, enable_device_flow,
    create_time, update_time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const UPDATE = `UPDATE resources SET name = ?, description = ?, resource_type = ?, resource_id = ?, access_token_expiry = ?,
    refresh_token_expiry = ?, disable_dynamic_client_registration = ?, enable_cimd = ?, token_issuer = ?, token_profile = ?, xaa_enabled = ?,
    enable_device_flow = ?, update_time = ?
  WHERE id = ?`;
const REMOVE = 'DELETE FROM resources WHERE id = ?';
const DELETE_SCOPES = 'DELETE FROM resource_scopes WHERE resource_id = ?';
const INSERT_SCOPE = 'INSERT INTO resource_scopes (resource_id, name, description, enabled, position) VALUES (?, ?, ?, ?, ?)';

async function toResource(sql: Sql, r: Row): Promise<Resource> {
  const scopes = await sql.all<ScopeRow>(SCOPES, [r.id]);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    resourceType: r.resource_type,
    serverUrl: r.resource_id,
    accessTokenExpiry: r.access_token_expiry,
    refreshTokenExpiry: r.refresh_token_expiry,
    disableDynamicClientRegistration: r.disable_dynamic_client_registration === 1,
    enableCimd: r.enable_cimd === 1,
    enableDeviceFlow: r.enable_device_flow === 1,
    scopes: scopes.map((s) => ({ name: s.name, description: s.description, enabled: s.enabled === 1 })),
    tokenIssuer: r.token_issuer,
    tokenProfile: r.token_profile,
    xaaEnabled: r.xaa_enabled === 1,
    createTime: r.create_time,
    updateTime: r.update_time,
  };
}

const frozen = (r: Resource): Resource => Object.freeze({ ...r, scopes: Object.freeze(r.scopes.map((s) => Object.freeze(s))) as ResourceScope[] });

export function resourceRepository(scope: Scope, clock: Clock, cache: ResourceCache): ResourceRepository {
  const { sql, inTransaction } = scope;
  const read = async (id: string): Promise<Resource | undefined> => {
    const row = await sql.get<Row>(GET, [id]);
    return row && frozen(await toResource(sql, row));
  };

  return {
    get(id) {
      if (inTransaction) return read(id);
      const hit = cache.byId.get(id);
      if (hit) return Promise.resolve(hit);
      const generation = cache.generation;
      return read(id).then((resource) => {
        if (resource && generation === cache.generation) cache.byId.set(id, resource);
        return resource;
      });
    },
    async list() {
      if (!inTransaction && cache.list) return [...cache.list];
      const generation = cache.generation;
      const all = await Promise.all((await sql.all<Row>(LIST)).map(async (row) => frozen(await toResource(sql, row))));
      if (!inTransaction && generation === cache.generation) {
        cache.list = all;
        for (const r of all) cache.byId.set(r.id, r);
      }
      return [...all];
    },
    upsert: (given) => {
      cache.forget();
      return scope.atomic(async ({ sql, changed }) => {
        const input = {
          ...given,
          tokenIssuer: given.tokenIssuer ?? 'env',
          tokenProfile: given.tokenProfile ?? 'scalekit',
          xaaEnabled: given.xaaEnabled ?? false,
          enableDeviceFlow: given.enableDeviceFlow ?? false,
        };
        const existing = await sql.get<Row>(GET, [input.id]);
        if (existing && sameExcept(await toResource(sql, existing), input, ['createTime', 'updateTime'])) return false;
        const fields = [
          input.name,
          input.description,
          input.resourceType,
          input.serverUrl,
          input.accessTokenExpiry,
          input.refreshTokenExpiry,
          input.disableDynamicClientRegistration ? 1 : 0,
          input.enableCimd ? 1 : 0,
          input.tokenIssuer,
          input.tokenProfile,
          input.xaaEnabled ? 1 : 0,
          input.enableDeviceFlow ? 1 : 0,
        ];
        const now = isoNow(clock);
        if (existing) await sql.run(UPDATE, [...fields, now, input.id]);
        else await sql.run(INSERT, [input.id, ...fields, now, now]);
        await sql.run(DELETE_SCOPES, [input.id]);
        for (const [i, s] of input.scopes.entries()) await sql.run(INSERT_SCOPE, [input.id, s.name, s.description, s.enabled ? 1 : 0, i]);
        await changed('resources');
        return true;
      });
    },
    remove: (id) => {
      cache.forget();
      return scope.atomic(async ({ sql, changed }) => {
        const removed = (await sql.run(REMOVE, [id])).changes > 0;
        if (removed) {
          await changed('resources');
          await changed('clients'); // its clients went with it
        }
        return removed;
      });
    },
    forget: () => cache.forget(),
  };
}
