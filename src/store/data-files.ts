// The files of a database on disk are readable by their owner only: the folder 0700, every file in it
// 0600. They hold the private signing key and the key operator-chosen secrets are hashed with, so any
// local user who can read them can mint tokens. Missing ones are created that way; existing ones left
// looser by an older version are tightened, and reported so the start can warn about it.
import { chmodSync, closeSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export interface TightenedFile {
  path: string;
  /** The permission bits it had, e.g. 0o644. */
  from: number;
  to: number;
}

/** Creates `dir` (0700) if missing, else tightens it when that is ours to do. */
export function ensurePrivateFolder(dir: string): TightenedFile[] {
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: PRIVATE_FOLDER_MODE });
    return [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stats = statSync(dir);
  if (!stats.isDirectory()) throw Object.assign(new Error(`${dir} is a file, not a folder`), { code: 'ENOTDIR', path: dir });
  // A shared folder (sticky bit, as /tmp) or one owned by someone else is left alone: the files in it
  // are what must be private, and they are.
  if (stats.mode & 0o1000 || !ownedByUs(stats)) return [];
  return tighten(dir, stats, PRIVATE_FOLDER_MODE);
}

/** Creates `path` empty (0600) if missing, else tightens it. */
export function ensurePrivateFile(path: string): TightenedFile[] {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  return tightenPrivateFile(path);
}

/** Tightens `path` to 0600 when it exists and is looser. */
export function tightenPrivateFile(path: string): TightenedFile[] {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return ownedByUs(stats) ? tighten(path, stats, PRIVATE_FILE_MODE) : [];
}

function tighten(path: string, stats: Stats, mode: number): TightenedFile[] {
  const from = stats.mode & 0o777;
  if ((from & ~mode) === 0) return [];
  chmodSync(path, mode);
  return [{ path, from, to: mode }];
}

const ownedByUs = (stats: Stats) => process.getuid === undefined || stats.uid === process.getuid();
