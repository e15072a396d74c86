// Per-install key material. On SQLite it is kept in a 0600 file beside the database rather than in it,
// so that a copy of the database alone is not enough to guess secrets offline or forge cookies; on
// PostgreSQL, which replicas share and nothing beside it is, in its install_keys table (made once by the
// first start):
// - secretHashKey: the HMAC key of operator-chosen client secrets (see secrets.ts);
// - cookieKeys: oidc-provider's signed-cookie keys, random and separate from the signing keys, so
//   replacing a signing key does not end every session. The first one signs; all of them verify.
// An in-memory database gets fresh keys in memory.
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { z } from 'zod';
import { PRIVATE_FILE_MODE, tightenPrivateFile, type TightenedFile } from './data-files.js';
import type { Sql } from './sql/sql.js';

export interface InstallKeys {
  secretHashKey: Buffer;
  cookieKeys: string[];
}

const KEY_BYTES = 32;
const fileSchema = z.object({
  secret_hash_key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  cookie_keys: z.array(z.string().min(32)).min(1),
});

export class InstallKeysError extends Error {
  constructor(readonly path: string, problem: string) {
    super(`${path} ${problem}`);
    this.name = 'InstallKeysError';
  }
}

export function newInstallKeys(): InstallKeys {
  return { secretHashKey: randomBytes(KEY_BYTES), cookieKeys: [randomBytes(KEY_BYTES).toString('base64url')] };
}

/** Reads the key file, creating it on first use; concurrent first starts all read the one that was written first. */
export function loadOrCreateInstallKeys(path: string): { keys: InstallKeys; tightened: TightenedFile[] } {
  const tightened = tightenPrivateFile(path);
  let text = readIfExists(path);
  if (text === undefined) {
    writeOnce(path, serialise(newInstallKeys()));
    text = readFileSync(path, 'utf8');
  }
  return { keys: parse(path, text), tightened };
}

/** PostgreSQL: the install keys every replica shares, written by whichever start came first. */
export async function sharedInstallKeys(sql: Sql): Promise<InstallKeys> {
  const fresh = newInstallKeys();
  await sql.run('INSERT INTO install_keys (id, secret_hash_key, cookie_keys) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING', [
    fresh.secretHashKey.toString('base64url'),
    JSON.stringify(fresh.cookieKeys),
  ]);
  const row = await sql.get<{ secret_hash_key: string; cookie_keys: string }>('SELECT secret_hash_key, cookie_keys FROM install_keys WHERE id = 1');
  return parse('the install_keys table', JSON.stringify({ secret_hash_key: row?.secret_hash_key, cookie_keys: JSON.parse(row?.cookie_keys ?? 'null') }));
}

function serialise(keys: InstallKeys): string {
  return `${JSON.stringify({ secret_hash_key: keys.secretHashKey.toString('base64url'), cookie_keys: keys.cookieKeys }, null, 2)}\n`;
}

function parse(path: string, text: string): InstallKeys {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InstallKeysError(path, 'is not JSON; restore it from a backup, or delete it to make new keys');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new InstallKeysError(path, 'is not a key file of this server; restore it from a backup, or delete it to make new keys');
  return { secretHashKey: Buffer.from(parsed.data.secret_hash_key, 'base64url'), cookieKeys: parsed.data.cookie_keys };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

// Written whole to a temporary file, then linked into place: link() fails when the name exists, so a
// reader never sees half a file and the first of several concurrent writers wins.
function writeOnce(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temporary);
  }
}
