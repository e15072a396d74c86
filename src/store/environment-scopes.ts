// Scalekit's environment-level scopes (its deprecated /api/v1/scopes): the scopes the environment's own
// API clients may be given. One row per scope, its name unique.
import type { Db } from './database.js';
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
  get(id: string): EnvironmentScope | undefined;
  findByName(name: string): EnvironmentScope | undefined;
  list(): EnvironmentScope[];
  /** Creates the scope, or updates its description and flag; true when a row changed. */
  upsert(scope: { id: string; name: string; description: string; enabled: boolean }): boolean;
  /** True when a row was removed. */
  remove(id: string): boolean;
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

export function sqliteEnvironmentScopes(db: Db, clock: Clock): EnvironmentScopeRepository {
  const get = db.prepare<[string], Row>('SELECT * FROM environment_scopes WHERE id = ?');
  const byName = db.prepare<[string], Row>('SELECT * FROM environment_scopes WHERE name = ?');
  const list = db.prepare<[], Row>('SELECT * FROM environment_scopes ORDER BY create_time, id');
  const upsert = db.prepare(
    `INSERT INTO environment_scopes (id, name, description, enabled, create_time, update_time)
     VALUES (@id, @name, @description, @enabled, @now, @now)
     ON CONFLICT (id) DO UPDATE SET description = excluded.description, enabled = excluded.enabled, update_time = excluded.update_time
     WHERE description IS NOT excluded.description OR enabled IS NOT excluded.enabled`,
  );
  const remove = db.prepare('DELETE FROM environment_scopes WHERE id = ?');
  return {
    get: (id) => {
      const row = get.get(id);
      return row && toScope(row);
    },
    findByName: (name) => {
      const row = byName.get(name);
      return row && toScope(row);
    },
    list: () => list.all().map(toScope),
    upsert: (scope) => upsert.run({ ...scope, enabled: scope.enabled ? 1 : 0, now: isoNow(clock) }).changes > 0,
    remove: (id) => remove.run(id).changes > 0,
  };
}
