// Starts the real server in-process for a test: a real SQLite file in a fresh folder (in the PostgreSQL
// run, a fresh PostgreSQL database: databases.ts), real HTTP on port 0 of 127.0.0.1. Logs are captured
// so tests can check what was (not) logged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { parseSeed, type SeedInput } from '../../src/config/seed.js';
import { createTestClock, type TestClock } from '../../src/fixture/clock.js';
import { testControlsRoom } from '../../src/fixture/extension.js';
import { createLogger } from '../../src/logger.js';
import type { HttpLimits } from '../../src/server/http-limits.js';
import { databaseOfApp, onPostgres, rawDatabase, type RawDatabase } from './databases.js';

export const TEST_SEED: SeedInput = {
  environment: { redirect_uris: ['http://127.0.0.1:4010/callback'], post_logout_redirect_uris: ['http://127.0.0.1:4010/'] },
  organizations: [{ id: 'org_20000000000000001', display_name: 'Acme' }],
  resources: [
    {
      id: 'res_20000000000000001',
      name: 'Todo',
      resource_type: 'MCP_SERVER',
      resource_id: 'http://localhost:3002/',
      scopes: [
        { name: 'todo:read', description: 'Read todos' },
        { name: 'todo:write', description: 'Write todos' },
      ],
    },
  ],
  clients: [
    {
      client_id: 'm2morg_20000000000000001',
      organization_id: 'org_20000000000000001',
      name: 'Agent',
      scopes: ['todo:read', 'todo:write'],
      audience: ['http://localhost:3002/'],
      expiry: 1800,
      custom_claims: [{ key: 'team', value: 'platform' }],
      plain_secret: 'agent-secret-0123456789abcdef',
    },
    {
      client_id: 'm2morg_20000000000000002',
      organization_id: 'org_20000000000000001',
      name: 'No audience',
      scopes: ['reports:read'],
      plain_secret: 'plain-secret-0123456789abcdef',
    },
  ],
  users: [{ id: 'usr_20000000000000001', email: 'ada@example.com', name: 'Ada Lovelace', password: 'correct-horse-battery', organization_id: 'org_20000000000000001' }],
};

export const ADA = { id: 'usr_20000000000000001', email: 'ada@example.com', password: 'correct-horse-battery' };
export const WEB_APP_CALLBACK = 'http://127.0.0.1:4010/callback';

export const AGENT = { id: 'm2morg_20000000000000001', secret: 'agent-secret-0123456789abcdef' };
export const ENV_CLIENT = { id: 'skc_20000000000000001', secret: 'environment-secret-0123456789' };

export interface TestServer {
  url: string;
  app: App;
  /** The server's clock: real time until a test moves it. */
  clock: TestClock;
  dataDir: string;
  /** Where its store is: the SQLite file, or the postgres:// URL. */
  database: string;
  /** Raw SQL on its database, for checks by row (opened on first use, closed with the server). */
  db: RawDatabase;
  logs: () => string;
  close: () => Promise<void>;
}

export async function startTestServer(
  options: {
    seed?: SeedInput;
    env?: Record<string, string>;
    httpLimits?: Partial<HttpLimits>;
    metadataDocumentDeadlineMs?: number;
    /** A PostgreSQL database to share with another app (its URL); default: a fresh one in the PostgreSQL run, else SQLite in DATA_DIR. */
    database?: string;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-test-'));
  const fresh = options.database === undefined && onPostgres() && options.env?.DATABASE_URL === undefined ? await databaseOfApp(options.env?.DATA_DIR) : undefined;
  const databaseUrl = options.database ?? fresh?.url;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'trace',
    SCALEKIT_CLIENT_ID: ENV_CLIENT.id,
    SCALEKIT_CLIENT_SECRET: ENV_CLIENT.secret,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured += chunk.toString();
      done();
    },
  });
  const clock = createTestClock();
  const app = await buildApp(config, {
    logger: createLogger('trace', sink),
    clock: clock.now,
    seed: { value: parseSeed(options.seed ?? TEST_SEED), onlyIfEmpty: false },
    // As `start` does: TEST_CONTROL=1 in `env` serves /_emulator/*.
    ...(config.testControl
      ? { extensions: [testControlsRoom(clock, { http: true, ...(config.testControlToken ? { token: config.testControlToken } : {}) }).extension] }
      : {}),
    ...(options.httpLimits ? { httpLimits: options.httpLimits } : {}),
    ...(options.metadataDocumentDeadlineMs ? { metadataDocumentDeadlineMs: options.metadataDocumentDeadlineMs } : {}),
  }).catch(async (err: unknown) => {
    await fresh?.release();
    throw err;
  });
  const url = await app.listen();
  const database = config.databaseUrl ?? config.databasePath;
  let raw: RawDatabase | undefined;
  return {
    url,
    app,
    clock,
    dataDir,
    database,
    get db() {
      return (raw ??= rawDatabase(database));
    },
    logs: () => captured,
    close: async () => {
      await app.close();
      await raw?.close();
      await fresh?.release();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POSTs a form to the token endpoint. */
export function tokenRequest(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** A client-credentials access token of that client. */
export async function clientCredentialsToken(url: string, client: { id: string; secret: string }): Promise<string> {
  const res = await tokenRequest(url, { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** POSTs a form to any path of the server (revocation, introspection). */
export function postForm(url: string, path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>,
  };
}
