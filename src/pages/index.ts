// The pages people see, in their own Fastify context: forms (urlencoded), cookies, CSRF tokens on every
// form, templates from views/ (Eta escapes by default), one stylesheet, and readable error pages.
// Nothing here leaks into the OAuth and API routes beside it.
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyView from '@fastify/view';
import type { FastifyInstance } from 'fastify';
import type { EnvironmentContext } from '../oidc/environment.js';
import { errorPageModel, type PageError } from './errors.js';
import { interactionRoutes } from './interaction.js';
import type { Views } from './views.js';

export async function pages(app: FastifyInstance, env: EnvironmentContext, views: Views, cookieSecret: string): Promise<void> {
  await app.register(fastifyCookie, { secret: cookieSecret });
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  await app.register(fastifyCsrf, { cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true } });
  await app.register(fastifyView, { engine: { eta: views.eta }, root: views.dir, production: true });

  app.setErrorHandler(async (err: PageError, request, reply) => {
    const model = errorPageModel(err, env.issuer);
    if (model.status >= 500) request.log.error({ err }, 'page failed');
    return reply.code(model.status).header('cache-control', 'no-store').view('error.eta', model);
  });

  app.get('/assets/styles.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(views.stylesheet),
  );
  await interactionRoutes(app, env);
}
