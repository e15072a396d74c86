// pino: JSON lines, with credentials redacted wherever they could appear.
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config/index.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'client_secret',
  'plainSecret',
  'password',
  '*.client_secret',
  '*.plainSecret',
  '*.password',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { err: errorWithoutWireBytes } }, destination);
}

/**
 * pino's error serializer, minus the bytes an error carries from the wire. Node's HTTP parser errors
 * (which Fastify logs at trace as "client error") hold `rawPacket`: the request as received, with its
 * Authorization and Cookie headers and its body. Redaction by path cannot read inside those bytes.
 */
export function errorWithoutWireBytes(err: Error): unknown {
  return withoutBytes(pino.stdSerializers.err(err), 0);
}

function withoutBytes(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[bytes removed]';
  if (Array.isArray(value)) return value.map((v) => withoutBytes(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'rawPacket')
      .map(([key, v]) => [key, withoutBytes(v, depth + 1)]),
  );
}
