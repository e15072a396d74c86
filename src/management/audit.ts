// The audit of management changes: one row in audit_events and one pino line per change (who, what,
// when, ids; never a secret). Lines of changes made inside a transaction are logged once it commits,
// so a seed that fails half-way logs nothing it did not keep. Reading merges in the token events.
import type { Logger } from 'pino';
import type { AuditEvent, AuditQuery } from '../store/audit-events.js';
import type { Store } from '../store/index.js';
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
  record(caller: Caller, change: Change): void;
  /** Runs `fn` in one store transaction; its audit lines are logged after it commits. */
  transaction<T>(fn: () => T): T;
  list(filter: AuditFilter): { events: AuditEvent[]; nextPageToken: string };
}

const PAGE = { defaultSize: 50, maxSize: 500 };

export function createAuditLog(store: Store, clock: Clock, log?: Logger): AuditLog {
  let pending: (() => void)[] | undefined;

  return {
    record(caller, change) {
      const time = clock();
      const id = store.auditEvents.record({ time, actor: caller.actor, ...change, details: change.details ?? {} });
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
      if (pending) pending.push(line);
      else line();
    },
    transaction(fn) {
      if (pending) return fn(); // nested: the outer transaction logs
      pending = [];
      try {
        const result = store.transaction(fn);
        for (const line of pending) line();
        return result;
      } finally {
        pending = undefined;
      }
    },
    list(filter) {
      if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
        throw InvalidArgument.field('start_time', 'must be before end_time');
      }
      const limit = pageSize(filter, PAGE);
      store.issuedTokens.flush();
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
      const rows = store.auditEvents.list(query);
      const events = rows.slice(0, limit);
      const last = events[events.length - 1];
      return { events, nextPageToken: rows.length > limit && last ? encodePageToken([last.time, last.id]) : '' };
    },
  };
}
