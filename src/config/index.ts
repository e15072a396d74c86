// Configuration: the one place that reads process.env. Every key has a default and a description;
// a bad value fails the start with a message that names the variable.
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

/** The connection caps' defaults (server/http-limits.ts takes them too). */
export const DEFAULT_MAX_CONNECTIONS = 900;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Registrations per address per hour at the open registration endpoint (also for a Config without it). */
export const DEFAULT_REGISTRATION_RATE_LIMIT = 20;
/** Days an unused self-registered client is kept. */
export const DEFAULT_UNUSED_DCR_CLIENT_DAYS = 7;
/** Connections one process keeps to DATABASE_URL. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;
// An on/off setting, off by default: `1` or `true` turns it on. Its error lists what it takes, as
// `--help` and the README do (they read the list from the enum).
const FLAG_VALUES = ['0', '1', 'true', 'false'] as const;
const flag = () => z.enum(FLAG_VALUES, { error: `must be one of ${FLAG_VALUES.join(', ')}` }).default('0');

// Each key's description and default are also what `--help` prints and what the README's table shows
// (a test keeps the README in step). `shownDefault` is for keys whose default is not a value.
const envSchema = z.object({
  SCALEKIT_ENVIRONMENT_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((u) => !/[?#]/.test(u), 'must not carry a query or a fragment')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional()
    .describe('Public URL of the environment: the `iss` of tokens and metadata. Set it when clients reach the server under another name.')
    .meta({ shownDefault: '`http://localhost:$PORT` (`https://` with TLS)' }),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(8080)
    .describe('TCP port to listen on (`0` picks a free one).'),
  HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface to listen on: this machine only by default; `0.0.0.0` for every interface (the Docker image sets it), best with `EMULATION_SHORTCUTS=off`.'),
  TLS: z
    .enum(FLAG_VALUES, { error: `must be one of ${FLAG_VALUES.join(', ')}` })
    .optional()
    .describe(
      '`1` serves HTTPS, and gRPC over TLS, on `PORT` (HTTP/2 or HTTP/1.1 by ALPN) with a certificate from a local CA made once in `DATA_DIR` (`emulator-ca.pem`: trust it as the start banner says). The default `SCALEKIT_ENVIRONMENT_URL` becomes `https://…`.',
    )
    .meta({ shownDefault: '`0` (`1` when `TLS_CERT` is set)' }),
  TLS_CERT: z
    .string()
    .min(1)
    .optional()
    .describe('Path to your own PEM certificate (its chain may follow) to serve instead of the local CA\'s. Set with `TLS_KEY`; turns TLS on.')
    .meta({ shownDefault: 'unset' }),
  TLS_KEY: z.string().min(1).optional().describe('Path to the PEM private key of `TLS_CERT`, not encrypted.').meta({ shownDefault: 'unset' }),
  TLS_NAMES: z
    .string()
    .optional()
    .describe(
      'More names for the local CA\'s server certificate, comma-separated host names or IP addresses (e.g. `emulator` for other containers). It always names `localhost`, `127.0.0.1`, `::1` and the host of `SCALEKIT_ENVIRONMENT_URL`.',
    )
    .meta({ shownDefault: 'unset' }),
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
  TEST_CONTROL: flag()
    .describe('`1` serves the test controls at `/_emulator/*`: anyone who reaches the port can then mint tokens. Tests only. On a `HOST` that is not loopback the start is refused (exit 2) unless `TEST_CONTROL_TOKEN` is set.'),
  TEST_CONTROL_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(512, 'must be at most 512 characters')
    .optional()
    .describe('At least 16 characters. When set, every `/_emulator/*` request must send `Authorization: Bearer <token>` (else 401 `invalid_token`), whatever the `HOST`.')
    .meta({ shownDefault: 'unset' }),
  AUTO_LOGIN: flag()
    .describe('`1`: every authorization signs in the `login_hint` user (email or `usr_` id), else the first user, and grants consent, with no page shown: for CI pipelines that run an MCP client\'s real flow. Never in production.'),
  ALLOW_INSECURE_CIMD: flag()
    .describe('`1`: client ID metadata documents may also be fetched over `http://`, from private, loopback and link-local addresses, and with any TLS certificate. Local tests only.'),
  ALLOW_INSECURE_JWKS: flag()
    .describe('`1`: the keys (`jwks_uri`) of trusted identity providers, whose ID-JAGs MCP servers accept, may also be fetched over `http://`, from private, loopback and link-local addresses, and with any TLS certificate. Local tests only.'),
  LOGIN_METHOD: z
    .enum(['password', 'email_code'], { error: 'must be password or email_code' })
    .default('email_code')
    .describe('What the login page asks for after the email: `email_code` (a one-time code and a sign-in link sent to the outbox, as Scalekit\'s hosted login does), or `password`. The other stays one click away; test users always get the code page.'),
  ADMIN_PASSWORD: z
    .string()
    .min(12, 'must be at least 12 characters')
    .max(512, 'must be at most 512 characters')
    .optional()
    .describe('A password for the dashboard at `/dashboard`, besides the environment client\'s id and secret (which always sign in).')
    .meta({ shownDefault: 'unset' }),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' })
    .optional()
    .describe('Also send sign-in emails to this SMTP server, e.g. Mailpit at `smtp://localhost:1025`. The outbox at `/outbox` keeps them either way.')
    .meta({ shownDefault: 'unset' }),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info')
    .describe('pino log level. Logs are JSON lines; secrets and `Authorization` headers are redacted.'),
  AUDIT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .min(0, 'must be 0 or more')
    .max(36500, 'must be at most 36500')
    .default(7)
    .describe('Days issued-token and audit rows are kept, pruned in the background in small batches (`0` keeps everything).'),
  MAX_CONNECTIONS: z.coerce
    .number({ error: 'must be a number of connections' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .default(DEFAULT_MAX_CONNECTIONS)
    .describe('Connections open at once, HTTP/1.1 and HTTP/2 together; one more is closed as soon as it is accepted. Keep it under the process\'s file-descriptor limit.'),
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce
    .number({ error: 'must be a number of connections' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .default(DEFAULT_MAX_CONNECTIONS_PER_ADDRESS)
    .describe('Connections open at once from one client address (an IPv6 client by its /64), HTTP/1.1 and HTTP/2 together, so that one client cannot take every slot. A proxy named in `TRUST_PROXY` is not capped.'),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((list, ctx) => trustedProxyList(list, ctx))
    .describe(
      'Comma-separated addresses or CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`) of reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` count: the attempt limits then key on the client address they forward, cookies are `Secure` when they say https, and connections from them are not capped per address.',
    )
    .meta({ shownDefault: 'unset (no proxy trusted)' }),
  EMULATION_SHORTCUTS: z
    .enum(['on', 'off'], { error: 'must be on or off' })
    .default('on')
    .describe(
      '`off` turns every emulation shortcut off for a server other people reach: the simulated identity providers, the open outbox (`/outbox`), the static code `424242` for any `+sktest` email, and the fixture\'s hands-free sign-ins. `AUTO_LOGIN` and `TEST_CONTROL` are then refused (exit 2).',
    ),
  REGISTRATION_RATE_LIMIT: z.coerce
    .number({ error: 'must be a number of registrations' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(1_000_000, 'must be at most 1000000')
    .default(DEFAULT_REGISTRATION_RATE_LIMIT)
    .describe('Dynamic client registrations one address may make per hour at the open registration endpoint (an IPv6 address counts by its /64); more get `429` with `Retry-After` (`0`: no limit).'),
  UNUSED_DCR_CLIENT_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .min(0, 'must be 0 or more')
    .max(36500, 'must be at most 36500')
    .default(DEFAULT_UNUSED_DCR_CLIENT_DAYS)
    .describe('Days a self-registered (DCR) client that was never used for a code or a token is kept, then pruned in the background (`0` keeps them).'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional()
    .describe(
      'PostgreSQL instead of SQLite, e.g. `postgres://user:password@host:5432/emulator`: several replicas on one database share everything (clients, keys, sessions, limits). Migrated at start; never logged with its password. `DATA_DIR` then holds only the TLS files.',
    )
    .meta({ shownDefault: 'unset (SQLite in `DATA_DIR`)' }),
  DATABASE_POOL_SIZE: z.coerce
    .number({ error: 'must be a number of connections' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(DEFAULT_DATABASE_POOL_SIZE)
    .describe('Connections to `DATABASE_URL` this process keeps at most.'),
});

// What proxy-addr (Fastify's trustProxy) takes, checked here so that a typo fails the start.
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function trustedProxyList(list: string | undefined, ctx: z.RefinementCtx): string[] {
  const entries = (list ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    if (PROXY_NAMES.includes(entry)) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const version = isIP(address);
    const bits = version === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (version === 0 || !prefixOk || extra !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an address, a CIDR range or one of ${PROXY_NAMES.join(', ')}` });
    }
  }
  return entries;
}

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
  /**
   * Host name of the default environment URL (SCALEKIT_ENVIRONMENT_URL unset); absent: named after `host`.
   * `localhost` when HOST is unset: the default listener (127.0.0.1) keeps the issuer it always had.
   */
  environmentHost?: string;
  /** Credentials given by the operator; when absent the store generates them once. */
  environmentClient?: EnvironmentClientCredentials;
  /** SQLite file path, or ':memory:'. */
  databasePath: string;
  /** PostgreSQL instead of `databasePath` (DATABASE_URL). */
  databaseUrl?: string;
  /** Connections to `databaseUrl`; absent: DEFAULT_DATABASE_POOL_SIZE. */
  databasePoolSize?: number;
  seedPath?: string;
  logLevel: LogLevel;
  /** Serve /_emulator/* test controls. */
  testControl: boolean;
  /** Sign users in and grant consent without showing the pages. */
  autoLogin: boolean;
  /** Fetch client-id metadata documents from http:// and private addresses too. */
  allowInsecureCimd: boolean;
  /** Fetch trusted identity providers' JWKS from http:// and private addresses too. */
  allowInsecureJwks: boolean;
  /** When set, /_emulator/* requires it as a bearer token. */
  testControlToken?: string;
  /** Days issued-token and audit rows are kept; 0: forever. */
  auditRetentionDays: number;
  /** What the login page asks for after the email; absent: an email code. */
  loginMethod?: LoginMethod;
  /** Signs in to the dashboard, besides the environment client's credentials. */
  adminPassword?: string;
  /** Sign-in emails also go to this SMTP server. */
  smtpUrl?: string;
  /** Serve HTTPS and gRPC over TLS on the port; absent: cleartext HTTP/1.1 and h2c. */
  tls?: TlsSettings;
  /** Connections open at once (both protocols); absent: DEFAULT_MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Connections open at once from one client address; absent: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS. */
  maxConnectionsPerAddress?: number;
  /** Reverse proxies whose X-Forwarded-* headers count (addresses, CIDR ranges, proxy-addr names); absent: none. */
  trustProxy?: string[];
  /** Simulated identity providers, the open outbox, `+sktest` codes, hands-free tickets; absent: on. */
  emulationShortcuts?: boolean;
  /** Registrations per address per hour at the open registration endpoint; 0: no limit. Absent: the default. */
  registrationRateLimit?: number;
  /** Days an unused DCR client is kept; 0: forever. Absent: the default. */
  unusedDcrClientDays?: number;
}

