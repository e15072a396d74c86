// Scalekit's environment-level scopes (its deprecated /api/v1/scopes): the scopes the environment's own
// API clients may be given. One row per scope, its name unique.
import type { Scope } from './scope.js';
import { isoNow, type Clock } from './time.js';

export interface EnvironmentScope {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  createTime: string;
  updateTime: string;
}

export interface EnvironmentScopeRepository {
  get(id: string): Promise<EnvironmentScope | undefined>;
  findByName(name: string): Promise<EnvironmentScope | undefined>;
  list(): Promise<EnvironmentScope[]>;
  /** Creates the scope, or updates its description and flag; true when a row changed. */
  upsert(scope: { id: string; name: string; description: string; enabled: boolean }): Promise<boolean>;
  /** True when a row was removed. */
  remove(id: string): Promise<boolean>;
}

interface Row {
  id: string;
  name: string;
  description: string;
  enabled: number;
  create_time: string;
  update_time: string;
}

const toScope = (r: Row): EnvironmentScope => ({
  id: r.id,
  name: r.name,
  description: r.description,
  enabled: r.enabled === 1,
  createTime: r.create_time,
  updateTime: r.update_time,
});

const GET = 'SELECT * FROM environment_scopes WHERE id = ?';
const BY_NAME = 'SELECT * FROM environment_scopes WHERE name = ?';
const LIST = 'SELECT * FROM environment_scopes ORDER BY create_time, id';
const UPSERT = `INSERT INTO environment_scopes (id, name, description, enabled, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET description = excluded.description, enabled = excluded.enabled, update_time = excluded.update_time
  WHERE environment_scopes.description IS DISTINCT FROM excluded.description OR environment_scopes.enabled IS DISTINCT FROM excluded.enabled`;
const REMOVE = 'DELETE FROM environment_scopes WHERE id = ?';

export function environmentScopeRepository({ sql }: Scope, clock: Clock): EnvironmentScopeRepository {
  const one = async (text: string, param: string) => {
    const row = await sql.get<Row>(text, [param]);
    return row && toScope(row);
  };
  return {
    get: (id) => one(GET, id),
    findByName: (name) => one(BY_NAME, name),
    list: async () => (await sql.all<Row>(LIST)).map(toScope),
    upsert: async (scope) => {
      const now = isoNow(clock);
      return (await sql.run(UPSERT, [scope.id, scope.name, scope.description, scope.enabled ? 1 : 0, now, now])).changes > 0;
    },
    remove: async (id) => (await sql.run(REMOVE, [id])).changes > 0,
  };
}
