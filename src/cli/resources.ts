// `resources list | get <id> | create | update <id> | delete <id>`: MCP servers, with the protected-resource
// metadata JSON each should serve; `consents <id>` and `revoke-consent` for what people approved.
import { Command, Option } from 'commander';
import { allPages, apiCommand, collect, connect, path, type CliContext, type JsonOption } from './context.js';
import { printFields, printJson, printTable, type Output } from './output.js';

type Resource = Record<string, unknown>;

interface CreateOptions extends JsonOption {
  name: string;
  serverUrl: string;
  description?: string;
  scope?: string[];
  accessTokenExpiry?: string;
  refreshTokenExpiry?: string;
  disableDcr?: boolean;
  enableCimd?: boolean;
  enableDeviceFlow?: boolean;
  tokenIssuer?: string;
  tokenProfile?: string;
  xaa?: boolean;
  tokenExchangeFrom?: string[];
}

interface UpdateOptions extends JsonOption {
  xaa?: boolean;
  /** false: --no-token-exchange-from (accept from no server). */
  tokenExchangeFrom?: string[] | false;
}

// The settings both create and update take.
const delegation = (opts: { xaa?: boolean; tokenExchangeFrom?: string[] | false }) => ({
  ...(opts.xaa !== undefined ? { xaa_enabled: opts.xaa } : {}),
  ...(opts.tokenExchangeFrom !== undefined ? { token_exchange: { accept_from: opts.tokenExchangeFrom || [] } } : {}),
});

