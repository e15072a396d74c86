// Per MCP server, which other MCP servers' people's tokens it takes in a token exchange (RFC 8693):
// `accept_from` of its `token_exchange` policy. Rows go with either server (foreign keys).
import type { Db } from './database.js';

export interface TokenExchangePolicyRepository {
  /** The res_ ids whose tokens `resourceId` accepts, sorted; none: it takes no exchange. */
  acceptedFrom(resourceId: string): string[];
  /** Replaces the list; true when it changed. */
  replace(resourceId: string, acceptFrom: string[]): boolean;
}

export function sqliteTokenExchangePolicies(db: Db): TokenExchangePolicyRepository {
  const list = db.prepare<[string], { accept_from: string }>('SELECT accept_from FROM token_exchange_policies WHERE resource_id = ? ORDER BY accept_from');
  const clear = db.prepare('DELETE FROM token_exchange_policies WHERE resource_id = ?');
  const insert = db.prepare('INSERT INTO token_exchange_policies (resource_id, accept_from) VALUES (?, ?)');
  const acceptedFrom = (resourceId: string) => list.all(resourceId).map((r) => r.accept_from);
  const replace = db.transaction((resourceId: string, acceptFrom: string[]): boolean => {
    const wanted = [...new Set(acceptFrom)].sort();
    if (JSON.stringify(acceptedFrom(resourceId)) === JSON.stringify(wanted)) return false;
    clear.run(resourceId);
    for (const source of wanted) insert.run(resourceId, source);
    return true;
  });
  return { acceptedFrom, replace };
}
