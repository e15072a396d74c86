// Dashboard › MCP servers: list, create, edit (scopes, toggles, lifetimes, issuer mode, delegation: ID-JAGs
// and whose tokens it takes in a token exchange), delete, and the "Metadata JSON" an MCP server serves as
// its protected-resource metadata.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ManagedResource, ResourceFields } from '../../management/resources.js';
import { protectedResourceMetadataUri } from '../../oidc/issuers.js';
import { protectedResourceMetadata } from '../../oidc/issuers.js';
import type { Resource } from '../../store/resources.js';
import { attempt, type Dashboard, type Problem } from './context.js';
import { all, checked, rows, seconds, text, type FormBody } from './forms.js';

type Params = { Params: { id: string } };

/** The settings form's values: as stored, or as typed when the service refused them. */
interface ServerForm {
  name: string;
  serverUrl: string;
  description: string;
  accessTokenExpiry: string;
  refreshTokenExpiry: string;
  dcr: boolean;
  cimd: boolean;
  deviceFlow: boolean;
  tokenIssuer: string;
  tokenProfile: string;
  xaa: boolean;
  /** The res_ ids whose people's tokens it takes in a token exchange. */
  tokenExchangeFrom: string[];
  scopes: { name: string; description: string; enabled: boolean }[];
}

const BLANK_SCOPE_ROWS = 3;

const formOf = (r?: ManagedResource): ServerForm => ({
  name: r?.name ?? '',
  serverUrl: r?.serverUrl ?? '',
  description: r?.description ?? '',
  accessTokenExpiry: String(r?.accessTokenExpiry ?? 3600),
  refreshTokenExpiry: String(r?.refreshTokenExpiry ?? 86400),
  dcr: !(r?.disableDynamicClientRegistration ?? false),
  cimd: r?.enableCimd ?? false,
  deviceFlow: r?.enableDeviceFlow ?? false,
  tokenIssuer: r?.tokenIssuer ?? 'env',
  tokenProfile: r?.tokenProfile ?? 'scalekit',
  xaa: r?.xaaEnabled ?? false,
  tokenExchangeFrom: r?.tokenExchange.acceptFrom ?? [],
  scopes: r?.scopes ?? [],
});

const typedForm = (body: FormBody): ServerForm => ({
  name: text(body, 'name'),
  serverUrl: text(body, 'server_url'),
  description: text(body, 'description'),
  accessTokenExpiry: text(body, 'access_token_expiry'),
  refreshTokenExpiry: text(body, 'refresh_token_expiry'),
  dcr: checked(body, 'dcr'),
  cimd: checked(body, 'cimd'),
  deviceFlow: checked(body, 'device_flow'),
  tokenIssuer: text(body, 'token_issuer'),
  tokenProfile: text(body, 'token_profile'),
  xaa: checked(body, 'xaa'),
  tokenExchangeFrom: all(body, 'token_exchange_from'),
  scopes: typedScopes(body),
});

// Blank rows are the room left for new scopes; a row marked "remove" goes.
function typedScopes(body: FormBody): ServerForm['scopes'] {
  return rows(body, 'scope')
    .filter((row) => row.name && row.remove === undefined)
    .map((row) => ({ name: row.name!, description: row.description ?? '', enabled: row.enabled !== undefined }));
}

function fieldsOf(body: FormBody): ResourceFields {
  const issuer = text(body, 'token_issuer');
  const profile = text(body, 'token_profile');
  return {
    name: text(body, 'name'),
    serverUrl: text(body, 'server_url'),
    description: text(body, 'description'),
    ...optionalNumber('accessTokenExpiry', seconds(body, 'access_token_expiry')),
    ...optionalNumber('refreshTokenExpiry', seconds(body, 'refresh_token_expiry')),
    disableDynamicClientRegistration: !checked(body, 'dcr'),
    enableCimd: checked(body, 'cimd'),
    enableDeviceFlow: checked(body, 'device_flow'),
    ...(issuer === 'env' || issuer === 'resource' ? { tokenIssuer: issuer } : {}),
    ...(profile === 'scalekit' || profile === 'rfc9068' ? { tokenProfile: profile } : {}),
    xaaEnabled: checked(body, 'xaa'),
    tokenExchange: { acceptFrom: all(body, 'token_exchange_from') },
    scopes: typedScopes(body),
  };
}

