// Configuration: the one place that reads process.env. Every key has a default and a description;
// a bad value fails the start with a message that names the variable.
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// Each key's description and default are also what `--help` prints and what the README's table shows
// (a test keeps the README in step). `shownDefault` is for keys whose default is not a value.
const envSchema = z.object({
  SCALEKIT_ENVIRONMENT_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((u) => !/[?#]/.test(u), 'must not carry a query or a fragment')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional()
    .describe('Public URL of the environment: the `iss` of tokens and metadata. Set it when clients reach the server under another name.')
    .meta({ shownDefault: '`http://localhost:$PORT`' }),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(8080)
    .describe('TCP port to listen on (`0` picks a free one).'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface to listen on (`127.0.0.1`: this machine only).'),
  SCALEKIT_CLIENT_ID: z
    .string()
    .regex(/^skc_[0-9]+$/, 'must look like skc_<digits>')
    .optional()
    .describe(
      "The environment's own API client. Set together with the secret, or leave both unset to have them generated once, stored, and printed at the first start.",
    )
    .meta({ shownDefault: 'generated `skc_…`' }),
  SCALEKIT_CLIENT_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(512, 'must be at most 512 characters')
    .optional()
    .describe('Its secret (16 to 512 characters); stored as a keyed hash, never in plain.')
    .meta({ shownDefault: 'generated' }),
  DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('Folder of the SQLite database and its key file, readable by its owner only (0700, files 0600).'),
  SEED: z
    .string()
    .min(1)
    .optional()
    .describe('Path to a JSON or YAML seed file, applied at every start.')
    .meta({ shownDefault: 'built-in demo seed' }),
  TEST_CONTROL: z
    .enum(['0', '1', 'true', 'false'], { error: 'must be 1 or 0' })
    .default('0')
    .describe('`1` serves the test controls at `/_emulator/*`: anyone who reaches the port can then mint tokens. Tests only.'),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info')
    .describe('pino log level. Logs are JSON lines; secrets and `Authorization` headers are redacted.'),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface EnvironmentClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface Config {
  /** Public URL of the environment, without a trailing slash; the issuer. Unset: http://localhost:<port>. */
  environmentUrl?: string;
  port: number;
  host: string;
  /** Credentials given by the operator; when absent the store generates them once. */
  environmentClient?: EnvironmentClientCredentials;
  /** SQLite file path, or ':memory:'. */
  databasePath: string;
  seedPath?: string;
  logLevel: LogLevel;
  /** Serve /_emulator/* test controls. */
  testControl: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A setting as `--help` and the README show it, read from the schema: markdown code in backticks. */
export interface SettingReference {
  name: string;
  default: string;
  /** The values it takes, when they are a fixed list. */
  allowed: string[];
  description: string;
}

export const configReference: SettingReference[] = Object.entries(envSchema.shape).map(([name, schema]) => ({
  name,
  ...documented(schema),
}));

/** Describes each setting. */
export const configDescriptions: Record<string, string | undefined> = Object.fromEntries(
  configReference.map((s) => [s.name, s.description]),
);

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, string>;
}

// Unwraps .default() and .optional() down to the value's own schema, noting the default and an enum's values.
function documented(schema: z.ZodType): Omit<SettingReference, 'name'> {
  const meta = schema.meta() as { description?: string; shownDefault?: string } | undefined;
  let shown = meta?.shownDefault;
  let allowed: string[] = [];
  for (let def = schema.def as SchemaDef; ; def = def.innerType!.def as SchemaDef) {
    if (def.type === 'default') shown ??= `\`${String(def.defaultValue)}\``;
    else if (def.type === 'enum') allowed = Object.values(def.entries!);
    if (def.innerType === undefined) break;
  }
  return { default: shown ?? '', allowed, description: meta?.description ?? '' };
}

export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(pickSet(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if ((e.SCALEKIT_CLIENT_ID === undefined) !== (e.SCALEKIT_CLIENT_SECRET === undefined)) {
    throw new ConfigError(['SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET: set both or neither']);
  }
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR);
  return {
    ...(e.SCALEKIT_ENVIRONMENT_URL ? { environmentUrl: e.SCALEKIT_ENVIRONMENT_URL } : {}),
    port: e.PORT,
    host: e.HOST,
    ...(e.SCALEKIT_CLIENT_ID && e.SCALEKIT_CLIENT_SECRET
      ? { environmentClient: { clientId: e.SCALEKIT_CLIENT_ID, clientSecret: e.SCALEKIT_CLIENT_SECRET } }
      : {}),
    databasePath: join(dataDir, 'emulator.sqlite'),
    ...(e.SEED ? { seedPath: resolve(cwd, e.SEED) } : {}),
    logLevel: e.LOG_LEVEL,
    testControl: e.TEST_CONTROL === '1' || e.TEST_CONTROL === 'true',
  };
}

// An empty (or blank) variable means "unset", as in most shells' `FOO= cmd`.
function pickSet(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') out[key] = v;
  }
  return out;
}
