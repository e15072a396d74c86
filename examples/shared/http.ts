// Small node:http helpers shared by the examples: JSON answers, reading a body, listen/close.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpApp {
  /** Where the app listens, e.g. http://localhost:3002 (set once `listen` resolved). */
  readonly url: string;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

/** Wraps a handler in a server; an unexpected error becomes a 500 instead of a crash. */
export function createHttpApp(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): HttpApp {
  const listener: RequestListener = (req, res) => {
    handler(req, res).catch((err: unknown) => {
      console.error(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.end();
    });
  };
  const server = createServer(listener);
  let url = '';
  return {
    get url() {
      return url;
    },
    listen(port = 0, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const bound = (server.address() as AddressInfo).port;
          const name = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          url = `http://${name}:${bound}`;
          resolve(url);
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits. */
export function onShutdown(stop: () => Promise<void>): void {
  const handler = (signal: NodeJS.Signals) => {
    console.log(`${signal}: shutting down`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/**
 * Stops with one line saying what went wrong (and its cause, such as the refused connection behind
 * "fetch failed"), exit code 1: for a person at a terminal, a stack trace says less.
 */
export function exitWithMessage(program: string, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  console.error(`${program}: ${message}${cause}`);
  process.exit(1);
}

/** Reads an environment variable, or stops with a message naming it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}
