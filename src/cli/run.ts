// The commands: `scalekit-emulator start` (the default). Configuration errors, and start-up failures
// the user can fix, exit 2 with a message naming the variable; nothing else is printed for them.
import { ConfigError, configReference } from '../config/index.js';
import { SeedError } from '../config/seed.js';
import { start } from './start.js';
import { StartupError } from './startup-errors.js';

const plain = (markdown: string) => markdown.replaceAll('`', '');
const USAGE = `Usage: scalekit-emulator [start]

Environment variables:
${configReference
  .map((s) => {
    const values = s.allowed.length ? `; one of ${s.allowed.join(', ')}` : '';
    return `  ${s.name}  (default ${plain(s.default)}${values})\n      ${plain(s.description)}`;
  })
  .join('\n')}
`;

export async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  switch (command) {
    case 'start':
      await start(process.env);
      return;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
      process.exit(2);
  }
}

export function exitOnError(err: unknown): never {
  if (err instanceof ConfigError || err instanceof SeedError || err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
