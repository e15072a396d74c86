// `start`: read the configuration, apply the seed, listen, print where everything is, close cleanly
// on SIGINT/SIGTERM.
import type { Logger } from 'pino';
import { buildApp } from '../app.js';
import { loadConfig, redactedUrl } from '../config/index.js';
import { DEMO_SEED, loadSeedFile, parseSeed } from '../config/seed.js';
import { createTestClock } from '../fixture/clock.js';
import { testControlsRoom } from '../fixture/extension.js';
import { createLogger } from '../logger.js';
import { startupBanner } from './banner.js';
import { explainStartupError } from './startup-errors.js';

// The test controls move the clock, so the app runs on the test clock when they are on.
function testControlsOptions(token: string | undefined) {
  const clock = createTestClock();
  return { clock: clock.now, extensions: [testControlsRoom(clock, { http: true, ...(token ? { token } : {}) }).extension] };
}

export async function start(env: Record<string, string | undefined>): Promise<void> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  // Taken from the first moment: a signal that arrives while starting still stops the process cleanly,
  // instead of meeting Node's default action before the handlers exist.
  const closeOnStop = stopOnSignal(logger);
  const seed = config.seedPath
    ? { value: loadSeedFile(config.seedPath), onlyIfEmpty: false, source: config.seedPath }
    : { value: parseSeed(DEMO_SEED, 'built-in demo seed'), onlyIfEmpty: true };
  const app = await buildApp(config, {
    logger,
    seed,
    ...(config.testControl ? testControlsOptions(config.testControlToken) : {}),
  }).catch((err: unknown) => {
    throw explainStartupError(err, config);
  });
  closeOnStop(() => app.close());
  if (config.emulationShortcuts === false && !config.smtpUrl) {
    logger.warn('EMULATION_SHORTCUTS=off without SMTP_URL: sign-in codes and links are sent to no one (the outbox is off); set SMTP_URL for email sign-in');
  }
  if (config.autoLogin) logger.warn('AUTO_LOGIN=1: authorizations sign a user in and grant consent without asking anyone; never in production');
  if (config.testControl) {
    const who = config.testControlToken ? 'whoever holds TEST_CONTROL_TOKEN' : `anyone who reaches ${config.host}`;
    logger.warn(`TEST_CONTROL=1: /_emulator/* lets ${who} mint tokens and reset data; never use it in production`);
  }
  const issuer = await app.listen().catch(async (err: unknown) => {
    await app.close();
    throw explainStartupError(err, config);
  });
  if (config.logLevel !== 'silent') process.stdout.write((await startupBanner(app, issuer, config)) + '\n');
  logger.info({ issuer, database: config.databaseUrl ? redactedUrl(config.databaseUrl) : config.databasePath }, 'started');
}

/** Exits on SIGINT/SIGTERM, after running the close function given (once there is something to close). */
function stopOnSignal(logger: Logger): (close: () => Promise<void>) => void {
  let close = () => Promise.resolve();
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'closing');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return (fn) => {
    close = fn;
  };
}
