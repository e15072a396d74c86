// Signing in to the dashboard (the environment client's id and secret, or ADMIN_PASSWORD) and out.
// Wrong credentials count against the same attempt limits as the login pages.
import type { FastifyInstance } from 'fastify';
import type { AttemptLimits } from '../../login/attempt-limits.js';
import { hostOf } from '../interaction-context.js';
import { attemptKeys, ensureMayTry } from '../sign-in/attempts.js';
import type { Dashboard } from './context.js';
import { dashboardCaller } from './session.js';

interface SignInForm {
  client_id?: string;
  client_secret?: string;
  password?: string;
}

export function signInRoutes(app: FastifyInstance, ui: Dashboard, options: { limits: AttemptLimits; adminPassword?: string }): void {
  const page = (reply: Parameters<Dashboard['render']>[1], form: { clientId?: string; error?: string } = {}) =>
    reply.header('cache-control', 'no-store').view('dashboard/sign-in.eta', {
      title: 'Dashboard sign-in',
      environmentHost: hostOf(ui.env.issuer),
      csrf: reply.generateCsrf(),
      adminPassword: options.adminPassword !== undefined,
      clientId: form.clientId ?? '',
      ...(form.error ? { error: form.error } : {}),
    });

  app.get('/dashboard/sign-in', async (request, reply) => ((await ui.sessions.of(request)) ? reply.redirect('/dashboard', 303) : page(reply)));

  app.post<{ Body: SignInForm }>('/dashboard/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const form = request.body;
    const keys = attemptKeys(request, form.password !== undefined ? 'dashboard-admin' : `dashboard:${(form.client_id ?? '').trim()}`);
    await ensureMayTry(options.limits, keys, ui.env.clock());
    const signedIn = await dashboardCaller(ui.env.store, options.adminPassword, form);
    if (!signedIn) {
      await options.limits.failed(keys);
      return page(reply.code(401), { clientId: (form.client_id ?? '').trim(), error: 'Those credentials did not sign you in. Check the client ID and secret (or the admin password).' });
    }
    await options.limits.succeeded(keys);
    await ui.sessions.start(reply, signedIn.caller, signedIn.signedInAs);
    return reply.redirect('/dashboard/mcp-servers', 303);
  });

  app.post('/dashboard/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    await ui.sessions.end(request, reply);
    return reply.redirect('/dashboard/sign-in', 303);
  });
}
