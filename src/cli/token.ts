// `token`: gets an access token by client_credentials (the environment client, or --client-id /
// --client-secret) and prints it alone, so that `TOKEN=$(scalekit-emulator token)` works. `--decode`
// prints what is inside it instead: the claims are decoded, not verified, a look at what the emulator
// issued. `--json` prints the token response with both.
import { apiCommand, connect, UsageError, type CliContext, type JsonOption } from './context.js';
import { printJson } from './output.js';

interface TokenOptions extends JsonOption {
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  resource?: string;
  decode?: boolean;
}

export function tokenCommand(ctx: CliContext) {
  return apiCommand('token', 'get a client_credentials token and print it (--decode: its decoded header and claims)')
    .option('--client-id <id>', 'default: SCALEKIT_CLIENT_ID')
    .option('--client-secret <secret>', 'default: SCALEKIT_CLIENT_SECRET')
    .option('--scope <scopes>', 'space-separated scopes to ask for')
    .option('--resource <url>', 'RFC 8707 resource (an audience of the client)')
    .option('--decode', 'print the decoded header and claims instead of the token')
    .action(async (opts: TokenOptions) => {
      if (!opts.clientId !== !opts.clientSecret) throw new UsageError('give --client-id and --client-secret together');
      const { api, out } = connect(ctx, opts, { credentials: !opts.clientId });
      const token = await api.token({
        ...(opts.clientId ? { clientId: opts.clientId, clientSecret: opts.clientSecret! } : {}),
        ...(opts.scope ? { scope: opts.scope } : {}),
        ...(opts.resource ? { resource: opts.resource } : {}),
      });
      if (!out.json && !opts.decode) return out.write(`${token.access_token}\n`);
      const [header, claims] = token.access_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown);
      if (out.json) return printJson(out, { ...token, header, claims });
      printJson(out, { header, claims });
    });
}
