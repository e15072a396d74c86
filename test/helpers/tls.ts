// A throw-away self-signed certificate for 127.0.0.1 (made with the openssl command line), for tests that
// need an https URL on this machine, such as a client-id metadata document; and clients that trust a
// given CA, for the server's own https (TLS=1).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';

export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** fetch that trusts `ca` (PEM) for https URLs, and nothing else: undici's own fetch with its Agent. */
export function trustingFetch(ca: string | undefined): (url: string, init?: RequestInit) => Promise<Response> {
  const dispatcher = new Agent({ connect: ca === undefined ? {} : { ca } });
  return (url, init) => undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}

export interface Handshake {
  /** The server certificate's SHA-256 fingerprint, as node:crypto writes it. */
  fingerprint: string;
  alpnProtocol: string | false | null;
  socket: TLSSocket;
}

/** Completes a TLS handshake with the server of `url`, trusting `ca`, offering `alpn`; rejects on any TLS error. */
export function handshake(url: string, options: { ca?: string; servername?: string; alpn?: string[] } = {}): Promise<Handshake> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(port),
      servername: options.servername ?? (isIP(hostname) ? undefined : hostname),
      ...(options.ca ? { ca: options.ca } : {}),
      ALPNProtocols: options.alpn ?? ['h2', 'http/1.1'],
    });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve({ fingerprint: socket.getPeerX509Certificate()!.fingerprint256, alpnProtocol: socket.alpnProtocol, socket });
    });
  });
}
