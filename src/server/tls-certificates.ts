// The certificate the TLS front serves: the operator's own PEM files (TLS_CERT, TLS_KEY), read as they
// are, or one signed by a local CA kept in DATA_DIR, as mkcert does. The CA is made once and kept, so
// clients trust it once; the server certificate is issued again when the names the server answers to
// change, when it nears its end, or when the CA changed. Every file is owner-only, like the other key
// files of DATA_DIR. Reading and checking use node:crypto; only making a certificate loads ./x509.js.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { TlsSettings } from '../config/index.js';
import { ensurePrivateFolder, PRIVATE_FILE_MODE, tightenPrivateFile, type TightenedFile } from '../store/data-files.js';
import type { TlsCredentials } from './tls.js';
import type { IssuedCertificate } from './x509.js';

export const LOCAL_CA_FILES = {
  caCert: 'emulator-ca.pem',
  caKey: 'emulator-ca-key.pem',
  cert: 'emulator-tls.pem',
  key: 'emulator-tls-key.pem',
};

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_MS = 10 * 365 * DAY_MS;
/** mkcert's lifetime for server certificates, the most some platforms accept from a user-installed CA. */
const SERVER_LIFETIME_MS = 825 * DAY_MS;
/** A certificate this close to its end is replaced at start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/** notBefore this far back, for clients whose clock runs a little behind. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;

/** A certificate problem the operator can fix; its message names the setting. */
export class TlsSetupError extends Error {
  override name = 'TlsSetupError';
}

export interface ServedCertificate extends TlsCredentials {
  /** The local CA's certificate, for clients to trust; absent with the operator's own certificate. */
  caPath?: string;
  /** What this start made, said for the log. */
  changes: string[];
  /** Existing files that were looser than owner-only. */
  tightenedFiles: TightenedFile[];
  /** Said at start: an operator's certificate past its end, and the like. */
  warnings: string[];
}

/** The names a local-CA certificate covers: this machine's, the issuer's host, and the extra ones. */
export function certificateNames(issuerHost: string, extra: string[] = []): string[] {
  const host = issuerHost.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return [...new Set(['localhost', '127.0.0.1', '::1', host, ...extra])];
}

export async function loadTlsCertificate(settings: TlsSettings, names: string[], now = new Date()): Promise<ServedCertificate> {
  return settings.source === 'files' ? operatorCertificate(settings.certPath, settings.keyPath, now) : localCaCertificate(settings.dir, names, now);
}

function operatorCertificate(certPath: string, keyPath: string, now: Date): ServedCertificate {
  const cert = readSetting('TLS_CERT', certPath);
  const key = readSetting('TLS_KEY', keyPath);
  const x509 = parseCertificate(cert, `TLS_CERT ${certPath} is not a PEM certificate`);
  const privateKey = parseKey(key, `TLS_KEY ${keyPath} is not a PEM private key (an encrypted one is not supported: decrypt it first)`);
  if (!x509.checkPrivateKey(privateKey)) throw new TlsSetupError(`TLS_KEY ${keyPath} is not the private key of the certificate in TLS_CERT ${certPath}`);
  try {
    createSecureContext({ key, cert });
  } catch (err) {
    throw new TlsSetupError(`TLS_CERT ${certPath} and TLS_KEY ${keyPath} cannot be served: ${(err as Error).message}`);
  }
  const warnings = Date.parse(x509.validTo) <= now.getTime() ? [`TLS_CERT ${certPath} expired on ${x509.validTo}: clients will refuse it`] : [];
  return { cert, key, changes: [], tightenedFiles: [], warnings };
}

