// Runs the built command-line entry (`node dist/src/cli/main.js start`) as a user would. In the
// PostgreSQL run of the suite (databases.ts), a start without DATABASE_URL gets a fresh database, one
// per DATA_DIR (a restart on the same folder finds its data again), dropped after the test file; a
// DATA_DIR that already holds a SQLite database (a test made it on purpose) stays on it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseOfApp, onPostgres } from './databases.js';

const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface RunningCli {
  url: string;
  pid: number;
  output: () => string;
  /** What it wrote on stderr alone. */
  stderr: () => string;
  /** SIGTERM; resolves to the exit code (null when a signal ended it). */
  stop: () => Promise<number | null>;
  /** Sends `signal` (e.g. SIGKILL) and resolves once the process is gone. */
  kill: (signal: NodeJS.Signals) => Promise<void>;
}

/** `env` with the DATABASE_URL of its DATA_DIR in the PostgreSQL run; as given otherwise. */
async function onItsDatabase(env: Record<string, string>): Promise<Record<string, string>> {
  if (!onPostgres() || env.DATABASE_URL !== undefined) return env;
  if (env.DATA_DIR !== undefined && existsSync(join(env.DATA_DIR, 'emulator.sqlite'))) return env;
  return { ...env, DATABASE_URL: (await databaseOfApp(env.DATA_DIR ?? '(no DATA_DIR)')).url };
}

export async function startCli(given: Record<string, string>, timeoutMs = 15_000): Promise<RunningCli> {
  const env = await onItsDatabase(given);
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /emulator listening: (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, pid: child.pid!, output: () => output, stderr: () => stderr, stop: () => stop(child), kill: (signal) => kill(child, signal) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode); // gone already (a kill -9 too)
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Runs `start` expecting it to fail; resolves to its exit code and everything it printed. */
export async function failingStart(given: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const env = await onItsDatabase(given);
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** Runs `node ...args` to its end (killed after 15 s); resolves to its exit code and what it printed on each stream. */
export function runNode(args: string[], env?: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { ...(env ? { env } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Runs one built CLI command to its end (an API command against a running server). */
export function runCli(args: string[], env: Record<string, string>) {
  return runNode([MAIN, ...args], { PATH: process.env.PATH ?? '', ...env });
}

/** Whether a process with this id is still running. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