const optionalNumber = <K extends string>(key: K, value: number | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, number>));

export function mcpServerRoutes(app: FastifyInstance, ui: Dashboard): void {
  const { management } = ui;

  // Every MCP server, page by page: the others are the servers one may take tokens from.
  const allServers = async (): Promise<Resource[]> => {
    const servers: Resource[] = [];
    let pageToken = '';
    do {
      const page = await management.resources.list({ pageSize: 30, pageToken });
      servers.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return servers;
  };

  const settingsPage = async (request: FastifyRequest, reply: FastifyReply, resource: Resource | undefined, form: ServerForm, problem?: Problem) => {
    const issuer = ui.env.issuer;
    return ui.render(request, reply, 'mcp-servers', 'mcp-server', {
      title: resource ? resource.name : 'New MCP server',
      server: resource,
      tab: 'settings',
      form: { ...form, scopes: [...form.scopes, ...Array.from({ length: BLANK_SCOPE_ROWS }, () => ({ name: '', description: '', enabled: true }))] },
      otherServers: (await allServers()).filter((r) => r.id !== resource?.id),
      ...(resource
        ? {
            metadataJson: JSON.stringify(protectedResourceMetadata(issuer, resource), null, 2),
            metadataUrl: protectedResourceMetadataUri(resource.serverUrl),
            issuer: `${issuer}/resources/${resource.id}`,
          }
        : {}),
      ...(problem ? { problem } : {}),
    });
  };

  app.get<{ Querystring: { page_token?: string } }>('/dashboard/mcp-servers', async (request, reply) => {
    const page = await management.resources.list({ pageSize: 30, pageToken: request.query.page_token ?? '' });
    return ui.render(request, reply, 'mcp-servers', 'mcp-servers', {
      title: 'MCP servers',
      servers: await Promise.all(page.items.map(async (r) => ({ ...r, clientCount: (await management.clients.listResourceClients(r.id, { pageSize: 1 })).totalSize }))),
      nextPageToken: page.nextPageToken,
    });
  });

  app.get('/dashboard/mcp-servers/new', async (request, reply) => settingsPage(request, reply, undefined, formOf()));

  app.post<{ Body: FormBody }>('/dashboard/mcp-servers', { preHandler: app.csrfProtection }, async (request, reply) => {
    const result = await attempt(() => management.resources.create(ui.caller(request), fieldsOf(request.body)));
    if (result.problem) return settingsPage(request, reply.code(result.problem.status), undefined, typedForm(request.body), result.problem);
    return ui.done(request, reply, `/dashboard/mcp-servers/${result.ok.id}`, `MCP server “${result.ok.name}” created. Give your MCP server the Metadata JSON below.`);
  });

  app.get<Params>('/dashboard/mcp-servers/:id', async (request, reply) => {
    const resource = await management.resources.get(request.params.id);
    return settingsPage(request, reply, resource, formOf(resource));
  });

  app.post<Params & { Body: FormBody }>('/dashboard/mcp-servers/:id', { preHandler: app.csrfProtection }, async (request, reply) => {
    const resource = await management.resources.get(request.params.id);
    const result = await attempt(() => management.resources.update(ui.caller(request), resource.id, fieldsOf(request.body)));
    if (result.problem) return settingsPage(request, reply.code(result.problem.status), resource, typedForm(request.body), result.problem);
    return ui.done(request, reply, `/dashboard/mcp-servers/${resource.id}`, 'Settings saved.');
  });

  app.post<Params>('/dashboard/mcp-servers/:id/delete', { preHandler: app.csrfProtection }, async (request, reply) => {
    const resource = await management.resources.get(request.params.id);
    await management.resources.delete(ui.caller(request), resource.id);
    return ui.done(request, reply, '/dashboard/mcp-servers', `MCP server “${resource.name}” and its clients were deleted.`);
  });
}
