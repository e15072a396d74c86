// Per MCP server, which other MCP servers' people's tokens it takes in a token exchange (RFC 8693):
// `accept_from` of its `token_exchange` policy. Rows go with either server (foreign keys). A policy is a
// setting of its MCP server: a change is heard as one to the MCP servers (the `resources` topic).
import type { Scope } from './scope.js';

export interface TokenExchangePolicyRepository {
  /** The res_ ids whose tokens `resourceId` accepts, sorted; none: it takes no exchange. */
  acceptedFrom(resourceId: string): Promise<string[]>;
  /** Replaces the list; true when it changed. */
  replace(resourceId: string, acceptFrom: string[]): Promise<boolean>;
}

const LIST = 'SELECT accept_from FROM token_exchange_policies WHERE resource_id = ? ORDER BY accept_from';
const CLEAR = 'DELETE FROM token_exchange_policies WHERE resource_id = ?';
const INSERT = 'INSERT INTO token_exchange_policies (resource_id, accept_from) VALUES (?, ?)';

export function tokenExchangePolicyRepository(scope: Scope): TokenExchangePolicyRepository {
  const acceptedFrom = async (sql: Scope['sql'], resourceId: string) => (await sql.all<{ accept_from: string }>(LIST, [resourceId])).map((r) => r.accept_from);
  return {
    acceptedFrom: (resourceId) => acceptedFrom(scope.sql, resourceId),
    replace: (resourceId, given) =>
      scope.atomic(async ({ sql, changed }) => {
        // Sorted as acceptedFrom reads them (byte order, as both engines' ORDER BY on these ids).
        const wanted = [...new Set(given)].sort();
        if (JSON.stringify(await acceptedFrom(sql, resourceId)) === JSON.stringify(wanted)) return false;
        await sql.run(CLEAR, [resourceId]);
        for (const source of wanted) await sql.run(INSERT, [resourceId, source]);
        await changed('resources');
        return true;
      }),
  };
}