async function localCaCertificate(dir: string, names: string[], now: Date): Promise<ServedCertificate> {
  // DATA_DIR holds the CA's files whatever the store: with DATABASE_URL nothing else made the folder.
  const folder = ensurePrivateFolder(dir);
  const path = (file: string) => join(dir, file);
  const changes: string[] = [];
  const x509 = () => import('./x509.js');

  let ca = readCertificateAuthority(dir);
  if (!ca || endsWithin(ca.x509, now)) {
    const made = await (await x509()).createCertificateAuthority(`scalekit-emulator local CA (${hostname()})`, {
      notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
      notAfter: new Date(now.getTime() + CA_LIFETIME_MS),
    });
    writePrivateFile(path(LOCAL_CA_FILES.caKey), made.key);
    writePrivateFile(path(LOCAL_CA_FILES.caCert), made.cert);
    changes.push(ca ? `the local CA ended on ${ca.x509.validTo}: made a new one, which clients must trust again` : 'made a local CA');
    ca = { ...made, x509: new X509Certificate(made.cert) };
  }

  let server = readServerCertificate(dir);
  const reason = !server
    ? 'none yet'
    : !server.x509.checkIssued(ca.x509) || !server.x509.verify(ca.x509.publicKey)
      ? 'the local CA changed'
      : !coversExactly(server.x509, names)
        ? 'the names changed'
        : endsWithin(server.x509, now)
          ? `it ends on ${server.x509.validTo}`
          : undefined;
  if (reason) {
    const made = await (await x509()).issueServerCertificate(ca, names, {
      notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
      notAfter: new Date(Math.min(now.getTime() + SERVER_LIFETIME_MS, Date.parse(ca.x509.validTo))),
    });
    writePrivateFile(path(LOCAL_CA_FILES.key), made.key);
    writePrivateFile(path(LOCAL_CA_FILES.cert), made.cert);
    changes.push(`issued a server certificate for ${names.join(', ')} (${reason})`);
    server = { ...made, x509: new X509Certificate(made.cert) };
  }

  const tightenedFiles = [...folder, ...Object.values(LOCAL_CA_FILES).flatMap((file) => tightenPrivateFile(path(file)))];
  return { cert: server!.cert, key: server!.key, caPath: path(LOCAL_CA_FILES.caCert), changes, tightenedFiles, warnings: [] };
}

interface KeptCertificate extends IssuedCertificate {
  x509: X509Certificate;
}

// The CA is what clients trust: when its files are damaged the start stops rather than silently making
// another one that every client would refuse.
function readCertificateAuthority(dir: string): KeptCertificate | undefined {
  const cert = readIfPresent(join(dir, LOCAL_CA_FILES.caCert));
  const key = readIfPresent(join(dir, LOCAL_CA_FILES.caKey));
  if (cert === undefined && key === undefined) return undefined;
  const remedy = `Restore it, or delete ${LOCAL_CA_FILES.caCert} and ${LOCAL_CA_FILES.caKey} to have a new local CA made (clients must then trust the new one).`;
  const problem = (what: string) => `DATA_DIR ${dir}: ${what}. ${remedy}`;
  if (cert === undefined) throw new TlsSetupError(problem(`${LOCAL_CA_FILES.caKey} is there without ${LOCAL_CA_FILES.caCert}`));
  if (key === undefined) throw new TlsSetupError(problem(`${LOCAL_CA_FILES.caCert} is there without ${LOCAL_CA_FILES.caKey}`));
  const x509 = parseCertificate(cert, problem(`${LOCAL_CA_FILES.caCert} is not a PEM certificate`));
  const privateKey = parseKey(key, problem(`${LOCAL_CA_FILES.caKey} is not a PEM private key`));
  if (!x509.ca || !x509.checkPrivateKey(privateKey)) {
    throw new TlsSetupError(problem(`${LOCAL_CA_FILES.caCert} is not a CA certificate of ${LOCAL_CA_FILES.caKey}`));
  }
  return { cert, key, x509 };
}

// The server certificate is ours to remake: anything wrong with it means issuing a new one.
function readServerCertificate(dir: string): KeptCertificate | undefined {
  const cert = readIfPresent(join(dir, LOCAL_CA_FILES.cert));
  const key = readIfPresent(join(dir, LOCAL_CA_FILES.key));
  if (cert === undefined || key === undefined) return undefined;
  try {
    const x509 = new X509Certificate(cert);
    return x509.checkPrivateKey(createPrivateKey(key)) ? { cert, key, x509 } : undefined;
  } catch {
    return undefined;
  }
}

/** Names every one of `names` in its subjectAltName, and nothing else. */
function coversExactly(x509: X509Certificate, names: string[]): boolean {
  const entries = x509.subjectAltName?.split(', ') ?? [];
  return entries.length === names.length && names.every((n) => (isIP(n) ? x509.checkIP(n) : x509.checkHost(n, { wildcards: false, subject: 'never' })) !== undefined);
}

const endsWithin = (x509: X509Certificate, now: Date) => Date.parse(x509.validTo) - now.getTime() <= RENEW_BEFORE_MS;

function readSetting(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'this user may not read it' : code === 'EISDIR' ? 'it is a folder' : `it cannot be read (${code})`;
    throw new TlsSetupError(`${setting} ${path}: ${why}`);
  }
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseCertificate(pem: string, problem: string): X509Certificate {
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate');
    return new X509Certificate(pem);
  } catch {
    throw new TlsSetupError(problem);
  }
}

function parseKey(pem: string, problem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TlsSetupError(problem);
  }
}

// Written whole or not at all: a crash while writing leaves the old file, never half a key.
function writePrivateFile(path: string, text: string): void {
  const partial = `${path}.partial`;
  rmSync(partial, { force: true });
  writeFileSync(partial, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  renameSync(partial, path);
}
