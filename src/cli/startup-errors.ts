// Start-up failures a user can cause, each said with the setting that caused it and what to do. They
// exit 2, like a bad configuration; anything not listed here is a fault of ours and exits 1.
import { dirname } from 'node:path';
import type { Config } from '../config/index.js';
import { TestKeyRefused } from '../oidc/signing-keys.js';
import { TlsSetupError } from '../server/tls-certificates.js';
import { redactedUrl } from '../config/index.js';
import { DatabaseInUse, DatabaseNewerThanCode, DatabaseUnavailable, InstallKeysError } from '../store/index.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

interface SystemError {
  code?: string;
  syscall?: string;
  path?: string;
  message: string;
}

/** A StartupError naming the cause when the user can fix it, else `err` unchanged. */
export function explainStartupError(err: unknown, config: Config): unknown {
  const message = explain(err as SystemError, config);
  return message === undefined ? err : new StartupError(message);
}

function explain(err: SystemError, config: Config): string | undefined {
  const dataDir = `DATA_DIR ${dirname(config.databasePath)}`;
  const databaseUrl = config.databaseUrl && `DATABASE_URL ${redactedUrl(config.databaseUrl)}`;
  if (databaseUrl && err instanceof DatabaseUnavailable) {
    const cause = err.cause as { code?: string } | undefined;
    return `${databaseUrl}: cannot use the database (${cause?.code ? `${cause.code}: ` : ''}${err.message}). Check the host, port, user, password and database name, and that PostgreSQL is running.`;
  }
  if (err instanceof DatabaseNewerThanCode) return `${databaseUrl ?? dataDir}: ${err.message}.`;
  if (err instanceof DatabaseInUse) {
    return `${dataDir} is in use by another running scalekit-emulator (it holds ${err.lockPath}). Stop that one first, or set DATA_DIR to another folder.`;
  }
  if (err instanceof InstallKeysError || err instanceof TestKeyRefused) return `${dataDir}: ${err.message}`;
  if (err instanceof TlsSetupError) return err.message; // names TLS_CERT, TLS_KEY or DATA_DIR itself
  const place = config.host.includes(':') ? `[${config.host}]:${config.port}` : `${config.host}:${config.port}`;
  switch (err.syscall === 'listen' || err.syscall === 'bind' || err.syscall === 'getaddrinfo' ? err.code : undefined) {
    case 'EADDRINUSE':
      return `PORT ${config.port} is already in use on HOST ${config.host} (${place}). Stop what listens there, or set PORT to another port (0 picks a free one).`;
    case 'EACCES':
      return `PORT ${config.port} on HOST ${config.host} needs privileges this user lacks (ports below 1024 usually do). Set PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${config.host} is not an address of this machine (${err.code}). Use 0.0.0.0 for every interface, or 127.0.0.1 for this machine only.`;
  }
  switch (err.code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return `${dataDir} is not a folder: ${err.path ?? 'it'} is a file. Set DATA_DIR to a folder (it is created when missing).`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `${dataDir} is not writable by this user (${err.code} on ${err.path ?? 'it'}). Fix its permissions, or set DATA_DIR to a folder this user can write.`;
    case 'ENOENT':
      // The folder above exists (else it would have been made first), yet takes no new folder.
      if (err.syscall === 'mkdir' && err.path) {
        return `${dataDir} cannot be created: no folder can be made in ${dirname(err.path)} (ENOENT on ${err.path}); it is a system folder such as /proc, or a link to nowhere. Set DATA_DIR to a folder this user can create.`;
      }
      break;
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return `${dataDir}: the database ${config.databasePath} cannot be opened for writing (${err.code}). Fix its permissions, or set DATA_DIR to another folder.`;
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `${dataDir}: ${config.databasePath} is not a database of this server, or is damaged (${err.code}). Restore it from a backup, or set DATA_DIR to another folder.`;
  }
  // Whatever else stops the folder being made (a name too long, a loop of links, a full disk).
  if (err.syscall === 'mkdir') return `${dataDir} cannot be created: making ${err.path ?? 'it'} failed (${err.code}). Set DATA_DIR to a folder this user can create.`;
  return undefined;
}
