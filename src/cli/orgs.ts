// `orgs list | get <id> | create <display_name>`
import { Command } from 'commander';
import { allPages, apiCommand, connect, path, type CliContext, type JsonOption } from './context.js';
import { printFields, printJson, printTable, type Output } from './output.js';

type Organization = Record<string, unknown>;

export function orgsCommand(ctx: CliContext): Command {
  const orgs = new Command('orgs').description('organizations of the environment');

  orgs.addCommand(
    apiCommand('list', 'list the organizations').action(async (opts: JsonOption) => {
      const { api, out } = connect(ctx, opts);
      const list = await allPages<Organization>(api, '/organizations', 'organizations', 100);
      if (out.json) return printJson(out, { organizations: list });
      printTable(out, ['ID', 'DISPLAY NAME', 'CREATED'], list.map((o) => [String(o.id), String(o.display_name), String(o.create_time)]));
    }),
  );
  orgs.addCommand(
    apiCommand('get', 'show one organization')
      .argument('<organization_id>')
      .action(async (id: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        show(out, await api.call('GET', path('/organizations', id)));
      }),
  );
  orgs.addCommand(
    apiCommand('create', 'create an organization')
      .argument('<display_name>')
      .action(async (displayName: string, opts: JsonOption) => {
        const { api, out } = connect(ctx, opts);
        show(out, await api.call('POST', '/organizations', { display_name: displayName }));
      }),
  );
  return orgs;
}

function show(out: Output, response: Record<string, unknown>): void {
  if (out.json) return printJson(out, response);
  const o = response.organization as Organization;
  printFields(out, [
    ['organization_id', o.id],
    ['display_name', o.display_name],
    ['create_time', o.create_time],
  ]);
}
