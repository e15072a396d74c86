// Background pruning: issued-token and audit rows older than the retention, oidc-provider payloads
// that have expired, self-registered clients never used since they registered (UNUSED_DCR_CLIENT_DAYS),
// and client-ID-metadata-document rows whose cache ran out and that hold no consent. Work is cut into small batches (a delete costs ~30 µs a row: 100 rows hold the
// event loop a few ms), each followed by a pause sized so that pruning takes a small share of the
// event loop: a quarter when the server is idle, a fiftieth while it is busy (the loop was more than
// half used during the last pause), so a backlog never costs the token endpoint its throughput. Replicas
// of one database prune one at a time: a sweep that finds another replica sweeping skips its turn.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../store/time.js';

export interface RetentionOptions {
  /** Days an issued-token or audit row is kept; 0 keeps them for good (expired payloads still go). */
  retentionDays: number;
  /** Days a DCR client never given a code or token is kept; 0 (or absent) keeps them. */
  unusedClientDays?: number;
  /** Between two sweeps. Default one minute. */
  intervalMs?: number;
  /** Rows per delete. Default 100. */
  batchSize?: number;
  /** Least pause between two batches of one sweep (it grows with the batch's duration). Default 10 ms. */
  pauseMs?: number;
}

export interface Retention {
  /** One full sweep now; resolves to the number of rows deleted. */
  sweep(): Promise<number>;
  stop(): void;
}

const DAY_MS = 86_400_000;
const IDLE_SHARE = 0.25; // of the event loop a sweep may take while the server is idle
const BUSY_SHARE = 0.02; // and while it is busy
const BUSY = 0.5; // event-loop utilisation above which the server counts as busy

export function startRetention(store: Store, clock: Clock, options: RetentionOptions, log?: Logger): Retention {
  const { retentionDays, unusedClientDays = 0, intervalMs = 60_000, batchSize = 100, pauseMs = 10 } = options;
  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

  // Deletes batch after batch until one comes back short.
  async function drain(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    let share = IDLE_SHARE;
    for (;;) {
      if (stopped || !store.isOpen()) return total;
      const started = performance.now();
      const deleted = await batch();
      total += deleted;
      if (deleted < batchSize) return total;
      const took = performance.now() - started;
      const before = performance.eventLoopUtilization();
      await pause(Math.max(pauseMs, (took * (1 - share)) / share));
      // How busy the server was while we paused decides the next pause.
      share = performance.eventLoopUtilization(before).utilization > BUSY ? BUSY_SHARE : IDLE_SHARE;
    }
  }

  async function run(): Promise<number> {
    return (await store.retention.alone(prune)) ?? 0;
  }

  async function prune(): Promise<number> {
    const now = clock();
    let total = await drain(() => store.retention.pruneExpiredPayloads(Math.floor(now / 1000), batchSize));
    total += await drain(() => store.retention.pruneExpiredMetadataDocuments(Math.floor(now / 1000), batchSize));
    total += await drain(() => store.retention.pruneExpiredLimitEvents(now, batchSize));
    if (unusedClientDays > 0) total += await drain(() => store.retention.pruneUnusedDcrClients(now - unusedClientDays * DAY_MS, batchSize));
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
