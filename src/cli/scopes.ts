// `scopes list | create <name> | update <scope_id> | delete <scope_id>`: Scalekit's environment-level
// scopes, the scopes the environment's own API client may hold (`env-clients update --scope`).
import { Command, Option } from 'commander';
import { apiCommand, connect, path, type CliContext, type JsonOption } from './context.js';
import { printFields, printJson, printTable, type Output } from './output.js';

type Scope = Record<string, unknown>;

export function scopesCommand(ctx: CliContext): Command {
  const scopes = new Command('scopes').description("the environment's scopes: what its own API client may hold");

  scopes.addCommand(
    apiCommand('list', 'list them, the OpenID Connect ones first').action(async (opts: JsonOption) => {
      const { api, out } = connect(ctx, opts);
      const response = await api.call('GET', '/scopes');
      if (out.json) return printJson(out, response);
      printTable(out, ['ID', 'NAME', 'ENABLED', 'DESCRIPTION'], (response.scopes as Scope[]).map((s) => [String(s.id), String(s.name), s.enabled ? 'yes' : 'no', String(s.description)]));
    }),
  );
  scopes.addCommand(
    apiCommand('create', 'create a scope')
      .argument('<name>')
      .option('--description <text>')
      .action(async (name: string, opts: JsonOption & { description?: string }) => {
        const { api, out } = connect(ctx, opts);
        show(out, await api.call('POST', '/scopes', { name, ...(opts.description !== undefined ? { description: opts.description } : {}) }));
      }),
  );
  scopes.addCommand(
    apiCommand('update', 'change its description, or turn it off (it can no longer be given) or on')
      .argument('<scope_id>')
      .option('--description <text>')
      .addOption(new Option('--enabled <yes_or_no>').choices(['yes', 'no']))
      .action(async (id: string, opts: JsonOption & { description?: string; enabled?: string }) => {
        const { api, out } = connect(ctx, opts);
        const scope = {
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          ...(opts.enabled !== undefined ? { enabled: opts.enabled === 'yes' } : {}),
        };
        show(out, await api.call('PATCH', path('/scopes', id), scope));
      }),
  );
  scopes.addCommand(
    apiCommand('delete', 'delete a scope no client holds')
      .argument('<scope_id>')
      .action(async (id: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('DELETE', path('/scopes', id));
        if (out.json) return printJson(out, response);
        out.write(`deleted ${id}\n`);
      }),
  );
  return scopes;
}

function show(out: Output, response: Record<string, unknown>): void {
  if (out.json) return printJson(out, response);
  const s = response.scope as Scope;
  printFields(out, [
    ['scope_id', s.id],
    ['name', s.name],
    ['description', s.description],
    ['enabled', s.enabled ? 'yes' : 'no'],
  ]);
}
