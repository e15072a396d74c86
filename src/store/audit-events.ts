// The audit log as one stream, newest first: management changes (audit_events) and the tokens issued
// and revoked (read from issued_tokens, which its own writer fills). Paged by (time, id), never by offset.
import type { Scope } from './scope.js';
import { dialectOf, type Sql } from './sql/sql.js';

export interface AuditEvent {
  /** evt_<n> for a management change; the token's jti (tkn_…) for a token event. */
  id: string;
  /** Epoch milliseconds. */
  time: number;
  /** e.g. organization_client.created, client_secret.removed, token.issued, token.revoked */
  type: string;
  /** Who: the caller's client id, 'seed', or for tokens the client that got it. */
  actor: string;
  clientId?: string;
  organizationId?: string;
  resourceId?: string;
  targetId?: string;
  details: Record<string, unknown>;
}

export type AuditEventInput = Omit<AuditEvent, 'id'>;

export interface AuditQuery {
  clientId?: string;
  /** Exact type, or a prefix of dotted types: 'token' matches token.issued and token.revoked. */
  type?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Continue after this event (the last one of the previous page). */
  after?: { time: number; id: string };
  limit: number;
}

export interface AuditEventRepository {
  /** Writes one management change; returns its id. */
  record(event: AuditEventInput): Promise<string>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
}

interface Row {
  time: number;
  id: string;
  type: string;
  actor: string;
  client_id: string | null;
  organization_id: string | null;
  resource_id: string | null;
  target_id: string | null;
  details: string;
}

// evt_ + 17 digits, like Scalekit's ids, growing with the row id so that ids sort in insertion order.
const EVENT_ID = "'evt_' || (10000000000000000 + id)";

const INSERT = `INSERT INTO audit_events (time, type, actor, client_id, organization_id, resource_id, target_id, details)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`;

const matchesType = (type: string, filter: string | undefined) =>
  filter === undefined || type === filter || type.startsWith(`${filter}.`);

export function auditEventRepository({ sql }: Scope): AuditEventRepository {
  return {
    record: async (e) => {
      const { id } = (await sql.get<{ id: number }>(INSERT, [
        e.time,
        e.type,
        e.actor,
        e.clientId ?? null,
        e.organizationId ?? null,
        e.resourceId ?? null,
        e.targetId ?? null,
        JSON.stringify(e.details),
      ]))!;
      return `evt_${10000000000000000n + BigInt(id)}`;
    },
    list: async (q) => {
      const { text, params } = listQuery(sql, q);
      return (await sql.all<Row>(text, params)).map(toEvent);
    },
  };
}

// Each arm filters on its own indexed columns, so the database merges ordered index walks and stops at
// the limit instead of sorting every token ever issued.
function listQuery(sql: Sql, q: AuditQuery): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const arms: string[] = [];

  const tokenFilter = q.type !== undefined && (q.type === 'token' || q.type.startsWith('token.'));
  if (!tokenFilter) {
    const where: string[] = [];
    if (q.type !== undefined) {
      where.push("(type = ? OR type LIKE ? ESCAPE '\\')");
      params.push(q.type, `${q.type.replace(/[%_\\]/g, '\\$&')}.%`);
    }
    if (q.clientId !== undefined) {
      where.push('client_id = ?');
      params.push(q.clientId);
    }
    addBounds(where, params, { column: 'time', unit: 1, id: EVENT_ID }, q);
    arms.push(
      `SELECT time, ${EVENT_ID} AS id, type, actor, client_id, organization_id, resource_id, target_id, details
       FROM audit_events WHERE ${where.join(' AND ') || '1 = 1'}`,
    );
  }
  const details = dialectOf(sql).jsonObject([
    ['grant_type', 'grant_type'],
    ['subject', 'subject'],
    ['scopes', 'scopes'],
    ['audience', 'audience', 'json'],
    ['expires_at', 'expires_at'],
  ]);
  for (const [type, column] of [
    ['token.issued', 'issued_at'],
    ['token.revoked', 'revoked_at'],
  ] as const) {
    if (!matchesType(type, q.type)) continue;
    const where = [`${column} IS NOT NULL`];
    if (q.clientId !== undefined) {
      where.push('client_id = ?');
      params.push(q.clientId);
    }
    addBounds(where, params, { column, unit: 1000, id: 'jti' }, q);
    arms.push(
      `SELECT ${column} * 1000 AS time, jti AS id, '${type}' AS type, client_id AS actor, client_id,
         NULL AS organization_id, NULL AS resource_id, jti AS target_id, ${details} AS details
       FROM issued_tokens WHERE ${where.join(' AND ')}`,
    );
  }
  params.push(q.limit);
  return { text: `${arms.join(' UNION ALL ')} ORDER BY time DESC, id DESC LIMIT ?`, params };
}

// Time bounds and the page cursor on a column counted in `unit` milliseconds (1 or 1000), written
// so that the column's index serves them. Token rows know their second only (the JWT's iat): a range
// includes the whole second of each of its ends.
function addBounds(where: string[], params: unknown[], on: { column: string; unit: 1 | 1000; id: string }, q: AuditQuery): void {
  const { column, unit, id } = on;
  if (q.since !== undefined) {
    where.push(`${column} >= ?`);
    params.push(Math.floor(q.since / unit));
  }
  if (q.until !== undefined) {
    where.push(`${column} < ?`);
    params.push(Math.ceil(q.until / unit));
  }
  if (q.after !== undefined) {
    where.push(`${column} <= ?`);
    where.push(`(${column} * ${unit} < ? OR (${column} * ${unit} = ? AND ${id} < ?))`);
    params.push(Math.floor(q.after.time / unit), q.after.time, q.after.time, q.after.id);
  }
}

const toEvent = (r: Row): AuditEvent => ({
  id: r.id,
  time: r.time,
  type: r.type,
  actor: r.actor,
  ...(r.client_id ? { clientId: r.client_id } : {}),
  ...(r.organization_id ? { organizationId: r.organization_id } : {}),
  ...(r.resource_id ? { resourceId: r.resource_id } : {}),
  ...(r.target_id ? { targetId: r.target_id } : {}),
  details: JSON.parse(r.details) as Record<string, unknown>,
});
