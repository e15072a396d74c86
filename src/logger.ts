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
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
