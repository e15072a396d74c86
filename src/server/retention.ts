// Background pruning: issued-token and audit rows older than the retention, and oidc-provider payloads
// that have expired. Work is cut into small batches with a pause between them, so a large backlog is
// worked off over seconds while the token endpoint keeps its turns of the event loop.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../store/time.js';

export interface RetentionOptions {
  /** Days an issued-token or audit row is kept; 0 keeps them for good (expired payloads still go). */
  retentionDays: number;
  /** Between two sweeps. Default one minute. */
  intervalMs?: number;
  /** Rows per delete. Default 500. */
  batchSize?: number;
  /** Between two batches of one sweep. Default 5 ms. */
  pauseMs?: number;
}

export interface Retention {
  /** One full sweep now; resolves to the number of rows deleted. */
  sweep(): Promise<number>;
  stop(): void;
}

const DAY_MS = 86_400_000;

export function startRetention(store: Store, clock: Clock, options: RetentionOptions, log?: Logger): Retention {
  const { retentionDays, intervalMs = 60_000, batchSize = 500, pauseMs = 5 } = options;
  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, pauseMs).unref());

  // Deletes batch after batch until one comes back short.
  async function drain(batch: () => number): Promise<number> {
    let total = 0;
    for (;;) {
      if (stopped || !store.isOpen()) return total;
      const deleted = batch();
      total += deleted;
      if (deleted < batchSize) return total;
      await pause();
    }
  }

  async function run(): Promise<number> {
    const now = clock();
    let total = await drain(() => store.retention.pruneExpiredPayloads(Math.floor(now / 1000), batchSize));
    if (retentionDays > 0) {
      const cutoff = now - retentionDays * DAY_MS;
      total += await drain(() => store.retention.pruneIssuedTokens(Math.floor(cutoff / 1000), batchSize));
      total += await drain(() => store.retention.pruneAuditEvents(cutoff, batchSize));
    }
    if (total > 0) log?.info({ deleted: total, retention_days: retentionDays }, 'retention: pruned old rows');
    return total;
  }

  const sweep = () => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweep().then(
        () => schedule(intervalMs),
        (err: unknown) => {
          log?.error({ err }, 'retention: sweep failed');
          schedule(intervalMs);
        },
      );
    }, ms).unref();
  };
  schedule(Math.min(intervalMs, 1000)); // the first sweep soon after start: a restart may find a backlog

  return {
    sweep,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
