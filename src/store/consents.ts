// Consents users gave to clients: one per (client, user, issuer), with the scopes approved and the
// oidc-provider grant that holds them. The row goes when its grant ends (oidc/grants.ts endGrant).
import type { Db } from './database.js';
import type { IdSource } from './ids.js';
import { parseJsonArray } from './json.js';
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
  find(clientId: string, userId: string, ns: string): UserConsent | undefined;
  get(id: string): UserConsent | undefined;
  list(filter?: { resourceId?: string; userId?: string; clientId?: string }): UserConsent[];
  /** Records the consent, or widens the scopes and moves the grant of the one already given. */
  save(input: ConsentInput): UserConsent;
  /** Removes the consent held by that grant (once the grant ended another way); true when there was one. */
  removeByGrant(ns: string, grantId: string): boolean;
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

export function sqliteConsents(db: Db, clock: Clock, ids: IdSource): ConsentRepository {
  const find = db.prepare<[string, string, string], Row>('SELECT * FROM user_consents WHERE client_id = ? AND user_id = ? AND ns = ?');
  const get = db.prepare<[string], Row>('SELECT * FROM user_consents WHERE id = ?');
  const list = db.prepare<{ resourceId: string | null; userId: string | null; clientId: string | null }, Row>(
    `SELECT * FROM user_consents
     WHERE (@resourceId IS NULL OR resource_id = @resourceId) AND (@userId IS NULL OR user_id = @userId)
       AND (@clientId IS NULL OR client_id = @clientId)
     ORDER BY create_time, id`,
  );
  const insert = db.prepare(
    `INSERT INTO user_consents (id, client_id, user_id, ns, resource_id, scopes, grant_id, create_time, update_time)
     VALUES (@id, @clientId, @userId, @ns, @resourceId, @scopes, @grantId, @now, @now)
     ON CONFLICT (client_id, user_id, ns) DO UPDATE SET scopes = excluded.scopes, grant_id = excluded.grant_id,
       resource_id = excluded.resource_id, update_time = excluded.update_time`,
  );
  const removeByGrant = db.prepare('DELETE FROM user_consents WHERE ns = ? AND grant_id = ?');

  return {
    find: (clientId, userId, ns) => {
      const row = find.get(clientId, userId, ns);
      return row && toConsent(row);
    },
    get: (id) => {
      const row = get.get(id);
      return row && toConsent(row);
    },
    list: (filter = {}) =>
      list.all({ resourceId: filter.resourceId ?? null, userId: filter.userId ?? null, clientId: filter.clientId ?? null }).map(toConsent),
    save: (input) => {
      const existing = find.get(input.clientId, input.userId, input.ns);
      const scopes = [...new Set([...(existing ? parseJsonArray<string>(existing.scopes) : []), ...input.scopes])];
      insert.run({
        id: existing?.id ?? ids.newId('consent'),
        clientId: input.clientId,
        userId: input.userId,
        ns: input.ns,
        resourceId: input.resourceId ?? null,
        scopes: JSON.stringify(scopes),
        grantId: input.grantId,
        now: isoNow(clock),
      });
      return toConsent(find.get(input.clientId, input.userId, input.ns)!);
    },
    removeByGrant: (ns, grantId) => removeByGrant.run(ns, grantId).changes > 0,
  };
}
