// When the database cannot take a write: SQLite's SQLITE_FULL (the disk or a quota is full) and
// SQLITE_IOERR with its extended codes (the disk fails a read or a write), as better-sqlite3 puts them
// on `err.code`. Nothing committed is lost (SQLite rolls the failed transaction back) and the next
// write tries again, so every surface answers these "unavailable, try again later", in its own shape,
// instead of a server error; service resumes by itself once the disk has room again.

/** The SQLite code when `err` (or what caused it) is a storage failure, else undefined. */
export function storageFailure(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'))) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How long a client is asked to wait before it tries again (Retry-After, seconds). */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** What to tell a caller, naming the cause. */
export function storageProblem(code: string): string {
  const why = code === 'SQLITE_FULL' ? 'the disk is full' : 'the disk failed a read or a write';
  return `the server cannot store anything right now (${why}: ${code}); nothing was changed, try again later`;
}
