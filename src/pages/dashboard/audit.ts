// Dashboard › Audit log: every management change and every token issued or revoked, newest first,
// filtered by client, type and time (UTC), a page at a time.
import type { FastifyInstance } from 'fastify';
import { InvalidArgument } from '../../management/errors.js';
import { attempt, type Dashboard } from './context.js';

interface AuditQuery {
  client_id?: string;
  type?: string;
  since?: string;
  until?: string;
  page_token?: string;
}

// Known types, offered as suggestions (the filter also takes a prefix such as `token`).
const TYPES = [
  'token',
  'token.issued',
  'token.revoked',
  'resource.created',
  'resource.updated',
  'resource.deleted',
  'resource_client.created',
  'resource_client.registered',
  'resource_client.deleted',
  'organization.created',
  'organization_client.created',
  'organization_client.deleted',
  'client_secret.created',
  'client_secret.removed',
  'user.created',
  'user_consent.revoked',
  'signing_key.rotated',
];

// A time as the filter takes it: ISO 8601's order, year first, in UTC (never a locale's mm/dd/yyyy).
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?\s*(?:Z|UTC)?$/i;
const DAY_MS = 86_400_000;

/**
 * `2025-01-31 14:00` (or `2025-01-31T14:00`, `2025-01-31`), read as UTC; undefined when blank. A day
 * alone is its start, or for the end of a range the whole day.
 */
function utc(value: string | undefined, field: string, end = false): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const match = ISO_TIME.exec(text);
  const iso = match ? `${match[1]}T${(match[2] ?? '00:00').padEnd(8, ':00')}` : '';
  const time = Date.parse(`${iso}Z`);
  // Date.parse rolls 2025-02-30 over to March: only a time that reads back the same is one.
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== iso) throw InvalidArgument.field(field, 'must be a UTC date and time written year first, such as 2025-01-31 14:00');
  return end && match![2] === undefined ? time + DAY_MS - 1 : time;
}

export function auditRoutes(app: FastifyInstance, ui: Dashboard): void {
  app.get<{ Querystring: AuditQuery }>('/dashboard/audit', async (request, reply) => {
    const q = request.query;
    const filter = { client_id: q.client_id?.trim() ?? '', type: q.type?.trim() ?? '', since: q.since ?? '', until: q.until ?? '' };
    const result = await attempt(() => {
      const since = utc(filter.since, 'start_time');
      const until = utc(filter.until, 'end_time', true);
      return ui.management.audit.list({
        pageSize: 50,
        pageToken: q.page_token ?? '',
        ...(filter.client_id ? { clientId: filter.client_id } : {}),
        ...(filter.type ? { type: filter.type } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      });
    });
    const events = result.problem ? [] : result.ok.events;
    const next = result.problem ? '' : result.ok.nextPageToken;
    return ui.render(request, result.problem ? reply.code(result.problem.status) : reply, 'audit', 'audit', {
      title: 'Audit log',
      filter,
      types: TYPES,
      events: events.map((e) => ({
        ...e,
        when: new Date(e.time).toISOString().replace('T', ' ').slice(0, 19),
        detailsText: Object.entries(e.details)
          .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join('\n'),
      })),
      nextPage: next ? `?${new URLSearchParams({ ...filter, page_token: next }).toString()}` : '',
      firstPage: q.page_token ? `?${new URLSearchParams(filter).toString()}` : '',
      ...(result.problem ? { problem: result.problem } : {}),
    });
  });
}