export function resourcesCommand(ctx: CliContext): Command {
  const resources = new Command('resources').description('MCP servers (resources) of the environment');

  resources.addCommand(
    apiCommand('list', 'list the MCP servers').action(async (opts: JsonOption) => {
      const { api, out } = connect(ctx, opts);
      const list = await allPages<Resource>(api, '/resources', 'resources', 30);
      if (out.json) return printJson(out, { resources: list });
      printTable(
        out,
        ['ID', 'NAME', 'SERVER URL', 'SCOPES'],
        list.map((r) => [String(r.id), String(r.name), String(r.resource_id), scopeNames(r).join(' ')]),
      );
    }),
  );
  resources.addCommand(
    apiCommand('get', 'show one MCP server and its metadata JSON')
      .argument('<resource_id>')
      .action(async (id: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        show(out, await api.call('GET', path('/resources', id)));
      }),
  );
  resources.addCommand(
    apiCommand('create', 'register an MCP server')
      .requiredOption('--name <name>', 'display name')
      .requiredOption('--server-url <url>', "the MCP server's URL (Scalekit's resource_id): the audience of its tokens")
      .option('--description <text>')
      .option('--scope <name>', 'a scope it offers (repeat, or comma-separate)', collect)
      .option('--access-token-expiry <seconds>')
      .option('--refresh-token-expiry <seconds>')
      .option('--disable-dcr', 'turn dynamic client registration off')
      .option('--enable-cimd', 'accept client ID metadata documents')
      .option('--enable-device-flow', 'offer the device authorization grant (RFC 8628): CLIs and devices sign a person in with a code')
      .addOption(new Option('--token-issuer <mode>', 'iss of user tokens').choices(['env', 'resource']))
      .addOption(new Option('--token-profile <profile>', "its tokens' shape: Scalekit's, or RFC 9068's (typ at+jwt, the server's issuer)").choices(['scalekit', 'rfc9068']))
      .option('--xaa', 'accept ID-JAGs (enterprise-managed authorization, xaa_enabled)')
      .option('--token-exchange-from <resource_id>', "accept this MCP server's people's tokens in a token exchange (RFC 8693; repeat, or comma-separate)", collect)
      .action(async (opts: CreateOptions) => {
        const { api, out } = connect(ctx, opts);
        const resource = {
          resource_type: 'MCP_SERVER',
          name: opts.name,
          resource_id: opts.serverUrl,
          ...(opts.description ? { description: opts.description } : {}),
          ...(opts.scope ? { scopes: opts.scope } : {}),
          ...(opts.accessTokenExpiry ? { access_token_expiry: opts.accessTokenExpiry } : {}),
          ...(opts.refreshTokenExpiry ? { refresh_token_expiry: opts.refreshTokenExpiry } : {}),
          ...(opts.disableDcr ? { disable_dynamic_client_registration: true } : {}),
          ...(opts.enableCimd ? { enable_cimd: true } : {}),
          ...(opts.enableDeviceFlow ? { enable_device_flow: true } : {}),
          ...(opts.tokenIssuer ? { token_issuer: opts.tokenIssuer } : {}),
          ...(opts.tokenProfile ? { token_profile: opts.tokenProfile } : {}),
          ...delegation(opts),
        };
        show(out, await api.call('POST', '/resources', resource));
      }),
  );
  resources.addCommand(
    apiCommand('update', "change an MCP server's delegation settings")
      .argument('<resource_id>')
      .option('--xaa', 'accept ID-JAGs (enterprise-managed authorization, xaa_enabled)')
      .option('--no-xaa', 'stop accepting ID-JAGs')
      .option('--token-exchange-from <resource_id>', "accept only these MCP servers' people's tokens in a token exchange (RFC 8693; repeat, or comma-separate)", collect)
      .option('--no-token-exchange-from', 'accept no token exchange')
      .action(async (id: string, opts: UpdateOptions) => {
        const { api, out } = connect(ctx, opts);
        show(out, await api.call('PATCH', path('/resources', id), delegation(opts)));
      }),
  );
  resources.addCommand(
    apiCommand('delete', 'delete an MCP server and its own clients')
      .argument('<resource_id>')
      .action(async (id: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('DELETE', path('/resources', id));
        if (out.json) return printJson(out, response);
        out.write(`deleted ${id}\n`);
      }),
  );
  resources.addCommand(
    apiCommand('consents', 'list the consents people gave to the clients of an MCP server')
      .argument('<resource_id>')
      .option('--search <text>', 'only those whose user id or email, client id or name contains it')
      .action(async (id: string, opts: JsonOption & { search?: string }) => {
        const { api, out } = connect(ctx, opts);
        const query = `/user_consents?resource_id=${encodeURIComponent(id)}${opts.search ? `&search=${encodeURIComponent(opts.search)}` : ''}`;
        const list = await allPages<Resource>(api, query, 'consents', 100);
        if (out.json) return printJson(out, { consents: list });
        printTable(
          out,
          ['CONSENT ID', 'USER', 'CLIENT ID', 'CLIENT', 'SCOPES'],
          list.map((c) => [String(c.id), String(c.external_user_id), String(c.client_id), String(c.client_name), (c.scopes as string[]).join(' ')]),
        );
      }),
  );
  resources.addCommand(
    apiCommand('revoke-consent', "revoke a consent: the client's refresh tokens stop working and the person is asked again")
      .argument('<client_id>')
      .argument('<consent_id>')
      .action(async (clientId: string, consentId: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('DELETE', path('/clients', clientId, 'consents', consentId));
        if (out.json) return printJson(out, response);
        out.write(`revoked ${consentId}\n`);
      }),
  );
  resources.addCommand(
    apiCommand('consent-details', 'show the consent screen of an authorization in progress (its <issuer>/interaction/<uid> page)')
      .argument('<interaction_id>')
      .action(async (uid: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('GET', `/oauth/consent/details?interaction_id=${encodeURIComponent(uid)}`);
        if (out.json) return printJson(out, response);
        const { resource, user, client, scopes, organization } = response as Record<string, Resource | undefined>;
        printFields(out, [
          ['mcp_server', resource ? `${String(resource.id)} (${String(resource.name)})` : '-'],
          ['user', user?.email],
          ['client', `${String(client?.client_id)} (${String(client?.name)})`],
          ['organization', organization?.organization_name],
          ['scopes', ((scopes ?? []) as unknown as { name: string }[]).map((s) => s.name)],
        ]);
      }),
  );
  return resources;
}

const scopeNames = (r: Resource) => ((r.scopes as { name: string }[] | undefined) ?? []).map((s) => s.name);

function show(out: Output, response: Record<string, unknown>): void {
  if (out.json) return printJson(out, response);
  const r = response.resource as Resource;
  printFields(out, [
    ['resource_id', r.id],
    ['name', r.name],
    ['server_url', r.resource_id],
    ['scopes', scopeNames(r)],
    ['access_token_expiry', r.access_token_expiry],
    ['dcr', r.disable_dynamic_client_registration ? 'off' : 'on'],
    ['cimd', r.enable_cimd ? 'on' : 'off'],
    ['device_flow', r.enable_device_flow ? 'on' : 'off'],
    ['token_issuer', r.token_issuer],
    ['token_profile', r.token_profile],
    ['xaa', r.xaa_enabled ? 'on' : 'off'],
    ['token_exchange_from', ((r.token_exchange as { accept_from?: string[] } | undefined)?.accept_from ?? []).join(' ') || '-'],
    ['metadata_json', r.protected_metadata],
  ]);
}
