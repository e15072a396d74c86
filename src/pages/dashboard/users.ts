// Dashboard › Users: the people who can sign in, and test users made here (email, name, organization,
// an optional password; without one they sign in by email code or an identity provider). A user's page
// lists their passkeys, each removable.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '../../management/errors.js';
import { attempt, type Dashboard, type Problem } from './context.js';
import { password as typedPassword, text, type FormBody } from './forms.js';

interface UserForm {
  email: string;
  name: string;
  organizationId: string;
}

export function userRoutes(app: FastifyInstance, ui: Dashboard): void {
  const { management } = ui;

  const usersPage = async (request: FastifyRequest, reply: FastifyReply, pageToken: string, form: UserForm, problem?: Problem) => {
    const page = await management.users.list({ pageSize: 50, pageToken });
    const organizations = (await management.organizations.list({ pageSize: 100 })).items;
    const names = new Map(organizations.map((o) => [o.id, o.displayName]));
    return ui.render(request, reply, 'users', 'users', {
      title: 'Users',
      users: page.items.map((u) => ({ ...u, organizationName: u.organizationId ? (names.get(u.organizationId) ?? u.organizationId) : '' })),
      nextPageToken: page.nextPageToken,
      organizations: organizations.map((o) => ({ id: o.id, name: o.displayName, selected: o.id === form.organizationId })),
      form,
      ...(problem ? { problem } : {}),
    });
  };

  app.get<{ Querystring: { page_token?: string } }>('/dashboard/users', async (request, reply) =>
    usersPage(request, reply, request.query.page_token ?? '', { email: '', name: '', organizationId: '' }),
  );

  app.post<{ Body: FormBody }>('/dashboard/users', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body;
    const form: UserForm = { email: text(body, 'email'), name: text(body, 'name'), organizationId: text(body, 'organization_id') };
    const password = typedPassword(body, 'password');
    const result = await attempt(() =>
      management.users.create(ui.caller(request), {
        email: form.email,
        name: form.name,
        ...(form.organizationId ? { organizationId: form.organizationId } : {}),
        ...(password !== undefined ? { password } : {}),
      }),
    );
    if (result.problem) return usersPage(request, reply.code(result.problem.status), '', form, result.problem);
    return ui.done(request, reply, '/dashboard/users', `User ${result.ok.email} created (${result.ok.id}).`);
  });

  app.get<{ Params: { id: string } }>('/dashboard/users/:id', async (request, reply) => {
    const user = await management.users.get(request.params.id);
    const organization = user.organizationId ? await management.organizations.get(user.organizationId) : undefined;
    return ui.render(request, reply, 'users', 'user', {
      title: user.email,
      user: { ...user, organizationName: organization?.displayName ?? '' },
      passkeys: (await management.passkeys.list(user.id)).map((p) => ({ ...p, kind: p.backupEligible ? 'Synced passkey' : 'Device-bound passkey' })),
    });
  });

  app.post<{ Params: { id: string; passkeyId: string } }>('/dashboard/users/:id/passkeys/:passkeyId/delete', { preHandler: app.csrfProtection }, async (request, reply) => {
    const user = await management.users.get(request.params.id);
    const passkey = await management.passkeys.get(request.params.passkeyId);
    if (passkey.userId !== user.id) throw new NotFound('credential', passkey.id);
    await management.passkeys.remove(ui.caller(request), passkey.id);
    return ui.done(request, reply, `/dashboard/users/${user.id}`, `Passkey ${passkey.id} removed: it signs no one in any more.`);
  });
}
