// Dashboard › Environment: the environment's own API client (skc_…, Scalekit's environment app client):
// its name, scopes, redirect URIs and token lifetime, its secrets (add, turn off or on, delete); the
// environment's scopes, which are what that client may hold; and the identity providers, besides the
// environment, whose ID-JAGs MCP servers with xaa_enabled accept.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../management/audit.js';
import type { ClientView } from '../../management/clients.js';
import { attempt, type Dashboard, type Problem } from './context.js';
import { checked, lines, seconds, text, type FormBody } from './forms.js';

type Params = { Params: { id: string } };

export function environmentRoutes(app: FastifyInstance, ui: Dashboard): void {
  const { management } = ui;
  const client = async (): Promise<ClientView> => (await management.clients.listEnvironmentClients({ pageSize: 30 })).items[0]!;

  const page = async (request: FastifyRequest, reply: FastifyReply, extra: { problem?: Problem; revealed?: string } = {}) => {
    const { client: c, secrets } = await client();
    return ui.render(request, reply, 'environment', 'environment', {
      title: 'Environment',
      client: c,
      form: { name: c.name, scopes: c.scopes.join(' '), redirectUris: c.redirectUris.join('\n'), postLogoutRedirectUris: (c.metadata.post_logout_redirect_uris ?? []).join('\n'), expiry: String(c.expiry) },
      secrets,
      scopes: await management.scopes.list(),
      identityProviders: await management.trustedIdentityProviders.list(),
      ...extra,
    });
  };
  const act = async (request: FastifyRequest, reply: FastifyReply, action: () => unknown, notice: string) => {
    const result = await attempt(action);
    if (result.problem) return page(request, reply.code(result.problem.status), { problem: result.problem });
    return ui.done(request, reply, '/dashboard/environment', notice);
  };

  app.get('/dashboard/environment', async (request, reply) => page(request, reply));

  app.post<{ Body: FormBody }>('/dashboard/environment/client', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body;
    return act(
      request,
      reply,
      async () =>
        management.clients.updateEnvironmentClient(ui.caller(request), (await client()).client.clientId, {
          name: text(body, 'name'),
          scopes: text(body, 'scopes').split(/\s+/).filter(Boolean),
          redirectUris: lines(body, 'redirect_uris'),
          postLogoutRedirectUris: lines(body, 'post_logout_redirect_uris'),
          ...(seconds(body, 'access_token_expiry') !== undefined ? { expiry: seconds(body, 'access_token_expiry')! } : {}),
        }),
      'Saved.',
    );
  });

  app.post('/dashboard/environment/secrets', { preHandler: app.csrfProtection }, async (request, reply) => {
    const result = await attempt(async () => management.clients.addEnvironmentClientSecret(ui.caller(request), (await client()).client.clientId));
    if (result.problem) return page(request, reply.code(result.problem.status), { problem: result.problem });
    return page(request, reply, { revealed: result.ok.plainSecret });
  });
  app.post<Params & { Body: FormBody }>('/dashboard/environment/secrets/:id/status', { preHandler: app.csrfProtection }, async (request, reply) => {
    const status = text(request.body, 'status') === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE';
    const id = request.params.id;
    return act(request, reply, async () => management.clients.setEnvironmentClientSecretStatus(ui.caller(request), (await client()).client.clientId, id, status), `Secret ${id} is ${status === 'ACTIVE' ? 'on' : 'off'}.`);
  });
  app.post<Params>('/dashboard/environment/secrets/:id/delete', { preHandler: app.csrfProtection }, async (request, reply) =>
    act(request, reply, async () => management.clients.removeEnvironmentClientSecret(ui.caller(request), (await client()).client.clientId, request.params.id), `Secret ${request.params.id} deleted.`),
  );

  // One provider added or removed: the list read and replaced in one transaction, so two edits at once both count.
  const editProviders = (caller: Caller, edit: (list: { issuer: string; jwksUri: string }[]) => { issuer: string; jwksUri: string }[]) =>
    management.transaction(async (m) => m.trustedIdentityProviders.replace(caller, edit((await m.trustedIdentityProviders.list()).map(({ issuer, jwksUri }) => ({ issuer, jwksUri })))));
  app.post<{ Body: FormBody }>('/dashboard/environment/identity-providers', { preHandler: app.csrfProtection }, async (request, reply) => {
    const issuer = text(request.body, 'issuer');
    const added = { issuer, jwksUri: text(request.body, 'jwks_uri') };
    return act(request, reply, () => editProviders(ui.caller(request), (list) => [...list.filter((p) => p.issuer !== issuer), added]), `Identity provider ${issuer} trusted.`);
  });
  app.post<{ Body: FormBody }>('/dashboard/environment/identity-providers/remove', { preHandler: app.csrfProtection }, async (request, reply) => {
    const issuer = text(request.body, 'issuer');
    return act(request, reply, () => editProviders(ui.caller(request), (list) => list.filter((p) => p.issuer !== issuer)), `Identity provider ${issuer} no longer trusted.`);
  });

  app.post<{ Body: FormBody }>('/dashboard/environment/scopes', { preHandler: app.csrfProtection }, async (request, reply) => {
    const name = text(request.body, 'name');
    return act(request, reply, () => management.scopes.create(ui.caller(request), { name, description: text(request.body, 'description') }), `Scope ${name} created.`);
  });
  app.post<Params & { Body: FormBody }>('/dashboard/environment/scopes/:id', { preHandler: app.csrfProtection }, async (request, reply) => {
    const enabled = checked(request.body, 'enabled');
    return act(request, reply, () => management.scopes.update(ui.caller(request), request.params.id, { enabled }), `Scope ${enabled ? 'on' : 'off'}.`);
  });
  app.post<Params>('/dashboard/environment/scopes/:id/delete', { preHandler: app.csrfProtection }, async (request, reply) =>
    act(request, reply, () => management.scopes.delete(ui.caller(request), request.params.id), 'Scope deleted.'),
  );
}
