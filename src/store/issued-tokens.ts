// The audit of issued access tokens: one row per token. Rows are queued and written in one transaction
// per event-loop turn, as one multi-row INSERT (and one UPDATE of the clients' last use), so a burst of
// token requests costs one commit, not one each (group commit). record() resolves once that commit is
// done, and callers hand out the token only then: a token that reached its client always has its row,
// even if the process is killed right after.
import { markClientsUsed } from './clients.js';
import type { Scope } from './scope.js';
import type { Database, Sql } from './sql/sql.js';
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
  /** Writes what is queued now (and waits for what is being written); called before reads and on close. */
  flush(): Promise<void>;
  get(jti: string): Promise<IssuedToken | undefined>;
  count(): Promise<number>;
  /** Rows recorded and not yet written (the audit queue's depth, for /metrics). */
  pending(): number;
  /** Marks the matching tokens still live at `at` (epoch s: neither revoked nor expired) revoked then; returns how many. */
  revoke(filter: IssuedTokenFilter, at: number): Promise<number>;
  /** Ends the matching tokens still live at `at` (epoch s) by moving their expiry there; returns how many. */
  expire(filter: IssuedTokenFilter, at: number): Promise<number>;
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
type FilterField = keyof typeof FILTER_COLUMNS;
type Ending = 'revoke' | 'expire';

const COLUMNS = ['jti', 'grant_type', 'client_id', 'subject', 'scopes', 'audience', 'issued_at', 'expires_at', 'grant_id', 'revoked_at'];
/** Rows per INSERT: well under either engine's limit of bound parameters. */
const ROWS_PER_INSERT = 500;
const insertOf = (rows: number) =>
  `INSERT INTO issued_tokens (${COLUMNS.join(', ')}) VALUES ${Array<string>(rows).fill(`(${COLUMNS.map(() => '?').join(', ')})`).join(', ')}`;
const valuesOf = (t: IssuedToken) => [
  t.jti,
  t.grantType,
  t.clientId,
  t.subject,
  t.scopes.join(' '),
  JSON.stringify(t.audience),
  t.issuedAt,
  t.expiresAt,
  t.grantId ?? null,
  t.revokedAt ?? null,
];

const GET = 'SELECT * FROM issued_tokens WHERE jti = ?';
const COUNT = 'SELECT count(*) AS n FROM issued_tokens';
const ENDINGS: Record<Ending, Record<FilterField, string>> = {
  revoke: Object.fromEntries(
    Object.entries(FILTER_COLUMNS).map(([f, c]) => [f, `UPDATE issued_tokens SET revoked_at = ? WHERE ${c} = ? AND revoked_at IS NULL AND expires_at > ?`]),
  ) as Record<FilterField, string>,
  expire: Object.fromEntries(
    Object.entries(FILTER_COLUMNS).map(([f, c]) => [f, `UPDATE issued_tokens SET expires_at = ? WHERE ${c} = ? AND revoked_at IS NULL AND expires_at > ?`]),
  ) as Record<FilterField, string>,
};

const fieldOf = (filter: IssuedTokenFilter) => Object.entries(filter)[0] as [FilterField, string];
const live = (t: IssuedToken, at: number) => t.revokedAt === undefined && t.expiresAt > at;

async function endRows(sql: Sql, ending: Ending, filter: IssuedTokenFilter, at: number): Promise<number> {
  const [field, value] = fieldOf(filter);
  return (await sql.run(ENDINGS[ending][field], [at, value, at])).changes;
}

/** The group commit: one queue per store, whichever scope records. */
export interface TokenQueue {
  record(token: IssuedToken): Promise<void>;
  /** Writes what is queued and waits for every batch under way. */
  flush(): Promise<void>;
  pending(): number;
  queued(jti: string): IssuedToken | undefined;
  /**
   * Inside a transaction (which must not wait for the queue's own): ends the queued tokens that match
   * now, and the ones of a batch under way once that batch committed. Returns how many were queued.
   */
  endQueued(ending: Ending, filter: IssuedTokenFilter, at: number): number;
}