export type TlsSettings =
  /** The operator's own certificate (chain) and key: PEM files read at start and served as they are. */
  | { source: 'files'; certPath: string; keyPath: string }
  /** A certificate from a local CA kept in `dir` (DATA_DIR) for localhost, the issuer's host and `names`. */
  | { source: 'local-ca'; dir: string; names: string[] };

export type LoginMethod = 'password' | 'email_code';

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
  const parsed = envSchema.safeParse(pickSet(env, Object.keys(envSchema.shape)));
  if (!parsed.success) throw configError(parsed.error);
  const e = parsed.data;
  if ((e.SCALEKIT_CLIENT_ID === undefined) !== (e.SCALEKIT_CLIENT_SECRET === undefined)) {
    throw new ConfigError(['SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET: set both or neither']);
  }
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR);
  const config: Config = {
    ...(e.SCALEKIT_ENVIRONMENT_URL ? { environmentUrl: e.SCALEKIT_ENVIRONMENT_URL } : {}),
    port: e.PORT,
    host: e.HOST,
    ...(env.HOST === undefined || env.HOST.trim() === '' ? { environmentHost: 'localhost' } : {}),
    ...(e.SCALEKIT_CLIENT_ID && e.SCALEKIT_CLIENT_SECRET
      ? { environmentClient: { clientId: e.SCALEKIT_CLIENT_ID, clientSecret: e.SCALEKIT_CLIENT_SECRET } }
      : {}),
    databasePath: join(dataDir, 'emulator.sqlite'),
    ...(e.SEED ? { seedPath: resolve(cwd, e.SEED) } : {}),
    logLevel: e.LOG_LEVEL,
    testControl: isOn(e.TEST_CONTROL),
    autoLogin: isOn(e.AUTO_LOGIN),
    allowInsecureCimd: isOn(e.ALLOW_INSECURE_CIMD),
    allowInsecureJwks: isOn(e.ALLOW_INSECURE_JWKS),
    ...(e.TEST_CONTROL_TOKEN ? { testControlToken: e.TEST_CONTROL_TOKEN } : {}),
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    loginMethod: e.LOGIN_METHOD,
    ...(e.ADMIN_PASSWORD ? { adminPassword: e.ADMIN_PASSWORD } : {}),
    ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}),
    maxConnections: e.MAX_CONNECTIONS,
    maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
    ...(e.TRUST_PROXY.length > 0 ? { trustProxy: e.TRUST_PROXY } : {}),
    emulationShortcuts: e.EMULATION_SHORTCUTS === 'on',
    registrationRateLimit: e.REGISTRATION_RATE_LIMIT,
    unusedDcrClientDays: e.UNUSED_DCR_CLIENT_DAYS,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL, databasePoolSize: e.DATABASE_POOL_SIZE } : {}),
  };
  const tls = tlsSettings(e, dataDir, cwd);
  if (tls) config.tls = tls;
  checkTestControlExposure(config);
  checkShortcutsOff(config);
  return config;
}

