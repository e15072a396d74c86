// Dashboard › Organizations: list and create them; an organization's M2M clients (m2morg_…): create one
// (its secret is shown once), and the client pages shared with MCP servers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Organization } from '../../store/organizations.js';
import { clientRoutes, revealAndShow, type ClientOwner } from './clients.js';
import { attempt, type Dashboard, type Problem } from './context.js';
import { lines, seconds, text, type FormBody } from './forms.js';

type Params = { Params: { id: string } };

interface OrganizationClientForm {
  name: string;
  description: string;
  scopes: string;
  audience: string;
  expiry: string;
}

export function organizationRoutes(app: FastifyInstance, ui: Dashboard): void {
  const { management } = ui;

  const listPage = async (request: FastifyRequest, reply: FastifyReply, pageToken: string, form: { displayName: string }, problem?: Problem) => {
    const page = await management.organizations.list({ pageSize: 50, pageToken });
    return ui.render(request, reply, 'organizations', 'organizations', {
      title: 'Organizations',
      organizations: await Promise.all(page.items.map(async (o) => ({ ...o, clientCount: (await management.clients.listOrganizationClients(o.id, { pageSize: 100 })).totalSize }))),
      nextPageToken: page.nextPageToken,
      form,
      ...(problem ? { problem } : {}),
    });
  };

  const organizationPage = async (request: FastifyRequest, reply: FastifyReply, organization: Organization, pageToken: string, form?: OrganizationClientForm, problem?: Problem) => {
    const page = await management.clients.listOrganizationClients(organization.id, { pageSize: 50, pageToken });
    return ui.render(request, reply, 'organizations', 'organization', {
      title: organization.displayName,
      organization,
      clients: page.items,
      nextPageToken: page.nextPageToken,
      members: (await management.users.list({ pageSize: 100 }, organization.id)).items,
      form: form ?? { name: '', description: '', scopes: '', audience: '', expiry: '3600' },
      ...(problem ? { problem } : {}),
    });
  };

  const ownerOf = async (id: string): Promise<ClientOwner> => {
    const organization = await management.organizations.get(id);
    const base = `/dashboard/organizations/${organization.id}`;
    return {
      section: 'organizations',
      base,
      crumbs: [
        { label: 'Organizations', href: '/dashboard/organizations' },
        { label: organization.displayName, href: base },
      ],
      get: (clientId) => management.clients.getOrganizationClient(organization.id, clientId),
      addSecret: (caller, clientId) => management.clients.addOrganizationClientSecret(caller, organization.id, clientId),
      removeSecret: (caller, clientId, secretId) => management.clients.removeOrganizationClientSecret(caller, organization.id, clientId, secretId),
      remove: (caller, clientId) => management.clients.deleteOrganizationClient(caller, organization.id, clientId),
    };
  };

  app.get<{ Querystring: { page_token?: string } }>('/dashboard/organizations', async (request, reply) =>
    listPage(request, reply, request.query.page_token ?? '', { displayName: '' }),
  );

  app.post<{ Body: FormBody }>('/dashboard/organizations', { preHandler: app.csrfProtection }, async (request, reply) => {
    const displayName = text(request.body, 'display_name');
    const result = await attempt(() => management.organizations.create(ui.caller(request), { displayName }));
    if (result.problem) return listPage(request, reply.code(result.problem.status), '', { displayName }, result.problem);
    return ui.done(request, reply, `/dashboard/organizations/${result.ok.id}`, `Organization “${result.ok.displayName}” created.`);
  });

  app.get<Params & { Querystring: { page_token?: string } }>('/dashboard/organizations/:id', async (request, reply) =>
    organizationPage(request, reply, await management.organizations.get(request.params.id), request.query.page_token ?? ''),
  );

  app.post<Params & { Body: FormBody }>('/dashboard/organizations/:id/clients', { preHandler: app.csrfProtection }, async (request, reply) => {
    const organization = await management.organizations.get(request.params.id);
    const body = request.body;
    const form: OrganizationClientForm = {
      name: text(body, 'name'),
      description: text(body, 'description'),
      scopes: text(body, 'scopes'),
      audience: text(body, 'audience'),
      expiry: text(body, 'expiry'),
    };
    const result = await attempt(() => {
      const expiry = seconds(body, 'expiry');
      return management.clients.createOrganizationClient(ui.caller(request), organization.id, {
        name: form.name,
        description: form.description,
        scopes: form.scopes.split(/[\s,]+/).filter(Boolean),
        audience: lines(body, 'audience'),
        ...(expiry !== undefined ? { expiry } : {}),
      });
    });
    if (result.problem) return organizationPage(request, reply.code(result.problem.status), organization, '', form, result.problem);
    return revealAndShow(ui, request, reply, await ownerOf(organization.id), result.ok, 'Client created. Copy its secret now: it will not be shown again.');
  });

  clientRoutes(app, ui, '/dashboard/organizations/:id', ownerOf);
}
