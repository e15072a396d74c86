// Dashboard › Consents: what people approved for the clients of each MCP server, and revoking it (the
// grant and its refresh tokens go at once; the next authorization asks the person again).
import type { FastifyInstance } from 'fastify';
import type { Dashboard } from './context.js';
import { text, type FormBody } from './forms.js';

interface ConsentQuery {
  server?: string;
  q?: string;
  page_token?: string;
}

export function consentRoutes(app: FastifyInstance, ui: Dashboard): void {
  const { management } = ui;

  app.get<{ Querystring: ConsentQuery }>('/dashboard/consents', async (request, reply) => {
    const servers = (await management.resources.list({ pageSize: 30 })).items;
    const serverId = request.query.server || servers[0]?.id || '';
    const search = request.query.q ?? '';
    const page = serverId ? await management.consents.listResourceUserConsents(serverId, search, { pageSize: 50, pageToken: request.query.page_token ?? '' }) : undefined;
    const chosen = servers.find((s) => s.id === serverId) ?? (serverId ? await management.resources.get(serverId) : undefined);
    return ui.render(request, reply, 'consents', 'consents', {
      title: 'Consents',
      servers: [...servers, ...(chosen && !servers.some((s) => s.id === chosen.id) ? [chosen] : [])].map((s) => ({ id: s.id, name: s.name, selected: s.id === serverId })),
      server: chosen,
      search,
      consents: page?.items ?? [],
      nextPageToken: page?.nextPageToken ?? '',
    });
  });

  app.post<{ Params: { consentId: string }; Body: FormBody }>('/dashboard/consents/:consentId/revoke', { preHandler: app.csrfProtection }, async (request, reply) => {
    const clientId = text(request.body, 'client_id');
    const server = text(request.body, 'server');
    await management.consents.revoke(ui.caller(request), clientId, request.params.consentId);
    return ui.done(request, reply, `/dashboard/consents?server=${encodeURIComponent(server)}`, 'Consent revoked. The client’s next authorization asks again.');
  });
}
