// The MCP conformance suite's authorization-server scenarios (@modelcontextprotocol/conformance
// `authorization`), every published version that has them, run against the emulator with nobody at a
// browser: the suite prints the authorization URL, a MiniBrowser signs in and consents on the real
// pages, and the browser's last redirect is delivered to the suite's own callback listener. The suite's
// own results (its -o checks.json) are compared whole. The README's table ("The MCP conformance suite")
// is this file's outcome.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { MiniBrowser } from '../helpers/browser.js';
import { register, tokenCall } from '../helpers/code-flow.js';
import { ADA } from '../helpers/server.js';
import { freePort } from '../helpers/todo-stack.js';

const RES = 'res_10000000000000001';
const TODO_URL = 'http://localhost:3002/';
const require = createRequire(import.meta.url);

/**
 * Every version on the registry whose `list` has "Authorization server scenarios": 0.2.0-alpha.7 to .12
 * (there is no alpha.8). 0.1.5 to 0.1.16 have no `authorization` command (see the README). Pinned in
 * package.json, the older ones under npm aliases. `--resource` arrived in 0.2.0-alpha.12.
 */
const VERSIONS = [
  { version: '0.2.0-alpha.7', pkg: 'conformance-0.2.0-alpha.7', resourceFlag: false },
  { version: '0.2.0-alpha.9', pkg: 'conformance-0.2.0-alpha.9', resourceFlag: false },
  { version: '0.2.0-alpha.10', pkg: 'conformance-0.2.0-alpha.10', resourceFlag: false },
  { version: '0.2.0-alpha.11', pkg: 'conformance-0.2.0-alpha.11', resourceFlag: false },
  { version: '0.2.0-alpha.12', pkg: '@modelcontextprotocol/conformance', resourceFlag: true },
];
// A 2-core machine shared by several runs: the suite itself waits up to 5 minutes for its callback.
const RUN_MS = 120_000;

let em: Emulator;
let publicClient: string;
let confidentialClient: { id: string; secret: string };
let outputs: string;

beforeAll(async () => {
  em = await startEmulator({
    keys: 'fixed',
    seed: {
      environment: { redirect_uris: ['http://127.0.0.1/callback'] },
      // CIMD on, so the metadata scenario finds client_id_metadata_document_supported (it warns without).
      resources: [{ id: RES, name: 'Todo', resource_id: TODO_URL, scopes: [{ name: 'todo:read', description: 'Read your todos' }], enable_cimd: true }],
      users: [{ id: ADA.id, email: ADA.email, password: ADA.password }],
    },
  });
  const registered = async (body: Record<string, unknown>) => {
    const res = await register(em.url, RES, { client_name: 'MCP conformance suite', ...body });
    expect(res.status).toBe(201);
    return (await res.json()) as { client_id: string; client_secret?: string };
  };
  publicClient = (await registered({})).client_id;
  const confidential = await registered({ token_endpoint_auth_method: 'client_secret_basic' });
  confidentialClient = { id: confidential.client_id, secret: confidential.client_secret! };
  outputs = mkdtempSync(join(tmpdir(), 'conformance-'));
});
afterAll(async () => {
  await em?.close();
  if (outputs) rmSync(outputs, { recursive: true, force: true });
});

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

interface SuiteRun {
  output: string;
  exitCode: number | null;
  /** The suite's checks by scenario, as it saved them. */
  checks: Record<string, Check[]>;
}

async function runSuite(pkg: string, args: string[]): Promise<SuiteRun> {
  const cli = join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'index.js');
  const port = await freePort();
  const results = mkdtempSync(join(outputs, 'run-'));
  const suite = spawn(process.execPath, [cli, 'authorization', ...args, '-p', String(port), '-o', results], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const browsing: Promise<void>[] = [];
  suite.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const url = /^(http:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(chunk)?.[1];
    if (!url) return;
    browsing.push(
      (async () => {
        const callback = await new MiniBrowser({ email: ADA.email, password: ADA.password }).authorize(url, `http://127.0.0.1:${port}/callback`);
        await fetch(callback);
      })(),
    );
  });
  suite.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exitCode = await new Promise<number | null>((resolve) => suite.on('exit', resolve));
  await Promise.all(browsing);
  // One folder per scenario: authorization-server-<scenario>-<time>/checks.json.
  const checks: Record<string, Check[]> = {};
  for (const folder of readdirSync(results)) {
    const scenario = /^authorization-server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(folder)?.[1];
    if (scenario) checks[scenario] = JSON.parse(readFileSync(join(results, folder, 'checks.json'), 'utf8')) as Check[];
  }
  return { output, exitCode, checks };
}

/** Id, status and message of each check: what the README's table reports. */
const verdicts = (run: SuiteRun) =>
  Object.fromEntries(Object.entries(run.checks).map(([scenario, checks]) => [scenario, checks.map(({ id, status, errorMessage }) => ({ id, status, ...(errorMessage ? { errorMessage } : {}) }))]));

