import type { Db } from './database.js';
import { isoNow, type Clock } from './time.js';

export interface Organization {
  id: string;
  displayName: string;
  createTime: string;
  updateTime: string;
}

export interface OrganizationRepository {
  get(id: string): Organization | undefined;
  list(): Organization[];
  /** Creates the organization, or updates its display name; true when a row changed. */
  upsert(org: { id: string; displayName: string }): boolean;
}

interface Row {
  id: string;
  display_name: string;
  create_time: string;
  update_time: string;
}

const toOrganization = (r: Row): Organization => ({
  id: r.id,
  displayName: r.display_name,
  createTime: r.create_time,
  updateTime: r.update_time,
});

export function sqliteOrganizations(db: Db, clock: Clock): OrganizationRepository {
  const get = db.prepare<[string], Row>('SELECT * FROM organizations WHERE id = ?');
  const list = db.prepare<[], Row>('SELECT * FROM organizations ORDER BY create_time, id');
  const upsert = db.prepare(
    `INSERT INTO organizations (id, display_name, create_time, update_time) VALUES (@id, @displayName, @now, @now)
     ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, update_time = excluded.update_time
     WHERE display_name IS NOT excluded.display_name`,
  );
  return {
    get: (id) => {
      const row = get.get(id);
      return row && toOrganization(row);
    },
    list: () => list.all().map(toOrganization),
    upsert: (org) => upsert.run({ ...org, now: isoNow(clock) }).changes > 0,
  };
}
