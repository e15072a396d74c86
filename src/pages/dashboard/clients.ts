// Dashboard › a client of an MCP server or of an organization: its details, its secrets (a new one is
// shown exactly once, on the page right after it was made, then only its last four characters), secret
// rotation, and deletion. Both owners share these pages; only the service calls differ.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../management/audit.js';
import type { ClientView, CreatedClient } from '../../management/clients.js';
import type { CreatedSecret } from '../../store/secrets.js';
import type { Dashboard, Section } from './context.js';

/** Whose client it is, and the service calls for that owner. */
export interface ClientOwner {
  section: Section;
  /** '/dashboard/mcp-servers/res_…' or '/dashboard/organizations/org_…'. */
  base: string;
  /** The breadcrumb back to the owner. */
  crumbs: { label: string; href: string }[];
  get(clientId: string): Promise<ClientView>;
  addSecret(caller: Caller, clientId: string): Promise<CreatedSecret>;
  removeSecret(caller: Caller, clientId: string, secretId: string): Promise<void>;
  remove(caller: Caller, clientId: string): Promise<void>;
}

type ClientParams = { Params: { id: string; clientId: string } };
type SecretParams = { Params: { id: string; clientId: string; secretId: string } };

const KIND_LABELS: Record<string, string> = {
  organization: 'Organization M2M client',
  resource: 'M2M client',
  dcr: 'Registered by an MCP host (DCR)',
  cimd: 'Client ID metadata document (CIMD)',
};

/** After a create: the secret goes to the next page of that client only, through the session. */
export function revealAndShow(ui: Dashboard, request: FastifyRequest, reply: FastifyReply, owner: { base: string }, created: CreatedClient, notice: string): Promise<FastifyReply> {
  const revealed = { clientId: created.client.clientId, plainSecret: created.plainSecret };
  return ui.done(request, reply, `${owner.base}/clients/${encodeURIComponent(created.client.clientId)}`, notice, revealed);
}

export function clientRoutes(app: FastifyInstance, ui: Dashboard, pattern: string, ownerOf: (id: string) => Promise<ClientOwner>): void {
  const clientPath = `${pattern}/clients/:clientId`;

  app.get<ClientParams>(clientPath, async (request, reply) => {
    const owner = await ownerOf(request.params.id);
    const { client, secrets } = await owner.get(request.params.clientId);
    const session = ui.session(request);
    const revealed = session.revealed?.clientId === client.clientId ? session.revealed.plainSecret : undefined;
    if (session.revealed) await ui.sessions.update(request, { revealed: undefined }); // shown once: a reload finds it gone
    const publicClient = client.kind === 'cimd' || client.metadata.token_endpoint_auth_method === 'none';
    return ui.render(request, reply, owner.section, 'client', {
      title: client.name || client.clientId,
      owner,
      client: { ...client, kindLabel: KIND_LABELS[client.kind] ?? client.kind },
      path: `${owner.base}/clients/${encodeURIComponent(client.clientId)}`,
      secrets,
      publicClient,
      // Both kinds get tokens at the environment's endpoint (an MCP server's clients also at its own).
      tokenEndpoint: `${ui.env.issuer}/oauth/token`,
      ...(revealed ? { revealed } : {}),
    });
  });

  app.post<ClientParams>(`${clientPath}/secrets`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const owner = await ownerOf(request.params.id);
    const { clientId } = request.params;
    const created = await owner.addSecret(ui.caller(request), clientId);
    const revealed = { clientId, plainSecret: created.plainSecret };
    return ui.done(request, reply, `${owner.base}/clients/${encodeURIComponent(clientId)}`, 'A new secret was created. The previous ones keep working until you delete them.', revealed);
  });

  app.post<SecretParams>(`${clientPath}/secrets/:secretId/delete`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const owner = await ownerOf(request.params.id);
    const { clientId, secretId } = request.params;
    await owner.removeSecret(ui.caller(request), clientId, secretId);
    return ui.done(request, reply, `${owner.base}/clients/${encodeURIComponent(clientId)}`, `Secret ${secretId} deleted: it no longer works.`);
  });

  app.post<ClientParams>(`${clientPath}/delete`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const owner = await ownerOf(request.params.id);
    await owner.remove(ui.caller(request), request.params.clientId);
    return ui.done(request, reply, owner.crumbs.at(-1)!.href, `Client ${request.params.clientId} deleted.`);
  });
}
