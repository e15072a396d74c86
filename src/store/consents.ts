// Consents users gave to clients: one per (client, user, issuer), with the scopes approved and the
// oidc-provider grant that holds them. The row goes when its grant ends (oidc/grants.ts endGrant).
import type { IdSource } from './ids.js';
import { parseJsonArray } from './json.js';
import type { Scope } from './scope.js';
import { isoNow, type Clock } from './time.js';

export interface UserConsent {
  id: string;
  clientId: string;
  userId: string;
  /** The issuer it was given at: 'env' or the MCP server's res_ id. */
  ns: string;
  resourceId?: string;
  scopes: string[];
  grantId: string;
  createTime: string;
  updateTime: string;
}

export type ConsentInput = Omit<UserConsent, 'id' | 'createTime' | 'updateTime'>;

export interface ConsentRepository {
  find(clientId: string, userId: string, ns: string): Promise<UserConsent | undefined>;
  get(id: string): Promise<UserConsent | undefined>;
  list(filter?: { resourceId?: string; userId?: string; clientId?: string }): Promise<UserConsent[]>;
  /** Records the consent, or widens the scopes and moves the grant of the one already given. */
  save(input: ConsentInput): Promise<UserConsent>;
  /** Removes the consent held by that grant (once the grant ended another way); true when there was one. */
  removeByGrant(ns: string, grantId: string): Promise<boolean>;
}

interface Row {
  id: string;
  client_id: string;
  user_id: string;
  ns: string;
  resource_id: string | null;
  scopes: string;
  grant_id: string;
  create_time: string;
  update_time: string;
}

const toConsent = (r: Row): UserConsent => ({
  id: r.id,
  clientId: r.client_id,
  userId: r.user_id,
  ns: r.ns,
  ...(r.resource_id ? { resourceId: r.resource_id } : {}),
  scopes: parseJsonArray<string>(r.scopes),
  grantId: r.grant_id,
  createTime: r.create_time,
  updateTime: r.update_time,
});

const FIND = 'SELECT * FROM user_consents WHERE client_id = ? AND user_id = ? AND ns = ?';
const GET = 'SELECT * FROM user_consents WHERE id = ?';
const INSERT = `INSERT INTO user_consents (id, client_id, user_id, ns, resource_id, scopes, grant_id, create_time, update_time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (client_id, user_id, ns) DO UPDATE SET scopes = excluded.scopes, grant_id = excluded.grant_id,
    resource_id = excluded.resource_id, update_time = excluded.update_time`;
const REMOVE_BY_GRANT = 'DELETE FROM user_consents WHERE ns = ? AND grant_id = ?';
const LIST_COLUMNS = { resourceId: 'resource_id', userId: 'user_id', clientId: 'client_id' } as const;

export function consentRepository(scope: Scope, clock: Clock, ids: IdSource): ConsentRepository {
  const { sql } = scope;
  const find = (clientId: string, userId: string, ns: string) => sql.get<Row>(FIND, [clientId, userId, ns]);
  return {
    find: async (clientId, userId, ns) => {
      const row = await find(clientId, userId, ns);
      return row && toConsent(row);
    },
    get: async (id) => {
      const row = await sql.get<Row>(GET, [id]);
      return row && toConsent(row);
    },
    list: async (filter = {}) => {
      const given = (Object.keys(LIST_COLUMNS) as (keyof typeof LIST_COLUMNS)[]).filter((k) => filter[k] !== undefined);
      const where = given.map((k) => `${LIST_COLUMNS[k]} = ?`).join(' AND ');
      const rows = await sql.all<Row>(`SELECT * FROM user_consents${where ? ` WHERE ${where}` : ''} ORDER BY create_time, id`, given.map((k) => filter[k]));
      return rows.map(toConsent);
    },
    save: (input) =>
      scope.atomic(async ({ sql }) => {
        const existing = await sql.get<Row>(FIND, [input.clientId, input.userId, input.ns]);
        const scopes = [...new Set([...(existing ? parseJsonArray<string>(existing.scopes) : []), ...input.scopes])];
        const now = isoNow(clock);
        await sql.run(INSERT, [
          existing?.id ?? ids.newId('consent'),
          input.clientId,
          input.userId,
          input.ns,
          input.resourceId ?? null,
          JSON.stringify(scopes),
          input.grantId,
          now,
          now,
        ]);
        return toConsent((await sql.get<Row>(FIND, [input.clientId, input.userId, input.ns]))!);
      }),
    removeByGrant: async (ns, grantId) => (await sql.run(REMOVE_BY_GRANT, [ns, grantId])).changes > 0,
  };
}
