// Dashboard › Test users: Scalekit's allow-list of up to 5 `+sktest` emails that sign in with a static
// code and get no email (Scalekit's Dashboard > Environment settings > Test users). Saved through the
// management service, which checks and audits it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TestUserAllowList } from '../../management/test-users.js';
import { attempt, type Dashboard, type Problem } from './context.js';
import { checked, text, type FormBody } from './forms.js';

const SLOTS = 5;

export function testUserRoutes(app: FastifyInstance, ui: Dashboard): void {
  const page = (request: FastifyRequest, reply: FastifyReply, form: TestUserAllowList, problem?: Problem) =>
    ui.render(request, reply, 'test-users', 'test-users', {
      title: 'Test users',
      form: { ...form, emails: Array.from({ length: SLOTS }, (_, i) => form.emails[i] ?? '') },
      ...(problem ? { problem } : {}),
    });

  app.get('/dashboard/test-users', async (request, reply) => page(request, reply, await ui.management.testUsers.get()));

  app.post<{ Body: FormBody }>('/dashboard/test-users', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body;
    const form: TestUserAllowList = {
      enabled: checked(body, 'enabled'),
      emails: Array.from({ length: SLOTS }, (_, i) => text(body, `email.${i}`)).filter(Boolean),
      staticCode: text(body, 'static_code'),
    };
    const result = await attempt(() => ui.management.testUsers.update(ui.caller(request), form));
    if (result.problem) return page(request, reply.code(result.problem.status), form, result.problem);
    return ui.done(request, reply, '/dashboard/test-users', result.ok.enabled ? 'Test users saved and on.' : 'Test users saved; they are off.');
  });
}
