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

/** A `datetime-local` value, read as UTC; undefined when blank. */
function utc(value: string | undefined, field: string): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(time)) throw InvalidArgument.field(field, 'must be a date and time such as 2025-01-31T14:00');
  return time;
}

export function auditRoutes(app: FastifyInstance, ui: Dashboard): void {
  app.get<{ Querystring: AuditQuery }>('/dashboard/audit', async (request, reply) => {
    const q = request.query;
    const filter = { client_id: q.client_id?.trim() ?? '', type: q.type?.trim() ?? '', since: q.since ?? '', until: q.until ?? '' };
    const result = await attempt(() => {
      const since = utc(filter.since, 'start_time');
      const until = utc(filter.until, 'end_time');
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
