// The audit of issued access tokens: one row per token. Rows are queued and written in one
// transaction per event-loop turn, so a burst of token requests costs one commit, not one each.
import type { Db } from './database.js';

export interface IssuedToken {
  jti: string;
  grantType: string;
  clientId: string;
  subject: string;
  scopes: string[];
  audience: string[];
  issuedAt: number; // epoch seconds
  expiresAt: number;
  /** The oidc-provider grant a code-flow token came from (revoking the grant revokes the token). */
  grantId?: string;
}

export interface IssuedTokenRepository {
  record(token: IssuedToken): void;
  /** Writes what is queued; called before reads and on close. */
  flush(): void;
  get(jti: string): IssuedToken | undefined;
  count(): number;
  /** Rows recorded and not yet written (the audit queue's depth, for /metrics). */
  pending(): number;
}

interface Row {
  jti: string;
  grant_type: string;
  client_id: string;
  subject: string;
  scopes: string;
  audience: string;
  issued_at: number;
  expires_at: number;
  grant_id: string | null;
}

export function sqliteIssuedTokens(db: Db): IssuedTokenRepository {
  const insert = db.prepare(
    `INSERT INTO issued_tokens (jti, grant_type, client_id, subject, scopes, audience, issued_at, expires_at, grant_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = db.prepare<[string], Row>('SELECT * FROM issued_tokens WHERE jti = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM issued_tokens');
  let queue: IssuedToken[] = [];
  let scheduled = false;

  const writeAll = db.transaction((rows: IssuedToken[]) => {
    for (const t of rows) {
      insert.run(t.jti, t.grantType, t.clientId, t.subject, t.scopes.join(' '), JSON.stringify(t.audience), t.issuedAt, t.expiresAt, t.grantId ?? null);
    }
  });

  const flush = () => {
    scheduled = false;
    if (queue.length === 0 || !db.open) return;
    const rows = queue;
    queue = [];
    writeAll(rows);
  };

  return {
    record: (token) => {
      queue.push(token);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    get: (jti) => {
      flush();
      const r = get.get(jti);
      return (
        r && {
          jti: r.jti,
          grantType: r.grant_type,
          clientId: r.client_id,
          subject: r.subject,
          scopes: r.scopes ? r.scopes.split(' ') : [],
          audience: JSON.parse(r.audience) as string[],
          issuedAt: r.issued_at,
          expiresAt: r.expires_at,
          ...(r.grant_id ? { grantId: r.grant_id } : {}),
        }
      );
    },
    count: () => {
      flush();
      return count.get()!.n;
    },
    pending: () => queue.length,
  };
}
