// The pages people see, in their own Fastify context: the hosted login and consent pages, the outbox
// and the dashboard. Forms (urlencoded), cookies, a CSRF token on every form, templates from views/
// (Eta escapes by default), one stylesheet, and readable error pages. Nothing here leaks into the OAuth
// and API routes beside it.
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyView from '@fastify/view';
import type { FastifyInstance } from 'fastify';
import type { LoginMethod } from '../config/index.js';
import { createEmailSignIn } from '../login/email-sign-in.js';
import { createMailer } from '../login/mailer.js';
import { createPasskeyCeremonies } from '../login/passkeys.js';
import type { ManagementService } from '../management/service.js';
import type { EnvironmentContext } from '../oidc/environment.js';
import { overHttps } from '../routes/forwarded.js';
import { dashboardRoutes } from './dashboard/index.js';
import { errorPageModel, PageNotFound, TooManyAttempts, type PageError } from './errors.js';
import { ISSUER_PREFIXES, signInContext } from './interaction-context.js';
import { interactionRoutes } from './interaction.js';
import { outboxRoutes } from './outbox.js';
import { secureCookies } from './secure-cookies.js';
import type { Views } from './views.js';

export interface PageSettings {
  loginMethod: LoginMethod;
  adminPassword?: string;
  smtpUrl?: string;
}

export interface PagesOptions {
  env: EnvironmentContext;
  views: Views;
  /** Signs the CSRF and session cookies. */
  cookieSecret: string;
  management: ManagementService;
  settings: PageSettings;
}

export async function pages(app: FastifyInstance, options: PagesOptions): Promise<void> {
  const { env, views, management, settings } = options;
  await app.register(fastifyCookie, { secret: options.cookieSecret });
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  // Secure when the issuer is https (TLS here, or a proxy in front): read at each cookie, since the
  // issuer is known only once the server listens.
  const csrfCookie = { path: '/', sameSite: 'strict', httpOnly: true, signed: true, get secure() { return env.issuer.startsWith('https:'); } } as const;
  await app.register(fastifyCsrf, { cookieOpts: csrfCookie });
  await app.register(fastifyView, { engine: { eta: views.eta }, root: views.dir, production: true });

  // No page may be sniffed, or leak its URL (a sign-in link's token) to another site; framing is refused
  // for every response (routes/frame-guard.ts). Every cookie set here is Secure when the browser came over
  // https (routes/forwarded.ts); this hook runs after @fastify/cookie's, which writes Set-Cookie.
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (overHttps(request, env.issuer)) secureCookies(reply);
  });

  app.setErrorHandler(async (err: PageError, request, reply) => {
    const model = errorPageModel(err, env.issuer);
    if (model.status >= 500) request.log.error({ err }, 'page failed');
    if (err instanceof TooManyAttempts) reply.header('retry-after', String(err.retryAfterSeconds));
    if (model.retryAfter !== undefined) reply.header('retry-after', String(model.retryAfter));
    return reply.code(model.status).header('cache-control', 'no-store').view('error.eta', model);
  });

  app.get('/assets/styles.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(views.stylesheet),
  );
  app.get('/assets/dashboard.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(views.script),
  );
  app.get('/assets/passkeys.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(views.passkeyScript),
  );
  // Browsers also ask for /favicon.ico on pages that name no icon (JSON documents, /keys).
  for (const path of ['/assets/favicon.svg', '/favicon.ico']) {
    app.get(path, async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(views.favicon));
  }

  const mailer = createMailer({ outbox: env.store.outbox, log: env.log, environmentUrl: () => env.issuer, ...(settings.smtpUrl ? { smtpUrl: settings.smtpUrl } : {}) });
  const limits = env.attemptLimits;
  const signIn = signInContext({
    env,
    management,
    emailSignIn: createEmailSignIn({ codes: env.store.emailCodes, mailer, clock: env.clock, testUsers: env.settings.testUsers, allowList: env.store.testUsers }),
    passkeys: createPasskeyCeremonies({ passkeys: env.store.passkeys, clock: env.clock }),
    limits,
    loginMethod: settings.loginMethod,
  });
  interactionRoutes(app, signIn);
  // The outbox shows every code sent: an emulation shortcut, not served with EMULATION_SHORTCUTS=off.
  if (env.settings.emulationShortcuts) outboxRoutes(app, env);
  // Unknown addresses under these pages answer the 404 page in their look (the API's stay JSON); the
  // dashboard has its own, in its frame. Real routes win over these wildcards.
  const issuerPages = ISSUER_PREFIXES.flatMap((prefix) => [`${prefix}/interaction/*`, `${prefix}/device/*`]);
  for (const path of ['/assets/*', '/outbox/*', '/oidc/logout/*', ...issuerPages]) {
    app.all(path, async () => {
      throw new PageNotFound();
    });
  }
  await app.register(async (scope) =>
    dashboardRoutes(scope, { env, management, limits, ...(settings.adminPassword ? { adminPassword: settings.adminPassword } : {}) }),
  );
}
