// When the database cannot take a write, or cannot be reached: SQLite's SQLITE_FULL (the disk or a
// quota is full) and SQLITE_IOERR with its extended codes (the disk fails a read or a write), as
// better-sqlite3 puts them on `err.code`; PostgreSQL down or out of room (a refused or dropped
// connection, the server shutting down, a full disk, too many connections, no connection free in the
// pool in time). Nothing committed is lost (the failed transaction is rolled back) and the next write
// tries again, so every surface answers these "unavailable, try again later", in its own shape,
// instead of a server error; service resumes by itself once the disk has room or the server is back.

// PostgreSQL's SQLSTATEs for "not now": connection exceptions (08…), operator intervention (57P01
// admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), insufficient resources (53…: disk
// full, out of memory, too many connections).
const POSTGRES_UNAVAILABLE = /^(08...|57P0[123]|53...)$/;
// Node's socket errors when the server cannot be reached or drops the connection.
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
// node-postgres says these in words only.
const POOL_MESSAGES: [RegExp, string][] = [
  [/^timeout exceeded when trying to connect$/, 'POOL_TIMEOUT'],
  [/^Connection terminated/, 'CONNECTION_TERMINATED'],
  [/not queryable|Client was closed and is not queryable/, 'CONNECTION_TERMINATED'],
];

/** The code (SQLite's, PostgreSQL's SQLSTATE, or a socket error) when `err` (or what caused it) is a storage failure, else undefined. */
export function storageFailure(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) return code;
      if (POSTGRES_UNAVAILABLE.test(code) || SOCKET_ERRORS.has(code)) return code;
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string') for (const [pattern, name] of POOL_MESSAGES) if (pattern.test(message)) return name;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How long a client is asked to wait before it tries again (Retry-After, seconds). */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** What to tell a caller, naming the cause. */
export function storageProblem(code: string): string {
  return `the server cannot store anything right now (${storageReason(code)}: ${code}); nothing was changed, try again later`;
}

/** The cause in words, e.g. "the disk is full", "the database cannot be reached". */
export function storageReason(code: string): string {
  if (code === 'SQLITE_FULL' || code === '53100') return 'the disk is full';
  if (code.startsWith('SQLITE_IOERR')) return 'the disk failed a read or a write';
  if (code === '53300' || code === 'POOL_TIMEOUT') return 'the database has no connection free';
  if (code.startsWith('53')) return 'the database is out of resources';
  return 'the database cannot be reached';
}
