// Spawning, readiness and shutdown of the server under test.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort() {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  return port;
}

// If the runner is interrupted, take the server under test down with it.
const live = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

/** Spawns `node ...args`; stdout/stderr are drained into a short tail for error messages. */
export function spawnNode(name, args, { env, cwd } = {}) {
  const { DEBUG, NODE_OPTIONS, ...base } = process.env; // keep noise and flags out of the child
  const child = spawn(process.execPath, args, { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.tail = '';
  const keep = (chunk) => { child.tail = (child.tail + chunk).slice(-4000); };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  live.add(child);
  child.exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    return { code, signal };
  });
  return child;
}

function diedError(child, what) {
  return new Error(`${child.label} exited before ${what} (code ${child.exitCode}, signal ${child.signalCode}).\n`
    + `--- last output ---\n${child.tail.trim()}`);
}

/** Polls `probe()` every `everyMs` until it returns true; fails if the child dies or on timeout. */
export async function pollUntil(child, what, probe, { everyMs, timeoutMs = 30_000 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw diedError(child, what);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${child.label}: timed out waiting for ${what}\n${child.tail.trim()}`);
    await sleep(everyMs);
  }
}

export async function waitForStdoutReady(child, timeoutMs = 30_000) {
  const ready = new Promise((resolve) => {
    let seen = '';
    child.stdout.on('data', (chunk) => { seen += chunk; if (/^ready$/m.test(seen)) resolve(); });
  });
  const died = child.exited.then(() => { throw diedError(child, '"ready"'); });
  const timeout = sleep(timeoutMs).then(() => { throw new Error(`${child.label}: no "ready" within ${timeoutMs} ms`); });
  await Promise.race([ready, died, timeout]);
}

/** Sends `signal` and waits for exit, escalating to SIGKILL after `graceMs`. */
export async function stopChild(child, signal = 'SIGTERM', graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exited;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}
