// `clients create | list | get <id> | rotate-secret <id> | delete <id>`: organization M2M clients
// (--org) and MCP-server clients (--resource). A new secret is printed once, as the API returns it once.
import { Command } from 'commander';
import { allPages, apiCommand, collect, connect, path, UsageError, type CliContext, type JsonOption } from './context.js';
import { printFields, printJson, printTable, type Output } from './output.js';

type Client = Record<string, unknown>;

interface OwnerOptions extends JsonOption {
  org?: string;
  resource?: string;
}

interface CreateOptions extends OwnerOptions {
  name?: string;
  description?: string;
  scope?: string[];
  audience?: string[];
  expiry?: string;
  redirectUri?: string[];
}

// Scalekit's paths: /organizations/{org}/clients or /resources/{res}/clients.
function clientsPath(opts: OwnerOptions): string {
  if (!opts.org === !opts.resource) throw new UsageError('give exactly one of --org <organization_id> or --resource <resource_id>');
  return opts.org ? path('/organizations', opts.org, '/clients') : path('/resources', opts.resource!, '/clients');
}

const owned = (command: Command) =>
  command.option('--org <organization_id>', 'an organization M2M client').option('--resource <resource_id>', "an MCP server's client");

export function clientsCommand(ctx: CliContext): Command {
  const clients = new Command('clients').description('M2M clients of organizations and MCP servers');

  clients.addCommand(
    owned(apiCommand('create', 'create a client; prints its secret once'))
      .option('--name <name>')
      .option('--description <text>')
      .option('--scope <scope>', 'an allowed scope (repeat, or comma-separate)', collect)
      .option('--audience <aud>', 'an audience of its tokens (repeat, or comma-separate)', collect)
      .option('--expiry <seconds>', 'access-token lifetime')
      .option('--redirect-uri <uri>', 'MCP-server clients: makes it an authorization-code client (repeat)', collect)
      .action(async (opts: CreateOptions) => {
        const { api, out } = connect(ctx, opts);
        const client = {
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.description ? { description: opts.description } : {}),
          ...(opts.scope ? { scopes: opts.scope } : {}),
          ...(opts.audience ? { audience: opts.audience } : {}),
          ...(opts.expiry ? { expiry: opts.expiry } : {}),
          ...(opts.redirectUri ? { redirect_uris: opts.redirectUri } : {}),
        };
        const response = await api.call('POST', clientsPath(opts), client);
        if (out.json) return printJson(out, response);
        show(out, response.client as Client, [['client_secret', `${String(response.plain_secret)}   (shown once: copy it now)`]]);
      }),
  );
  clients.addCommand(
    owned(apiCommand('list', 'list the clients of an organization or an MCP server')).action(async (opts: OwnerOptions) => {
      const { api, out } = connect(ctx, opts);
      const list = await allPages<Client>(api, clientsPath(opts), 'clients', 100);
      if (out.json) return printJson(out, { clients: list });
      printTable(
        out,
        ['CLIENT ID', 'NAME', 'SCOPES', 'SECRETS'],
        list.map((c) => [String(c.client_id), String(c.name), ((c.scopes as string[]) ?? []).join(' '), secretSuffixes(c)]),
      );
    }),
  );
  clients.addCommand(
    owned(apiCommand('get', 'show one client and its secrets (never their values)'))
      .argument('<client_id>')
      .action(async (id: string, opts: OwnerOptions) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('GET', `${clientsPath(opts)}${path(id)}`);
        if (out.json) return printJson(out, response);
        show(out, response.client as Client);
      }),
  );
  clients.addCommand(
    apiCommand('rotate-secret', "add a new secret to an organization client and remove its others; prints the new one once")
      .argument('<client_id>')
      .requiredOption('--org <organization_id>')
      .option('--keep-old', 'keep the old secrets working (remove them later with the API)')
      .action(async (id: string, opts: OwnerOptions & { keepOld?: boolean }) => {
        const { api, out } = connect(ctx, opts);
        const base = `${clientsPath(opts)}${path(id)}`;
        const before = ((await api.call('GET', base)).client as Client).secrets as { id: string }[];
        const created = await api.call<{ plain_secret: string; secret: { id: string; secret_suffix: string } }>('POST', `${base}/secrets`);
        const removed: string[] = [];
        if (!opts.keepOld) {
          for (const s of before) {
            await api.call('DELETE', `${base}/secrets${path(s.id)}`);
            removed.push(s.id);
          }
        }
        if (out.json) return printJson(out, { ...created, removed_secret_ids: removed });
        printFields(out, [
          ['client_id', id],
          ['secret_id', created.secret.id],
          ['client_secret', `${created.plain_secret}   (shown once: copy it now)`],
          ['removed', removed],
        ]);
      }),
  );
  clients.addCommand(
    owned(apiCommand('delete', 'delete a client: its tokens can no longer be renewed'))
      .argument('<client_id>')
      .action(async (id: string, opts: OwnerOptions) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('DELETE', `${clientsPath(opts)}${path(id)}`);
        if (out.json) return printJson(out, response);
        out.write(`deleted ${id}\n`);
      }),
  );
  return clients;
}

const secretSuffixes = (c: Client) =>
  ((c.secrets as { secret_suffix: string }[] | undefined) ?? []).map((s) => `…${s.secret_suffix}`).join(' ') || '-';

function show(out: Output, c: Client, extra: [string, unknown][] = []): void {
  printFields(out, [
    ['client_id', c.client_id],
    ...extra,
    ['name', c.name],
    ['organization_id', c.organization_id],
    ['resource_id', c.resource_id],
    ['scopes', c.scopes],
    ['audience', c.audience],
    ['expiry', c.expiry],
    ['redirect_uris', c.redirect_uris],
    ['secrets', ((c.secrets as Record<string, unknown>[] | undefined) ?? []).map((s) => `${String(s.id)} (…${String(s.secret_suffix)})`)],
  ]);
}
