// The local CA's files over time: kept while they are good, the server certificate issued again near its
// end, a new CA only when the old one ends, damaged server files remade, looser files tightened.
// Time is passed in (certificates are checked by clients against real time, so the app's clock is not used).
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateNames, loadTlsCertificate, TlsSetupError } from '../../src/server/tls-certificates.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-01-01T00:00:00Z');
const later = (days: number) => new Date(T0.getTime() + days * DAY);
const NAMES = certificateNames('localhost');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-local-ca-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (now: Date, names = NAMES) => loadTlsCertificate({ source: 'local-ca', dir, names: [] }, names, now);
const leaf = (pem: string) => new X509Certificate(pem);
const caFile = () => readFileSync(join(dir, 'emulator-ca.pem'), 'utf8');

describe('the local CA over time', () => {
  it('makes a CA and a certificate for localhost, 127.0.0.1 and ::1, signed by it', async () => {
    const served = await load(T0);
    const cert = leaf(served.cert);
    const ca = new X509Certificate(caFile());
    expect(served.changes).toEqual(['made a local CA', 'issued a server certificate for localhost, 127.0.0.1, ::1 (none yet)']);
    expect(served.caPath).toBe(join(dir, 'emulator-ca.pem'));
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(Date.parse(cert.validTo) - T0.getTime()).toBe(825 * DAY);
  });

  it('keeps both while the certificate has more than 30 days left', async () => {
    const first = await load(T0);
    const again = await load(later(825 - 31));
    expect(again.changes).toEqual([]);
    expect(leaf(again.cert).fingerprint256).toBe(leaf(first.cert).fingerprint256);
  });

  it('issues the server certificate again from the same CA when it has 30 days or less left', async () => {
    const first = await load(T0);
    const ca = caFile();
    const renewed = await load(later(825 - 30));
    expect(renewed.changes).toEqual([`issued a server certificate for localhost, 127.0.0.1, ::1 (it ends on ${leaf(first.cert).validTo})`]);
    expect(leaf(renewed.cert).fingerprint256).not.toBe(leaf(first.cert).fingerprint256);
    expect(caFile()).toBe(ca);
    expect(leaf(renewed.cert).verify(new X509Certificate(ca).publicKey)).toBe(true);
  });

  it('makes a new CA only when the old one nears its end, and says clients must trust it again', async () => {
    await load(T0);
    const oldCa = new X509Certificate(caFile());
    const renewed = await load(later(10 * 365 - 29));
    expect(renewed.changes[0]).toBe(`the local CA ended on ${oldCa.validTo}: made a new one, which clients must trust again`);
    expect(renewed.changes[1]).toMatch(/\(the local CA changed\)$/);
    expect(new X509Certificate(caFile()).fingerprint256).not.toBe(oldCa.fingerprint256);
  });

  it('a server certificate never outlives its CA', async () => {
    await load(T0);
    const served = await load(later(10 * 365 - 400), [...NAMES, 'emulator']);
    expect(leaf(served.cert).validTo).toBe(new X509Certificate(caFile()).validTo);
  });

  it('remakes a damaged server certificate, under the same CA', async () => {
    await load(T0);
    const ca = caFile();
    writeFileSync(join(dir, 'emulator-tls.pem'), 'garbage');
    const served = await load(later(1));
    expect(served.changes).toEqual(['issued a server certificate for localhost, 127.0.0.1, ::1 (none yet)']);
    expect(caFile()).toBe(ca);
  });

  it('refuses a CA key without its certificate, naming both files, and writes nothing', async () => {
    await load(T0);
    rmSync(join(dir, 'emulator-ca.pem'));
    const err = (await load(later(1)).catch((e: unknown) => e)) as TlsSetupError;
    expect(err).toBeInstanceOf(TlsSetupError);
    expect(err.message).toBe(
      `DATA_DIR ${dir}: emulator-ca-key.pem is there without emulator-ca.pem. Restore it, or delete emulator-ca.pem and emulator-ca-key.pem to have a new local CA made (clients must then trust the new one).`,
    );
  });

  it('tightens files others could read to 0600 and reports them', async () => {
    await load(T0);
    chmodSync(join(dir, 'emulator-ca-key.pem'), 0o644);
    const served = await load(later(1));
    expect(served.tightenedFiles).toEqual([{ path: join(dir, 'emulator-ca-key.pem'), from: 0o644, to: 0o600 }]);
    expect(statSync(join(dir, 'emulator-ca-key.pem')).mode & 0o777).toBe(0o600);
  });
});
