// The dashboard at /dashboard, in its own context: sign-in first (an onRequest hook sends anyone else
// to the sign-in page), then the sections. Every change goes through the management service, which
// validates and audits it; its errors become readable messages on the page.
import type { FastifyInstance } from 'fastify';
import type { AttemptLimits } from '../../login/attempt-limits.js';
import { ManagementError } from '../../management/errors.js';
import type { ManagementService } from '../../management/service.js';
import type { EnvironmentContext } from '../../oidc/environment.js';
import { errorPageModel, PageNotFound, type PageError } from '../errors.js';
import { auditRoutes } from './audit.js';
import { consentRoutes } from './consents.js';
import { consentScreenRoutes } from './consent-screen.js';
import { dashboard, problemOf } from './context.js';
import { environmentRoutes } from './environment.js';
import { keyRoutes } from './keys.js';
import { mcpServerRoutes } from './mcp-servers.js';
import { organizationRoutes } from './organizations.js';
import { serverClientRoutes } from './server-clients.js';
import { dashboardSessions } from './session.js';
import { signInRoutes } from './sign-in.js';
import { testUserRoutes } from './test-users.js';
import { userRoutes } from './users.js';

export interface DashboardOptions {
  env: EnvironmentContext;
  management: ManagementService;
  limits: AttemptLimits;
  adminPassword?: string;
}

const OPEN_PATHS = new Set(['/dashboard/sign-in']);

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const { env, management } = options;
  const sessions = dashboardSessions(env.store.dashboardSessions, env.clock);
  const ui = dashboard(env, management, sessions);

  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_PATHS.has(request.url.split('?')[0]!)) return;
    if (!(await sessions.of(request))) return reply.header('cache-control', 'no-store').redirect('/dashboard/sign-in', 303);
  });

  // A management error (an unknown id in the URL, a refused change without a form to show it on) gets
  // the dashboard's frame; anything else the pages' error page.
  app.setErrorHandler(async (err: PageError, request, reply) => {
    if (err instanceof PageNotFound && (await sessions.of(request))) {
      return ui.render(request, reply.code(404), undefined, 'not-found', { title: 'Page not found' });
    }
    if (err instanceof ManagementError && (await sessions.of(request))) {
      const problem = problemOf(err);
      if (problem.status >= 500) request.log.error({ err }, 'dashboard failed');
      return ui.render(request, reply.code(problem.status), 'mcp-servers', 'problem', { title: 'Not possible', problem });
    }
    const model = errorPageModel(err, env.issuer);
    if (model.status >= 500) request.log.error({ err }, 'dashboard failed');
    if (model.retryAfter !== undefined) reply.header('retry-after', String(model.retryAfter));
    return reply.code(model.status).header('cache-control', 'no-store').view('error.eta', { ...model, next: model.code === 'invalid_csrf_token' ? 'Go back, reload the page and try again.' : 'Go back to the dashboard and try again.' });
  });

  app.get('/dashboard', async (_request, reply) => reply.redirect('/dashboard/mcp-servers', 303));
  signInRoutes(app, ui, { limits: options.limits, ...(options.adminPassword ? { adminPassword: options.adminPassword } : {}) });
  mcpServerRoutes(app, ui);
  serverClientRoutes(app, ui);
  organizationRoutes(app, ui);
  userRoutes(app, ui);
  testUserRoutes(app, ui);
  consentRoutes(app, ui);
  consentScreenRoutes(app, ui);
  environmentRoutes(app, ui);
  keyRoutes(app, ui);
  auditRoutes(app, ui);
  // Any other address below /dashboard: a 404 in the dashboard's frame (signed-out visitors sign in first).
  app.all('/dashboard/*', async () => {
    throw new PageNotFound();
  });
}
