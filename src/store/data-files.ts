// The files of a database on disk are readable by their owner only: the folder 0700, every file in it
// 0600. They hold the private signing key and the key operator-chosen secrets are hashed with, so any
// local user who can read them can mint tokens. Missing ones are created that way; existing ones left
// looser by an older version are tightened, and reported so the start can warn about it.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

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
  createMissingParents(dir);
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

// The folders above `dir` that are missing, created from the top down, each once. Not mkdirSync's
// `recursive`: when a folder exists but cannot hold folders (/proc answers ENOENT, as does a link to
// nowhere), Node's walk steps back to it (EEXIST) and forward again (ENOENT) forever, in one synchronous
// call that no signal interrupts. Here the first failure is thrown, naming its path.
function createMissingParents(dir: string): void {
  const missing: string[] = [];
  for (let folder = dirname(resolve(dir)); !existsSync(folder) && folder !== dirname(folder); folder = dirname(folder)) missing.unshift(folder);
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // made meanwhile, or a link: the next mkdir says
    }
  }
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
