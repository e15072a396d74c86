// `start`: read the configuration, apply the seed, listen, print where everything is, close cleanly
// on SIGINT/SIGTERM.
import { buildApp } from '../app.js';
import { loadConfig } from '../config/index.js';
import { DEMO_SEED, loadSeedFile, parseSeed } from '../config/seed.js';
import { createTestClock } from '../fixture/clock.js';
import { createLogger } from '../logger.js';
import { startupBanner } from './banner.js';

export async function start(env: Record<string, string | undefined>): Promise<void> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const seed = config.seedPath
    ? { value: loadSeedFile(config.seedPath), onlyIfEmpty: false, source: config.seedPath }
    : { value: parseSeed(DEMO_SEED, 'built-in demo seed'), onlyIfEmpty: true };
  const app = await buildApp(config, {
    logger,
    seed,
    ...(config.testControl ? { testControls: { clock: createTestClock(), http: true } } : {}),
  });
  if (config.testControl) logger.warn('TEST_CONTROL=1: /_emulator/* lets anyone mint tokens and reset data; never use it in production');
  const issuer = await app.listen();
  if (config.logLevel !== 'silent') process.stdout.write(startupBanner(app, issuer) + '\n');
  logger.info({ issuer, database: config.databasePath }, 'started');

  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'closing');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
