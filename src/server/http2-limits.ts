// HTTP/2 gets the limits HTTP/1.1 has from Node's parser (http-limits.ts), kept on the http2 server's
// own sessions and streams, so they hold whatever socket a session came on (h2c on the shared port, or
// a TLS listener that hands its sockets to the same server). Without them, sessions that never sent a
// request held every connection slot, and a stream whose body dripped stayed open for good.
// - A new session must open its first stream within headersTimeoutMs; a session with no open stream
//   is closed (GOAWAY) after sessionIdleTimeoutMs.
// - A stream's request must arrive whole (END_STREAM) within requestTimeoutMs, else it is answered 408
//   and closed. A request that has arrived may take its time to be answered, as over HTTP/1.1.
// - At most maxConcurrentStreams streams at once per session: advertised in SETTINGS, and nghttp2
//   refuses any stream beyond it (RST_STREAM REFUSED_STREAM).
// Headers arrive whole in one HEADERS block (nghttp2 makes no stream before), so a stalled block keeps
// its session without an open stream, and the idle limit closes it.
import http2, { type Http2Server, type ServerHttp2Session, type ServerHttp2Stream, type ServerOptions } from 'node:http2';
import type { HttpLimits } from './http-limits.js';

type Http2Limits = Pick<HttpLimits, 'headersTimeoutMs' | 'requestTimeoutMs' | 'sessionIdleTimeoutMs' | 'maxConcurrentStreams'>;

/** The options of an http2 server that carry these limits. */
export function http2ServerOptions(limits: Http2Limits): ServerOptions {
  return { settings: { maxConcurrentStreams: limits.maxConcurrentStreams } };
}

/** Applies the time limits to every session `server` gets. */
export function limitHttp2Sessions(server: Http2Server, limits: Http2Limits): void {
  server.on('session', (session: ServerHttp2Session) => limitSession(session, limits));
}

function limitSession(session: ServerHttp2Session, limits: Http2Limits): void {
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  const closeWhenIdle = (ms: number) => {
    idle = setTimeout(() => session.close(), ms); // GOAWAY; the socket closes once it is sent
    idle.unref();
  };
  closeWhenIdle(limits.headersTimeoutMs);
  session.on('stream', (stream: ServerHttp2Stream) => {
    open++;
    clearTimeout(idle);
    if (!stream.endAfterHeaders) limitRequest(stream, limits.requestTimeoutMs);
    stream.once('close', () => {
      if (--open === 0 && !session.closed && !session.destroyed) closeWhenIdle(limits.sessionIdleTimeoutMs);
    });
  });
  session.once('close', () => clearTimeout(idle));
}

// Only the request must arrive in time: END_STREAM seen by nghttp2 (state.remoteClose), whether or not
// the handler has read the body yet.
function limitRequest(stream: ServerHttp2Stream, ms: number): void {
  const timer = setTimeout(() => {
    if (stream.closed || stream.destroyed || stream.state.remoteClose) return;
    const answering = stream.headersSent && !stream.state.localClose; // an answer half sent is cut
    if (!stream.headersSent) stream.respond({ ':status': 408 }, { endStream: true });
    // RFC 9113 §8.1: after a complete response, RST_STREAM NO_ERROR asks the client to stop sending.
    stream.close(answering ? http2.constants.NGHTTP2_CANCEL : http2.constants.NGHTTP2_NO_ERROR);
  }, ms);
  timer.unref();
  stream.once('close', () => clearTimeout(timer));
}
