import type { Scope } from './scope.js';
import { isoNow, type Clock } from './time.js';

export interface Organization {
  id: string;
  displayName: string;
  createTime: string;
  updateTime: string;
}

export interface OrganizationRepository {
  get(id: string): Promise<Organization | undefined>;
  list(): Promise<Organization[]>;
  /** Creates the organization, or updates its display name; true when a row changed. */
  upsert(org: { id: string; displayName: string }): Promise<boolean>;
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

const GET = 'SELECT * FROM organizations WHERE id = ?';
const LIST = 'SELECT * FROM organizations ORDER BY create_time, id';
const UPSERT = `INSERT INTO organizations (id, display_name, create_time, update_time) VALUES (?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, update_time = excluded.update_time
  WHERE organizations.display_name IS DISTINCT FROM excluded.display_name`;

export function organizationRepository({ sql }: Scope, clock: Clock): OrganizationRepository {
  return {
    get: async (id) => {
      const row = await sql.get<Row>(GET, [id]);
      return row && toOrganization(row);
    },
    list: async () => (await sql.all<Row>(LIST)).map(toOrganization),
    upsert: async (org) => {
      const now = isoNow(clock);
      return (await sql.run(UPSERT, [org.id, org.displayName, now, now])).changes > 0;
    },
  };
}
