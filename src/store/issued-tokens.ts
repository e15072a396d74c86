// The audit of issued access tokens: one row per token. Rows are queued and written in one
// transaction per event-loop turn, so a burst of token requests costs one commit, not one each (group
// commit). record() resolves once that commit is done, and callers hand out the token only then: a
// token that reached its client always has its row, even if the process is killed right after.
import type { Db } from './database.js';
import { storageFailure } from './storage-failure.js';

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
  /** Epoch seconds; set once the token was revoked. */
  revokedAt?: number;
}

/** Which tokens a revocation or an expiry applies to: one field. */
export type IssuedTokenFilter = { jti: string } | { clientId: string } | { subject: string } | { grantId: string };

export interface IssuedTokenRepository {
  /** The one way to record an issued token; resolves once its row is committed, rejects if it could not be. */
  record(token: IssuedToken): Promise<void>;
  /** Writes what is queued now; called before reads and on close. */
  flush(): void;
  get(jti: string): IssuedToken | undefined;
  count(): number;
  /** Rows recorded and not yet written (the audit queue's depth, for /metrics). */
  pending(): number;
  /** Marks the matching tokens still live at `at` (epoch s: neither revoked nor expired) revoked then; returns how many. */
  revoke(filter: IssuedTokenFilter, at: number): number;
  /** Ends the matching tokens still live at `at` (epoch s) by moving their expiry there; returns how many. */
  expire(filter: IssuedTokenFilter, at: number): number;
}

interface Queued {
  token: IssuedToken;
  resolve(): void;
  reject(err: unknown): void;
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
  revoked_at: number | null;
}

const FILTER_COLUMNS = { jti: 'jti', clientId: 'client_id', subject: 'subject', grantId: 'grant_id' } as const;

/** `written` runs for each row inside its commit (the store marks the token's client used). */
export function sqliteIssuedTokens(db: Db, written: (token: IssuedToken) => void = () => undefined): IssuedTokenRepository {
  const insert = db.prepare(
    `INSERT INTO issued_tokens (jti, grant_type, client_id, subject, scopes, audience, issued_at, expires_at, grant_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = db.prepare<[string], Row>('SELECT * FROM issued_tokens WHERE jti = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM issued_tokens');
  const filterOf = (filter: IssuedTokenFilter) => {
    const [field, value] = Object.entries(filter)[0] as [keyof typeof FILTER_COLUMNS, string];
    return { column: FILTER_COLUMNS[field], value };
  };
  const revoke = Object.fromEntries(
    Object.values(FILTER_COLUMNS).map((c) => [c, db.prepare(`UPDATE issued_tokens SET revoked_at = @at WHERE ${c} = @value AND revoked_at IS NULL AND expires_at > @at`)]),
  );
  const expire = Object.fromEntries(
    Object.values(FILTER_COLUMNS).map((c) => [c, db.prepare(`UPDATE issued_tokens SET expires_at = @at WHERE ${c} = @value AND revoked_at IS NULL AND expires_at > @at`)]),
  );
  let queue: Queued[] = [];
  let scheduled = false;

  const writeAll = db.transaction((rows: Queued[]) => {
    for (const { token: t } of rows) {
      insert.run(t.jti, t.grantType, t.clientId, t.subject, t.scopes.join(' '), JSON.stringify(t.audience), t.issuedAt, t.expiresAt, t.grantId ?? null);
      written(t);
    }
  });

  const write = (rows: Queued[]) => {
    if (!db.open) throw new Error('the database is closed');
    writeAll(rows);
  };

  // Settles every queued record(): resolved when its row committed, rejected with why it did not. A
  // batch that fails is retried row by row, so a bad row fails only its own request.
  const flush = () => {
    scheduled = false;
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    try {
      write(rows);
      for (const row of rows) row.resolve();
    } catch (err) {
      // A full disk fails every row alike: each request is told so (and answers 503), none gets its token.
      if (storageFailure(err)) {
        for (const row of rows) row.reject(err);
        return;
      }
      for (const row of rows) {
        try {
          write([row]);
          row.resolve();
        } catch (err) {
          row.reject(err);
        }
      }
    }
  };

  return {
    record: (token) =>
      new Promise<void>((resolve, reject) => {
        queue.push({ token, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      }),
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
          ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
        }
      );
    },
    count: () => {
      flush();
      return count.get()!.n;
    },
    pending: () => queue.length,
    revoke: (filter, at) => {
      flush();
      const { column, value } = filterOf(filter);
      return revoke[column]!.run({ at, value }).changes;
    },
    expire: (filter, at) => {
      flush();
      const { column, value } = filterOf(filter);
      return expire[column]!.run({ at, value }).changes;
    },
  };
}
