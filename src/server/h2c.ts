// One port for HTTP/1.1 and cleartext HTTP/2 (h2c with prior knowledge), as the Scalekit Node SDK
// needs: it talks gRPC over HTTP/2 to the same URL where it posts /oauth/token over HTTP/1.1.
//
// The HTTP/1.1 server (Fastify's) keeps listening and owning the port, so its limits (headers and
// request timeouts, closing) stay in force, and the connection caps (connection-gate.ts) see every
// socket first. Each accepted socket is then read until its bytes match or stop matching the 24-byte
// HTTP/2 preface; then it goes to an http2 server, which has the same limits (http2-limits.ts), or to
// the HTTP/1.1 parser, with the bytes read so far put back.
import http2, { type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { http2ServerOptions, limitHttp2Sessions } from './http2-limits.js';
import type { HttpLimits } from './http-limits.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface H2cFront {
  /**
   * For shutdown, gracefully: GOAWAY to every HTTP/2 session (streams in flight finish, then the
   * sockets close), and sockets that have not sent a byte yet are dropped (the HTTP/1.1 server's own
   * closing cannot see them).
   */
  close(): void;
  /** Destroys every HTTP/2 session now (a shutdown deadline passed). */
  destroySessions(): void;
  sessionCount(): number;
  /**
   * Takes a socket that TLS has opened (server/tls.ts): ALPN `h2` goes to HTTP/2; anything else is read
   * as a cleartext socket is (HTTP/1.1, or HTTP/2 with prior knowledge), so the same limits hold.
   */
  serve(socket: Socket, alpnProtocol: string | false | null): void;
}

export interface H2cOptions {
  /** The port speaks TLS: sockets arrive through serve() once their handshake is done, not on 'connection'. */
  tls?: boolean;
}

export type H2Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

export function acceptH2c(server: Server, handler: H2Handler, limits: HttpLimits, log?: Logger, options: H2cOptions = {}): H2cFront {
  // Node's HTTP/1.1 parser is the 'connection' listener named connectionListener; any other listener
  // (connection caps, counters) keeps seeing every socket as it is accepted.
  const parsers = server.listeners('connection').filter((l) => l.name === 'connectionListener') as ((socket: Socket) => void)[];
  if (parsers.length === 0) throw new Error("node:http's connection listener not found: cannot share the port with HTTP/2");
  for (const parser of parsers) server.off('connection', parser);

  const h2 = http2.createServer(http2ServerOptions(limits), handler);
  limitHttp2Sessions(h2, limits);
  const sessions = new Set<Http2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', (err) => log?.debug({ err }, 'http2 session error'));
  });

  const sniffing = new Set<Socket>();
  const sniff = (socket: Socket) => {
    if (socket.destroyed) return; // refused by a connection cap
    sniffing.add(socket);
    let seen: Buffer = Buffer.alloc(0);
    // A socket that never sends a byte would escape the HTTP/1.1 timeouts: give it the headers timeout.
    const timer = setTimeout(() => socket.destroy(), server.headersTimeout || 60_000);
    // Also when the client ends its side before a protocol is known: the server allows half-open
    // sockets, so one would otherwise hold its connection slot until the timer.
    const drop = () => socket.destroy();
    const done = () => {
      sniffing.delete(socket);
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', drop);
      socket.off('end', drop);
      socket.off('close', done);
    };
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const http2Start = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (http2Start && seen.length < PREFACE.length) return; // could still be HTTP/2: read on
      done();
      socket.pause();
      socket.unshift(seen);
      if (http2Start) {
        // Not resumed: the session reads the buffered preface itself.
        h2.emit('connection', socket);
      } else {
        for (const parser of parsers) parser.call(server, socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', drop);
    socket.on('end', drop);
    socket.once('close', done);
  };
  if (!options.tls) server.on('connection', sniff);

  return {
    close() {
      for (const session of sessions) if (!session.closed) session.close();
      for (const socket of sniffing) socket.destroy();
    },
    destroySessions() {
      for (const session of sessions) session.destroy();
    },
    sessionCount: () => sessions.size,
    serve(socket, alpnProtocol) {
      if (alpnProtocol === 'h2') h2.emit('connection', socket);
      else sniff(socket);
    },
  };
}
