// `keys list | rotate [--switch-after 1h]`: the new key is in /keys at once and signs after the delay
// (time for MCP servers to fetch it: the Scalekit SDKs cache /keys); the old key stays published until
// every token it signed has expired.
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../fixture/clock.js';
import { apiCommand, connect, type CliContext, type JsonOption } from './context.js';
import { printFields, printJson, printTable } from './output.js';

const seconds = (value: string) => {
  try {
    const ms = parseDuration(/^\d+$/.test(value) ? `${value}s` : value);
    if (ms < 0) throw new RangeError('negative');
    return Math.round(ms / 1000);
  } catch {
    throw new InvalidArgumentError("a duration such as '0s', '15m', '1h' or '1d'");
  }
};

export function keysCommand(ctx: CliContext): Command {
  const keys = new Command('keys').description('signing keys (the JWKS at /keys)');
  keys.addCommand(
    apiCommand('list', 'list the signing keys and their state').action(async (opts: JsonOption) => {
      const { api, out } = connect(ctx, opts);
      const response = await api.call<{ keys: Record<string, string>[] }>('GET', '/signing-keys');
      if (out.json) return printJson(out, response);
      printTable(
        out,
        ['KID', 'STATE', 'SIGNS FROM', 'UNPUBLISHED AT'],
        response.keys.map((k) => [k.kid!, k.state!, k.activate_time!, k.retire_time ?? '-']),
      );
    }),
  );
  keys.addCommand(
    apiCommand('rotate', 'publish a new signing key now and sign with it after a delay')
      .option('--switch-after <duration>', "when the new key starts signing, e.g. '0s', '15m', '1h'", seconds, 3600)
      .action(async (opts: JsonOption & { switchAfter: number }) => {
        const { api, out } = connect(ctx, opts);
        const response = await api.call('POST', '/signing-keys:rotate', { switch_after_seconds: opts.switchAfter });
        if (out.json) return printJson(out, response);
        printFields(out, [
          ['new kid', response.kid],
          ['published', 'now, in /keys'],
          ['signs from', response.activate_time],
          ['old keys leave /keys at', response.previous_keys_retire_time],
        ]);
      }),
  );
  return keys;
}
