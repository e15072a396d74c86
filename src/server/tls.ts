// HTTPS and gRPC over TLS on the one port (TLS=1, or TLS_CERT/TLS_KEY), for the Python and Go Scalekit
// SDKs and the MCP hosts that need https.
//
// TLS is terminated in front of the h2c front: each socket the HTTP/1.1 server accepts (so its
// connection cap holds) completes a TLS handshake, then goes by ALPN to the same HTTP/2 server or
// HTTP/1.1 parser as a cleartext socket would, so every timeout and limit holds alike. A handshake that
// does not finish within the headers timeout is cut. A client that speaks plain HTTP to the port is
// told, in plain HTTP, to use https.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { H2cFront } from './h2c.js';

/** HTTP/2 first (gRPC needs it), HTTP/1.1 for the rest. */
const ALPN_PROTOCOLS = ['h2', 'http/1.1'];
/** Every TLS connection starts with a handshake record. */
const TLS_HANDSHAKE_RECORD = 0x16;

export interface TlsCredentials {
  /** PEM private key. */
  key: string;
  /** PEM certificate, followed by any intermediate certificates. */
  cert: string;
}

export interface TlsFrontOptions {
  /** Time for the first byte and the whole handshake; then the socket is closed. */
  handshakeTimeoutMs: number;
  /** The URL to name when a plain HTTP request arrives. */
  issuer: () => string;
  log?: Logger;
}

export interface TlsFront {
  /** For shutdown: drops the sockets still in their handshake (the servers behind cannot see them yet). */
  close(): void;
}

export function acceptTls(server: Server, h2c: H2cFront, credentials: TlsCredentials, options: TlsFrontOptions): TlsFront {
  // Sockets whose handshake has not finished, by their peer's address and port (unique among open TCP
  // connections, and the same on the TLS socket): cut when their time is up, and at shutdown.
  const handshaking = new Map<string, { socket: Socket; done: () => void }>();
  const peer = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

  // A tls.Server that never listens: it is handed each socket the HTTP/1.1 server accepted, and does
  // the handshake as for its own.
  const terminator = createServer({
    key: credentials.key,
    cert: credentials.cert,
    minVersion: 'TLSv1.2',
    ALPNProtocols: ALPN_PROTOCOLS,
    handshakeTimeout: options.handshakeTimeoutMs,
  });
  terminator.on('secureConnection', (secure: TLSSocket) => {
    handshaking.get(peer(secure))?.done();
    h2c.serve(secure, secure.alpnProtocol);
  });
  terminator.on('tlsClientError', (err: NodeJS.ErrnoException, secure: TLSSocket) => {
    // Often a client that does not trust the certificate: its alert says so.
    options.log?.debug({ err: { message: err.message, code: err.code } }, 'TLS handshake failed');
    secure.destroy();
  });

  server.on('connection', (socket: Socket) => {
    if (socket.destroyed) return; // refused by a connection cap (connection-gate.ts)
    const key = peer(socket);
    // One time for the first byte and the whole handshake, as the headers timeout is for a request.
    const timer = setTimeout(() => socket.destroy(), options.handshakeTimeoutMs);
    const done = () => {
      if (handshaking.get(key)?.socket === socket) handshaking.delete(key);
      clearTimeout(timer);
    };
    handshaking.set(key, { socket, done });
    socket.once('close', done);
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first[0] !== TLS_HANDSHAKE_RECORD) return refusePlainText(socket, first, options.issuer());
      socket.unshift(first); // the TLS socket starts from what the raw one has buffered
      terminator.emit('connection', socket);
    });
  });

  return {
    close() {
      for (const { socket } of handshaking.values()) socket.destroy();
      handshaking.clear();
    },
  };
}

// A request line starts with a method in capitals: answer it as nginx does, in words the user can act
// on (an h2c client reads this as a protocol error). Other bytes that are not TLS are only closed.
function refusePlainText(socket: Socket, first: Buffer, issuer: string): void {
  if (first[0]! < 0x41 || first[0]! > 0x5a) {
    socket.destroy();
    return;
  }
  const body = `This port speaks HTTPS only: use ${issuer}\n`;
  socket.end(
    'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.resume(); // drain what the client still sends, so it reads the answer instead of a reset
}
