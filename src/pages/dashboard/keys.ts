// Dashboard › Signing keys: the keys published at /keys with their state, and rotation. A rotated-in
// key is published at once and signs after the chosen delay, so MCP servers that cached /keys (the
// Scalekit SDKs cache it for good) can fetch it first.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { attempt, type Dashboard, type Problem } from './context.js';
import { text, type FormBody } from './forms.js';

const SWITCH_DELAYS = [
  { seconds: 0, label: 'now' },
  { seconds: 3600, label: 'in 1 hour' },
  { seconds: 86400, label: 'in 1 day' },
];

const STATE_LABELS: Record<string, string> = { current: 'Signing', next: 'Published, signs later', previous: 'Published, no longer signs', retired: 'Retired' };

export function keyRoutes(app: FastifyInstance, ui: Dashboard): void {
  const { management } = ui;
  const time = (iso?: string) => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '—');
  const cell = (iso?: string) => (iso ? { date: iso.slice(0, 10), time: `${iso.slice(11, 16)} UTC` } : undefined);

  const keysPage = async (request: FastifyRequest, reply: FastifyReply, problem?: Problem) =>
    ui.render(request, reply, 'keys', 'keys', {
      title: 'Signing keys',
      keysUrl: `${ui.env.issuer}/keys`,
      keys: (await management.keys.list()).map((k) => ({ ...k, stateLabel: STATE_LABELS[k.state] ?? k.state, created: cell(k.createTime), activates: cell(k.activateTime), retires: cell(k.retireTime) })),
      delays: SWITCH_DELAYS,
      ...(problem ? { problem } : {}),
    });

  app.get('/dashboard/keys', async (request, reply) => keysPage(request, reply));

  app.post<{ Body: FormBody }>('/dashboard/keys/rotate', { preHandler: app.csrfProtection }, async (request, reply) => {
    const delay = Number(text(request.body, 'switch_after_seconds') || '3600');
    const result = await attempt(() => management.keys.rotate(ui.caller(request), { switchAfterSeconds: delay }));
    if (result.problem) return keysPage(request, reply.code(result.problem.status), result.problem);
    return ui.done(request, reply, '/dashboard/keys', `Key ${result.ok.kid} is published at /keys and signs from ${time(result.ok.activateTime)}.`);
  });
}