/** The token requests the emulator received at `path` since `from` (secrets are never logged; Basic shows as `authorization`). */
async function exchangesSince(from: number, path: string) {
  return (await em.requests())
    .slice(from)
    .filter((r) => r.path === path)
    .map((r) => ({ grant: r.params?.grant_type, client: r.params?.client_id, resource: r.params?.resource, authorization: r.authorization, status: r.status }));
}

const metadataPassed = [
  { id: 'authorization-server-metadata', status: 'SUCCESS' },
  { id: 'authorization-server-metadata-cimd', status: 'SUCCESS' },
];

describe.each(VERSIONS)('@modelcontextprotocol/conformance@$version authorization', ({ pkg, resourceFlag }) => {
  it('lists exactly two authorization-server scenarios: the metadata endpoint and the authorization-code grant', async () => {
    const cli = join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'index.js');
    const list = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, 'list'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`list exited ${code}`))));
    });
    const section = list.split(/\n\n|\n(?=\S)/).find((s) => s.startsWith('Authorization server scenarios'));
    expect(section?.match(/^ {2}- [\w-]+/gm)).toEqual(['  - authorization-server-metadata-endpoint', '  - authorization-code-grant']);
  });

  it('passes both at an MCP server’s issuer with a public client (DCR, PKCE, no secret)', { timeout: RUN_MS }, async () => {
    const from = (await em.requests()).length;
    const run = await runSuite(pkg, ['--url', em.urls.resourceIssuer(RES), '--client-id', publicClient, ...(resourceFlag ? ['--resource', TODO_URL] : [])]);
    expect(verdicts(run), run.output).toEqual({
      'authorization-server-metadata-endpoint': metadataPassed,
      'authorization-code-grant': [{ id: 'authorization-code-grant', status: 'SUCCESS' }],
    });
    expect(run.exitCode).toBe(0);
    // The suite keeps only the start of the token; the emulator's log shows what it was asked and answered.
    expect(await exchangesSince(from, `/resources/${RES}/oauth/token`)).toEqual([
      { grant: 'authorization_code', client: publicClient, resource: resourceFlag ? TODO_URL : undefined, authorization: undefined, status: 200 },
    ]);
  });

  it('passes both at the environment issuer with the environment client (its secret by client_secret_post)', { timeout: RUN_MS }, async () => {
    const from = (await em.requests()).length;
    const run = await runSuite(pkg, ['--url', em.url, '--client-id', em.environment.clientId, '--client-secret', em.environment.clientSecret]);
    expect(verdicts(run), run.output).toEqual({
      // Client ID metadata documents are an MCP server's setting; the environment issuer has none.
      'authorization-server-metadata-endpoint': [
        { id: 'authorization-server-metadata', status: 'SUCCESS' },
        { id: 'authorization-server-metadata-cimd', status: 'WARNING', errorMessage: 'Authorization server metadata does not include "client_id_metadata_document_supported"' },
      ],
      'authorization-code-grant': [{ id: 'authorization-code-grant', status: 'SUCCESS' }],
    });
    expect(run.exitCode).toBe(0);
    expect(await exchangesSince(from, '/oauth/token')).toEqual([
      { grant: 'authorization_code', client: em.environment.clientId, resource: undefined, authorization: undefined, status: 200 },
    ]);
  });

  it(
    'fails the code grant with a confidential client at an MCP server’s issuer, by the suite’s fault: it sends no secret when the issuer also lists `none`',
    { timeout: RUN_MS },
    async () => {
      const from = (await em.requests()).length;
      const run = await runSuite(pkg, ['--url', em.urls.resourceIssuer(RES), '--client-id', confidentialClient.id, '--client-secret', confidentialClient.secret]);
      expect(verdicts(run), run.output).toEqual({
        'authorization-server-metadata-endpoint': metadataPassed,
        'authorization-code-grant': [{ id: 'authorization-code-grant', status: 'FAILURE', errorMessage: 'Invalid status code: 401' }],
      });
      expect(run.exitCode).toBe(1);
      // selectTokenAuthMethod: `if (!options.clientSecret || authMethods.includes('none')) return 'none'`:
      // the code went to the token endpoint with client_id alone (no Authorization header), and the
      // emulator refused a confidential client that did not authenticate.
      expect(await exchangesSince(from, `/resources/${RES}/oauth/token`)).toEqual([
        { grant: 'authorization_code', client: confidentialClient.id, resource: undefined, authorization: undefined, status: 401 },
      ]);
      // With its secret the same client gets past client authentication (to the code, which is unknown).
      const basic = `Basic ${Buffer.from(`${confidentialClient.id}:${confidentialClient.secret}`).toString('base64')}`;
      const withSecret = await tokenCall(em.urls.resourceIssuer(RES), { grant_type: 'authorization_code', code: 'not-a-code', code_verifier: 'x'.repeat(43), redirect_uri: 'http://127.0.0.1:1/callback' }, { authorization: basic });
      expect(withSecret.status).toBe(400);
      expect(((await withSecret.json()) as { error: string }).error).toBe('invalid_grant');
    },
  );
});
