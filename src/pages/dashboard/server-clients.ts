// Dashboard › MCP server › Clients: the server's M2M clients (create one: its secret is shown once),
// and the clients MCP hosts registered themselves (DCR, CIMD).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Resource } from '../../store/resources.js';
import { clientRoutes, revealAndShow, type ClientOwner } from './clients.js';
import { attempt, type Dashboard, type Problem } from './context.js';
import { all, seconds, text, type FormBody } from './forms.js';

type Params = { Params: { id: string } };

export function serverClientRoutes(app: FastifyInstance, ui: Dashboard): void {
  const { management } = ui;

  const ownerOf = async (id: string): Promise<ClientOwner> => {
    const server = await management.resources.get(id);
    const base = `/dashboard/mcp-servers/${server.id}`;
    return {
      section: 'mcp-servers',
      base,
      crumbs: [
        { label: 'MCP servers', href: '/dashboard/mcp-servers' },
        { label: server.name, href: base },
        { label: 'Clients', href: `${base}/clients` },
      ],
      get: (clientId) => management.clients.getResourceClient(server.id, clientId),
      addSecret: (caller, clientId) => management.clients.addResourceClientSecret(caller, server.id, clientId),
      removeSecret: (caller, clientId, secretId) => management.clients.removeResourceClientSecret(caller, server.id, clientId, secretId),
      remove: (caller, clientId) => management.clients.deleteResourceClient(caller, server.id, clientId),
    };
  };

  const clientsPage = async (request: FastifyRequest, reply: FastifyReply, server: Resource, form: { name?: string; description?: string; scopes?: string[]; expiry?: string } = {}, problem?: Problem) => {
    // Each list pages on its own (MCP hosts may have registered many): ?m2m_page=… and ?registered_page=….
    const query = request.query as Record<string, string | undefined>;
    const m2m = await management.clients.listResourceClients(server.id, { ...(query.m2m_page ? { pageToken: query.m2m_page } : {}) }, 'static');
    const registered = await management.clients.listResourceClients(server.id, { ...(query.registered_page ? { pageToken: query.registered_page } : {}) }, 'registered');
    const next = (param: string, token: string) => (token ? `?${new URLSearchParams({ ...pagePositions(query), [param]: token }).toString()}` : '');
    return ui.render(request, reply, 'mcp-servers', 'server-clients', {
      title: `${server.name} · Clients`,
      server,
      tab: 'clients',
      m2m: m2m.items,
      m2mNext: next('m2m_page', m2m.nextPageToken),
      registered: registered.items,
      registeredNext: next('registered_page', registered.nextPageToken),
      form: { name: form.name ?? '', description: form.description ?? '', scopes: form.scopes ?? server.scopes.map((s) => s.name), expiry: form.expiry ?? '3600' },
      ...(problem ? { problem } : {}),
    });
  };

  app.get<Params>('/dashboard/mcp-servers/:id/clients', async (request, reply) => clientsPage(request, reply, await management.resources.get(request.params.id)));

  app.post<Params & { Body: FormBody }>('/dashboard/mcp-servers/:id/clients', { preHandler: app.csrfProtection }, async (request, reply) => {
    const server = await management.resources.get(request.params.id);
    const body = request.body;
    const result = await attempt(() => {
      const expiry = seconds(body, 'expiry');
      return management.clients.createResourceClient(ui.caller(request), server.id, {
        name: text(body, 'name'),
        description: text(body, 'description'),
        scopes: all(body, 'scopes'),
        ...(expiry !== undefined ? { expiry } : {}),
      });
    });
    if (result.problem) {
      const form = { name: text(body, 'name'), description: text(body, 'description'), scopes: all(body, 'scopes'), expiry: text(body, 'expiry') };
      return clientsPage(request, reply.code(result.problem.status), server, form, result.problem);
    }
    return revealAndShow(ui, request, reply, await ownerOf(server.id), result.ok, 'Client created. Copy its secret now: it will not be shown again.');
  });

  clientRoutes(app, ui, '/dashboard/mcp-servers/:id', ownerOf);
}

// Where each list is: kept when the other one moves to its next page.
const pagePositions = (query: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && (e[0] === 'm2m_page' || e[0] === 'registered_page')));
