// The package's public API. The Node.js version check is imported first, so it runs before the rest.
import './node-version.js';

export { buildApp, type App, type AppOptions, type StartupReport } from './app.js';
export { loadConfig, ConfigError, type Config } from './config/index.js';
export { parseSeed, loadSeedFile, SeedError, DEMO_SEED, type Seed, type SeedInput } from './config/seed.js';
export { createLogger } from './logger.js';
export { startEmulator, withEmulator, type Emulator, type StartEmulatorOptions, type MintOptions, type BrokenKind, type IdTokenOptions, type AuthorizeOptions, type AuthorizedTokens, type ApproveDeviceOptions, type RecordedRequest, type TestClock, type WaitOptions, type EmulatorFaults, type Fault, type FailOptions, type TokensOf } from './fixture/index.js';
export { ControlInputError } from './fixture/control-input.js';