export function tokenQueue(database: Database): TokenQueue {
  let queue: Queued[] = [];
  let scheduled = false;
  let underWay = 0;
  let batches: Promise<void> = Promise.resolve();

  const write = (rows: Queued[]) =>
    database.transaction(
      async (tx) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          const chunk = rows.slice(i, i + ROWS_PER_INSERT);
          await tx.run(insertOf(chunk.length), chunk.flatMap((q) => valuesOf(q.token)));
        }
        // A token's commit also notes its client used (pruning of unused DCR clients reads it).
        const clients = [...new Set(rows.map((q) => q.token.clientId))];
        await markClientsUsed(tx, clients, rows.reduce((latest, q) => Math.max(latest, q.token.issuedAt), 0) * 1000);
      },
      { writeLock: false }, // inserts depend on nothing read
    );

  // Settles every queued record(): resolved when its row committed, rejected with why it did not. A
  // batch that fails is retried row by row, so a bad row fails only its own request.
  const writeQueued = async () => {
    scheduled = false;
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    try {
      if (!database.isOpen()) throw new Error('the database is closed');
      await write(rows);
      for (const row of rows) row.resolve();
    } catch (err) {
      // A full disk fails every row alike: each request is told so (and answers 503), none gets its token.
      if (storageFailure(err) || !database.isOpen()) {
        for (const row of rows) row.reject(err);
        return;
      }
      for (const row of rows) {
        try {
          await write([row]);
          row.resolve();
        } catch (err) {
          row.reject(err);
        }
      }
    }
  };
  // One batch at a time, in order: what arrives meanwhile waits in the queue for the next one.
  const flush = () => {
    underWay++;
    batches = batches.catch(() => undefined).then(writeQueued).finally(() => underWay--);
    return batches;
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
    pending: () => queue.length,
    queued: (jti) => queue.find((q) => q.token.jti === jti)?.token,
    endQueued(ending, filter, at) {
      const [field, value] = fieldOf(filter);
      let ended = 0;
      for (const { token } of queue) {
        if (token[field] !== value || !live(token, at)) continue;
        if (ending === 'revoke') token.revokedAt = at;
        else token.expiresAt = at;
        ended++;
      }
      if (underWay > 0) void batches.then(() => endRows(database.sql, ending, filter, at)).catch(() => undefined);
      return ended;
    },
  };
}

export function issuedTokenRepository(scope: Scope, queue: TokenQueue): IssuedTokenRepository {
  const { sql, inTransaction } = scope;
  const toToken = (r: Row): IssuedToken => ({
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
  });
  // Outside a transaction, queued rows are written first; inside one (which the queue's own transaction
  // would wait for), they are read or ended in the queue itself.
  const end = async (ending: Ending, filter: IssuedTokenFilter, at: number) => {
    if (!inTransaction) {
      await queue.flush();
      return endRows(sql, ending, filter, at);
    }
    const queued = queue.endQueued(ending, filter, at);
    return queued + (await endRows(sql, ending, filter, at));
  };

  return {
    record: (token) => queue.record(token),
    flush: () => (inTransaction ? Promise.resolve() : queue.flush()),
    get: async (jti) => {
      if (inTransaction) {
        const queued = queue.queued(jti);
        if (queued) return { ...queued };
      } else {
        await queue.flush();
      }
      const row = await sql.get<Row>(GET, [jti]);
      return row && toToken(row);
    },
    count: async () => {
      if (!inTransaction) await queue.flush();
      return (await sql.get<{ n: number }>(COUNT))!.n + (inTransaction ? queue.pending() : 0);
    },
    pending: () => queue.pending(),
    revoke: (filter, at) => end('revoke', filter, at),
    expire: (filter, at) => end('expire', filter, at),
  };
}
