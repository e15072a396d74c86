import type { Db } from './database.js';
import { sameExcept } from './json.js';
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
  get(id: string): Resource | undefined;
  list(): Resource[];
  /** Creates or updates the resource and replaces its scopes; true when anything changed. */
  upsert(resource: ResourceInput): boolean;
  /** Deletes the resource, its scopes and its clients; true when a row was removed. */
  remove(id: string): boolean;
  /** Drops what reads keep in memory: for a writer of the table other than this repository (a snapshot restore). */
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

export function sqliteResources(db: Db, clock: Clock): ResourceRepository {
  const get = db.prepare<[string], Row>('SELECT * FROM resources WHERE id = ?');
  const list = db.prepare<[], Row>('SELECT * FROM resources ORDER BY create_time, id');
  const scopes = db.prepare<[string], ScopeRow>(
    'SELECT name, description, enabled FROM resource_scopes WHERE resource_id = ? ORDER BY position',
  );
  const insert = db.prepare(
    `INSERT INTO resources (id, name, description, resource_type, resource_id, access_token_expiry,
       refresh_token_expiry, disable_dynamic_client_registration, enable_cimd, token_issuer, token_profile, xaa_enabled, create_time, update_time, enable_device_flow)
     VALUES (@id, @name, @description, @resourceType, @serverUrl, @accessTokenExpiry, @refreshTokenExpiry,
       @disableDcr, @enableCimd, @tokenIssuer, @tokenProfile, @xaa, @now, @now, @enableDeviceFlow)`,
  );
  const update = db.prepare(
    `UPDATE resources SET name = @name, description = @description, resource_type = @resourceType,
       resource_id = @serverUrl, access_token_expiry = @accessTokenExpiry, refresh_token_expiry = @refreshTokenExpiry,
       disable_dynamic_client_registration = @disableDcr, enable_cimd = @enableCimd, token_issuer = @tokenIssuer,
       token_profile = @tokenProfile, xaa_enabled = @xaa, update_time = @now, enable_device_flow = @enableDeviceFlow
     WHERE id = @id`,
  );
  const remove = db.prepare('DELETE FROM resources WHERE id = ?');
  const deleteScopes = db.prepare('DELETE FROM resource_scopes WHERE resource_id = ?');
  const insertScope = db.prepare(
    `INSERT INTO resource_scopes (resource_id, name, description, enabled, position)
     VALUES (?, ?, ?, ?, ?)`,
  );

  const toResource = (r: Row): Resource => ({
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
    scopes: scopes.all(r.id).map((s) => ({ name: s.name, description: s.description, enabled: s.enabled === 1 })),
    tokenIssuer: r.token_issuer,
    tokenProfile: r.token_profile,
    xaaEnabled: r.xaa_enabled === 1,
    createTime: r.create_time,
    updateTime: r.update_time,
  });

  // Every step of a flow reads its MCP server (the issuer, its scopes, the token's audience), and only
  // this repository writes them: reads are served from memory and dropped at every write. Nothing read
  // inside a transaction is kept, as a rollback would leave it behind; misses are not kept either.
  let cached = new Map<string, Resource>();
  let cachedList: readonly Resource[] | undefined;
  const forget = () => {
    cached = new Map();
    cachedList = undefined;
  };
  const keep = (r: Resource): Resource => {
    const frozen = Object.freeze({ ...r, scopes: Object.freeze(r.scopes.map((s) => Object.freeze(s))) as ResourceScope[] });
    if (!db.inTransaction) cached.set(r.id, frozen);
    return frozen;
  };

  const write = db.transaction((given: ResourceInput): boolean => {
    const input = {
      ...given,
      tokenIssuer: given.tokenIssuer ?? 'env',
      tokenProfile: given.tokenProfile ?? 'scalekit',
      xaaEnabled: given.xaaEnabled ?? false,
      enableDeviceFlow: given.enableDeviceFlow ?? false,
    };
    const existing = get.get(input.id);
    if (existing && sameExcept(toResource(existing), input, ['createTime', 'updateTime'])) return false;
    const { scopes: _scopes, ...fields } = input;
    (existing ? update : insert).run({
      ...fields,
      disableDcr: input.disableDynamicClientRegistration ? 1 : 0,
      enableCimd: input.enableCimd ? 1 : 0,
      xaa: input.xaaEnabled ? 1 : 0,
      enableDeviceFlow: input.enableDeviceFlow ? 1 : 0,
      now: isoNow(clock),
    });
    deleteScopes.run(input.id);
    input.scopes.forEach((s, i) => insertScope.run(input.id, s.name, s.description, s.enabled ? 1 : 0, i));
    return true;
  });

  return {
    get: (id) => {
      const hit = cached.get(id);
      if (hit) return hit;
      const row = get.get(id);
      return row && keep(toResource(row));
    },
    list: () => {
      if (cachedList) return [...cachedList];
      const all = list.all().map((row) => keep(toResource(row)));
      if (!db.inTransaction) cachedList = all;
      return [...all];
    },
    upsert: (input) => {
      forget();
      return write(input);
    },
    remove: (id) => {
      forget();
      return remove.run(id).changes > 0;
    },
    forget,
  };
}
