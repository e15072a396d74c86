// `env-clients list | get <client_id> | update <client_id> … | add-secret | secret-status | remove-secret`:
// the environment's own API client (skc_…) and its secrets, as Scalekit's /api/v1/clients.
import { Command, Option } from 'commander';
import { apiCommand, collect, connect, path, type CliContext, type JsonOption } from './context.js';
import { printFields, printJson, printTable, type Output } from './output.js';

type Client = Record<string, unknown>;

interface UpdateOptions extends JsonOption {
  name?: string;
  scope?: string[];
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  accessTokenExpiry?: string;
}

export function envClientsCommand(ctx: CliContext): Command {
  const clients = new Command('env-clients').description("the environment's own API client (skc_…) and its secrets");

  clients.addCommand(
    apiCommand('list', "list the environment's API clients").action(async (opts: JsonOption) => {
      const { api, out } = connect(ctx, opts);
      const response = await api.call('GET', '/clients?page_size=30');
      if (out.json) return printJson(out, response);
      const list = response.clients as Client[];
      printTable(out, ['CLIENT ID', 'NAME', 'SCOPES', 'SECRETS'], list.map((c) => [String(c.id), String(c.name), (c.scopes as string[]).join(' '), String((c.secrets as unknown[]).length)]));
    }),
  );
  clients.addCommand(
    apiCommand('get', 'show the client and its secrets (never their values)')
      .argument('<client_id>')
      .action(async (id: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        show(out, await api.call('GET', path('/clients', id)));
      }),
  );
  clients.addCommand(
    apiCommand('update', 'change its name, scopes (environment scopes only), redirect URIs or token lifetime')
      .argument('<client_id>')
      .option('--name <name>')
      .option('--scope <name>', 'a scope it holds (repeat, or comma-separate); replaces the list', collect)
      .option('--redirect-uri <url>', 'where it may send people back after sign-in (repeat); replaces the list', collect)
      .option('--post-logout-redirect-uri <url>', 'where it may send people after sign-out (repeat); replaces the list', collect)
      .option('--access-token-expiry <seconds>')
      .action(async (id: string, opts: UpdateOptions) => {
        const { api, out } = connect(ctx, opts);
        const client = {
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          ...(opts.scope ? { scopes: opts.scope } : {}),
          ...(opts.redirectUri ? { post_login_uris: opts.redirectUri } : {}),
          ...(opts.postLogoutRedirectUri ? { post_logout_redirect_uris: opts.postLogoutRedirectUri } : {}),
          ...(opts.accessTokenExpiry ? { access_token_expiry: opts.accessTokenExpiry } : {}),
        };
        show(out, await api.call('PATCH', path('/clients', id), client));
      }),
  );
  clients.addCommand(
    apiCommand('add-secret', 'add a secret; prints it once (the others keep working)')
      .argument('<client_id>')
      .action(async (id: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('POST', path('/clients', id, 'secrets'));
        if (out.json) return printJson(out, response);
        const secret = response.secret as Client;
        printFields(out, [
          ['secret_id', secret.id],
          ['client_secret', response.plain_secret],
        ]);
        out.write('The secret is shown only now: keep it.\n');
      }),
  );
  clients.addCommand(
    apiCommand('secret-status', 'turn a secret off (INACTIVE: it stops working at once) or on again')
      .argument('<client_id>')
      .argument('<secret_id>')
      .addOption(new Option('--status <status>').choices(['ACTIVE', 'INACTIVE']).makeOptionMandatory())
      .action(async (id: string, secretId: string, opts: JsonOption & { status: string }) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('PATCH', path('/clients', id, 'secrets', secretId), { status: opts.status });
        if (out.json) return printJson(out, response);
        out.write(`${secretId} ${String((response.secret as Client).status)}\n`);
      }),
  );
  clients.addCommand(
    apiCommand('remove-secret', 'delete a secret: it stops working at once (never the last active one)')
      .argument('<client_id>')
      .argument('<secret_id>')
      .action(async (id: string, secretId: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('DELETE', path('/clients', id, 'secrets', secretId));
        if (out.json) return printJson(out, response);
        out.write(`removed ${secretId}\n`);
      }),
  );
  return clients;
}

function show(out: Output, response: Record<string, unknown>): void {
  if (out.json) return printJson(out, response);
  const c = response.client as Client;
  printFields(out, [
    ['client_id', c.id],
    ['name', c.name],
    ['scopes', c.scopes],
    ['redirect_uris', c.post_login_uris],
    ['post_logout_redirect_uris', c.post_logout_redirect_uris],
    ['access_token_expiry', c.access_token_expiry],
    ['secrets', (c.secrets as Client[]).map((s) => `${String(s.id)} (…${String(s.secret_suffix)}, ${String(s.status)})`)],
  ]);
}