/**
 * The test controls mint tokens signed with the real key: on an interface other people can reach,
 * only behind a token. Checked by loadConfig and again by buildApp (the fixture builds its own Config).
 */
export function checkTestControlExposure(config: Pick<Config, 'testControl' | 'host' | 'testControlToken'>): void {
  if (config.testControl && !isLoopback(config.host) && config.testControlToken === undefined) {
    throw new ConfigError([
      `TEST_CONTROL=1 with HOST=${config.host} would let anyone on the network mint tokens: set TEST_CONTROL_TOKEN ` +
        '(then required as Authorization: Bearer <token> on /_emulator/*), or listen on a loopback HOST such as 127.0.0.1',
    ]);
  }
}

function tlsSettings(e: z.infer<typeof envSchema>, dataDir: string, cwd: string): TlsSettings | undefined {
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined)) throw new ConfigError(['TLS_CERT and TLS_KEY: set both or neither']);
  const on = e.TLS === undefined ? e.TLS_CERT !== undefined : isOn(e.TLS);
  if (!on) {
    if (e.TLS_CERT !== undefined) throw new ConfigError([`TLS=${e.TLS}: TLS_CERT and TLS_KEY serve HTTPS; unset them, or set TLS=1`]);
    return undefined;
  }
  if (e.SCALEKIT_ENVIRONMENT_URL?.startsWith('http:')) {
    throw new ConfigError([`SCALEKIT_ENVIRONMENT_URL: must be an https:// URL when TLS is on (the port speaks HTTPS only), not ${e.SCALEKIT_ENVIRONMENT_URL}`]);
  }
  const names = (e.TLS_NAMES ?? '').split(',').map((n) => n.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
  if (e.TLS_CERT !== undefined && e.TLS_KEY !== undefined) {
    if (names.length > 0) throw new ConfigError(['TLS_NAMES: names the local CA\'s certificate; with TLS_CERT the names are those of your certificate']);
    return { source: 'files', certPath: resolve(cwd, e.TLS_CERT), keyPath: resolve(cwd, e.TLS_KEY) };
  }
  const bad = names.filter((n) => isIP(n) === 0 && !HOST_NAME.test(n));
  if (bad.length > 0) throw new ConfigError([`TLS_NAMES: ${bad.join(', ')} is not a host name or an IP address`]);
  return { source: 'local-ca', dir: dataDir, names };
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * EMULATION_SHORTCUTS=off promises that no shortcut is served: a start that also asks for one is a
 * contradiction, refused rather than resolved one way or the other. Checked by loadConfig and buildApp.
 */
export function checkShortcutsOff(config: Pick<Config, 'emulationShortcuts' | 'autoLogin' | 'testControl'>): void {
  if (config.emulationShortcuts !== false) return;
  const asked = [...(config.autoLogin ? ['AUTO_LOGIN=1'] : []), ...(config.testControl ? ['TEST_CONTROL=1'] : [])];
  if (asked.length > 0) {
    throw new ConfigError([`EMULATION_SHORTCUTS=off contradicts ${asked.join(' and ')}: these are emulation shortcuts; unset ${asked.length > 1 ? 'them' : 'it'} or turn the shortcuts on`]);
  }
}

/** A database URL as it may be shown (banner, logs, errors): its password replaced. */
export function redactedUrl(url: string): string {
  const parsed = URL.parse(url);
  if (!parsed) return '(not a URL)';
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (address === 'localhost') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || address.startsWith('::ffff:127.');
}

const isOn = (flag: string) => flag === '1' || flag === 'true';

/** The named variables that are set. An empty (or blank) one means "unset", as in most shells' `FOO= cmd`. */
export function pickSet(env: Record<string, string | undefined>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') out[key] = v;
  }
  return out;
}

/** A ConfigError naming each variable zod refused. */
export function configError(error: z.ZodError): ConfigError {
  return new ConfigError(error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}
