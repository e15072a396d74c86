// What a start loads: the server answers tokens without loading oidc-provider (the interactive flows),
// connect and the protobuf descriptors (the management API), nodemailer (SMTP), @simplewebauthn/server
// (passkeys) or jose (a presented bearer token), each loaded on its first use. Together they were about
// half of a cold start (bench/client-credentials.mjs measures it). The X.509 writer (pkijs, asn1js) is loaded only by a TLS
// start that must make a certificate. Nor does a SQLite start load node-postgres, a start without a YAML
// seed the YAML parser, or any start Fastify's schema compilers (ajv, fast-json-stringify): we have no schema.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { authorizationUrl, pkce, registerClient } from '../helpers/code-flow.js';
import { onPostgres } from '../helpers/databases.js';
import { FormSteps } from '../helpers/form-steps.js';
import { clientToken, restCaller } from '../helpers/management.js';
import { freePort } from '../helpers/todo-stack.js';

const TRACE_HOOKS = fileURLToPath(new URL('../helpers/module-trace/register.mjs', import.meta.url));
const ENV_ID = 'skc_30000000000000001';
const ENV_SECRET = 'lazy-loading-environment-secret';
const LAZY = ['oidc-provider', '@connectrpc/connect', '@connectrpc/connect-node', '@bufbuild/protobuf', 'nodemailer', '@simplewebauthn/server', 'pkijs', 'asn1js', 'jose'];
// node-postgres is what a PostgreSQL run (DATABASE_URL) is made of; the rest no start needs.
const UNNEEDED = [...(onPostgres() ? [] : ['pg']), 'yaml', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];
const X509_WRITER = ['pkijs', 'asn1js'];

let dir: string;
let cli: RunningCli;
const loaded = () => new Set(readFileSync(join(dir, 'modules.txt'), 'utf8').split('\n').filter(Boolean));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-lazy-'));
  const port = await freePort();
  cli = await startCli({
    // A domain name, so the login pages offer passkeys (browsers refuse them at an IP address).
    PORT: String(port),
    SCALEKIT_ENVIRONMENT_URL: `http://localhost:${port}`,
    DATA_DIR: join(dir, 'data'),
    SCALEKIT_CLIENT_ID: ENV_ID,
    SCALEKIT_CLIENT_SECRET: ENV_SECRET,
    NODE_OPTIONS: `--import=${TRACE_HOOKS}`,
    MODULE_TRACE_FILE: join(dir, 'modules.txt'),
  });
});
afterAll(async () => {
  await cli?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('starts and issues a client-credentials token without loading them', async () => {
  expect((await clientToken(cli.url, ENV_ID, ENV_SECRET)).status).toBe(200);
  const modules = loaded();
  expect(modules.has('fastify')).toBe(true); // the trace sees what is loaded
  expect(LAZY.filter((pkg) => modules.has(pkg))).toEqual([]);
  expect(UNNEEDED.filter((pkg) => modules.has(pkg))).toEqual([]);
});

it('loads each on its first use: oidc-provider at an authorization, the descriptors and jose at a management call', async () => {
  await fetch(`${cli.url}/oauth/authorize?client_id=nobody`, { redirect: 'manual' });
  const token = ((await (await clientToken(cli.url, ENV_ID, ENV_SECRET)).json()) as { access_token: string }).access_token;
  expect((await restCaller(cli.url, token)('GET', '/organizations')).status).toBe(200);
  const modules = loaded();
  expect(['oidc-provider', '@bufbuild/protobuf', '@connectrpc/connect', 'jose'].filter((pkg) => !modules.has(pkg))).toEqual([]);
});

it('TLS=1 loads the X.509 writer to make the certificates, and a restart that reuses them does not', async () => {
  const tlsDir = join(dir, 'tls');
  const traced = (file: string) => ({
    DATA_DIR: join(tlsDir, 'data'),
    TLS: '1',
    SCALEKIT_CLIENT_ID: ENV_ID,
    SCALEKIT_CLIENT_SECRET: ENV_SECRET,
    NODE_OPTIONS: `--import=${TRACE_HOOKS}`,
    MODULE_TRACE_FILE: join(tlsDir, file),
  });
  const modulesOf = (file: string) => new Set(readFileSync(join(tlsDir, file), 'utf8').split('\n').filter(Boolean));
  mkdirSync(tlsDir);
  const first = await startCli(traced('first.txt'));
  await first.stop();
  const second = await startCli(traced('second.txt'));
  await second.stop();
  expect(X509_WRITER.filter((pkg) => modulesOf('first.txt').has(pkg))).toEqual(X509_WRITER);
  expect(X509_WRITER.filter((pkg) => modulesOf('second.txt').has(pkg))).toEqual([]);
});

it('loads @simplewebauthn/server on the first passkey ceremony, not for the login page that offers it', async () => {
  const client = await registerClient(cli.url, 'res_10000000000000001');
  const steps = new FormSteps();
  await steps.open(authorizationUrl(`${cli.url}/resources/res_10000000000000001`, { client_id: client, code_challenge: pkce().challenge }));
  expect(steps.page.html).toContain('Sign in with a passkey');
  expect(loaded().has('@simplewebauthn/server')).toBe(false);
  // What the page's script asks when "Sign in with a passkey" is pressed.
  const { init } = steps.request('/passkey');
  const options = await steps.browser.fetch(`${steps.page.url}/passkey/options`, init);
  expect(options.status).toBe(200);
  expect(loaded().has('@simplewebauthn/server')).toBe(true);
});
