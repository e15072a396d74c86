// The commands: `start` (the default) runs the server; `orgs`, `resources`, `clients`, `env-clients`,
// `scopes`, `token` and `keys` talk to a running one through its REST API with SCALEKIT_ENVIRONMENT_URL,
// SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET. Usage and configuration errors, and start-up failures
// the user can fix, exit 2 with a message naming what is wrong; an API error exits 1 with its Scalekit
// error code.
import { Command, CommanderError } from 'commander';
import { ConfigError, configReference } from '../config/index.js';
import { SeedError } from '../config/seed.js';
import { ApiError } from './api.js';
import { clientsCommand } from './clients.js';
import { UsageError, type CliContext } from './context.js';
import { envClientsCommand } from './env-clients.js';
import { keysCommand } from './keys.js';
import { orgsCommand } from './orgs.js';
import { resourcesCommand } from './resources.js';
import { scopesCommand } from './scopes.js';
import { start } from './start.js';
import { StartupError } from './startup-errors.js';
import { tokenCommand } from './token.js';

const plain = (markdown: string) => markdown.replaceAll('`', '');
const START_HELP = `
Environment variables:
${configReference
  .map((s) => {
    const values = s.allowed.length ? `; one of ${s.allowed.join(', ')}` : '';
    return `  ${s.name}  (default ${plain(s.default)}${values})\n      ${plain(s.description)}`;
  })
  .join('\n')}
`;

const API_HELP = `
The API commands (orgs, resources, clients, env-clients, scopes, token, keys) call a running emulator at
SCALEKIT_ENVIRONMENT_URL as SCALEKIT_CLIENT_ID / SCALEKIT_CLIENT_SECRET (its environment client).
`;

export function program(ctx: CliContext): Command {
  const cli = new Command('scalekit-emulator')
    .description("A self-hosted OAuth 2.1 authorization server, wire-compatible with Scalekit's MCP auth")
    .addHelpText('after', API_HELP + START_HELP)
    .configureOutput({ writeOut: ctx.write, writeErr: (text) => process.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError();
  cli
    .command('start')
    .description('run the server (the default command)')
    .addHelpText('after', START_HELP)
    .action(() => start(ctx.env));
  for (const command of [orgsCommand(ctx), resourcesCommand(ctx), clientsCommand(ctx), envClientsCommand(ctx), scopesCommand(ctx), tokenCommand(ctx), keysCommand(ctx)]) {
    cli.addCommand(command.exitOverride());
    for (const sub of command.commands) sub.exitOverride();
  }
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  // No command is `start`, as before commands existed (npx scalekit-emulator, docker's CMD).
  const args = argv.length === 0 ? ['start'] : argv;
  await program({ env: process.env, write: (text) => process.stdout.write(text) }).parseAsync(args, { from: 'user' });
}

export function exitOnError(err: unknown): never {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed the message of the others.
    process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : 2);
  }
  if (err instanceof ConfigError || err instanceof SeedError || err instanceof UsageError || err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof ApiError) {
    process.stderr.write(`error: ${err.code}${err.status ? ` (HTTP ${err.status})` : ''}: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
