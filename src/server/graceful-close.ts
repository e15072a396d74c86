// Shutdown that always ends: stop accepting, let requests in flight finish, close keep-alive
// connections as soon as they are idle, and after the grace period cut whatever is still open (an
// upload that stalled, a client that never sends the rest). Without the deadline one stalled client
// kept a SIGTERM'd process alive indefinitely, because Node stops enforcing request timeouts once the
// server is closing.
import type { Server } from 'node:http';

const IDLE_SWEEP_MS = 50;

/**
 * Runs `close` (which closes `server`), cutting every connection still open after `graceMs`, and
 * whatever else `cut` cuts then (the HTTP/2 sessions of the same port).
 */
export async function closeWithin(server: Server, close: () => Promise<void>, graceMs: number, cut?: () => void): Promise<void> {
  // A connection whose last response went out while closing is idle from then on: close it then,
  // rather than after its keep-alive timeout.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const deadline = setTimeout(() => {
    server.closeAllConnections();
    cut?.();
  }, graceMs);
  try {
    await close();
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
