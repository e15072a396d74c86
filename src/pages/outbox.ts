// GET /outbox: the messages the emulator would have emailed (sign-in codes and links), newest first.
// A page for people; the same URL with `Accept: application/json` answers
// [{id, to, subject, code, link, created_at}] for tests. `?to=<email>` keeps one recipient's.
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import type { OutboxMessage } from '../store/outbox.js';
import { hostOf } from './interaction-context.js';

export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  code: string | null;
  link: string | null;
  created_at: string;
}

const entry = (m: OutboxMessage): OutboxEntry => ({
  id: m.id,
  to: m.to,
  subject: m.subject,
  code: m.code ?? null,
  link: m.link ?? null,
  created_at: new Date(m.createTime).toISOString(),
});

const wantsJson = (accept: string | undefined) => !!accept && accept.includes('application/json') && !accept.includes('text/html');

export function outboxRoutes(app: FastifyInstance, env: EnvironmentContext): void {
  app.get<{ Querystring: { to?: string } }>('/outbox', async (request, reply) => {
    const to = typeof request.query.to === 'string' && request.query.to.trim() ? request.query.to.trim() : undefined;
    const messages = await env.store.outbox.list(to ? { to } : {});
    reply.header('cache-control', 'no-store');
    if (wantsJson(request.headers.accept)) return reply.send(messages.map(entry));
    return reply.view('outbox.eta', {
      title: 'Outbox',
      environmentHost: hostOf(env.issuer),
      wide: true,
      to: to ?? '',
      messages: messages.map((m) => ({ ...entry(m), body: m.body, time: new Date(m.createTime).toISOString().replace('T', ' ').slice(0, 19) })),
    });
  });
}
