// The audit of management changes: one row in audit_events and one pino line per change (who, what,
// when, ids; never a secret). Lines of changes made inside a transaction are logged once it commits,
// so a seed that fails half-way logs nothing it did not keep. Reading merges in the token events.
import type { Logger } from 'pino';
import type { AuditEvent, AuditQuery } from '../store/audit-events.js';
import type { Repositories } from '../store/index.js';
import type { Clock } from '../store/time.js';
import { InvalidArgument } from './errors.js';
import { decodePageToken, encodePageToken, pageSize, type PageRequest } from './paging.js';

/** Who asks for a change: the environment client's id (skc_…) for API calls, 'seed' for the seed file. */
export interface Caller {
  actor: string;
}

export interface Change {
  type: string;
  clientId?: string;
  organizationId?: string;
  resourceId?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export interface AuditFilter extends PageRequest {
  clientId?: string;
  type?: string;
  /** Epoch ms, inclusive / exclusive. */
  since?: number;
  until?: number;
}

export interface AuditLog {
  /** Writes the change through `repos` (in their transaction, when they are a transaction's). */
  record(repos: Repositories, caller: Caller, change: Change): Promise<void>;
  /**
   * Runs `fn` in one store transaction (joining the one open, when the store is a transaction's); the
   * audit lines of its changes are logged after it commits.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  list(filter: AuditFilter): Promise<{ events: AuditEvent[]; nextPageToken: string }>;
}

const PAGE = { defaultSize: 50, maxSize: 500 };

// The lines waiting for a transaction's commit, by the transaction's repositories: shared by every
// audit log, so a service bound to a transaction (the seed's) leaves its lines to whoever opened it.
const pending = new WeakMap<Repositories, (() => void)[]>();

export function createAuditLog(store: Repositories, clock: Clock, log?: Logger): AuditLog {
  return {
    async record(repos, caller, change) {
      const time = clock();
      const id = await repos.auditEvents.record({ time, actor: caller.actor, ...change, details: change.details ?? {} });
      const line = () =>
        log?.info(
          {
            audit: change.type,
            id,
            actor: caller.actor,
            time: new Date(time).toISOString(),
            ...(change.clientId ? { client_id: change.clientId } : {}),
            ...(change.organizationId ? { organization_id: change.organizationId } : {}),
            ...(change.resourceId ? { resource_id: change.resourceId } : {}),
            ...(change.targetId ? { target_id: change.targetId } : {}),
            ...(change.details ? { details: change.details } : {}),
          },
          'management change',
        );
      const waiting = pending.get(repos);
      if (waiting) waiting.push(line);
      else line();
    },
    async transaction(fn) {
      let lines: (() => void)[] | undefined;
      const result = await store.transaction(async (tx) => {
        if (pending.has(tx)) return fn(tx); // joined: whoever opened it logs
        pending.set(tx, (lines = []));
        try {
          return await fn(tx);
        } finally {
          pending.delete(tx);
        }
      });
      for (const line of lines ?? []) line();
      return result;
    },
    async list(filter) {
      if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
        throw InvalidArgument.field('start_time', 'must be before end_time');
      }
      const limit = pageSize(filter, PAGE);
      await store.issuedTokens.flush();
      const query: AuditQuery = {
        limit: limit + 1,
        ...(filter.clientId ? { clientId: filter.clientId } : {}),
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.since !== undefined ? { since: filter.since } : {}),
        ...(filter.until !== undefined ? { until: filter.until } : {}),
      };
      if (filter.pageToken) {
        const [time, id] = decodePageToken(filter.pageToken, 2);
        if (typeof time !== 'number' || typeof id !== 'string') throw InvalidArgument.field('page_token', 'is not a page token of this list');
        query.after = { time, id };
      }
      const rows = await store.auditEvents.list(query);
      const events = rows.slice(0, limit);
      const last = events[events.length - 1];
      return { events, nextPageToken: rows.length > limit && last ? encodePageToken([last.time, last.id]) : '' };
    },
  };
}
