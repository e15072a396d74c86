// Real MCP hosts, unchanged, against the example Todo MCP server (pattern 1): mcp-remote (spoken to over
// stdio, as Claude Desktop or Cursor run it) and the MCP Inspector CLI. Each runs as its own process,
// opens the authorization URL the way it does on a desktop ($BROWSER, here handing the URL to Debian's
// Chromium), and the person signs in there on the real pages with the email code from the outbox.
// Second run: the host's stored tokens, no browser. Third run, after the access token was revoked (the
// Todo server introspects, so it refuses it): a refresh, still no browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHandoff, hostEnvironment, type BrowserHandoff } from '../helpers/browser-handoff.js';
import { launchChromium } from '../helpers/chromium.js';
import { enterEmail, latestMessage } from '../helpers/chromium-host.js';
import { ADA, decodeJwt } from '../helpers/server.js';
import { freePort, startTodoStack, type TodoStack } from '../helpers/todo-stack.js';

const TODO = 'res_30000000000000001';
const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const versionOf = (name: string) => (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
const MCP_REMOTE = join(packageDir('mcp-remote'), 'dist', 'proxy.js');
const INSPECTOR = join(packageDir('@modelcontextprotocol/inspector'), 'clients', 'launcher', 'build', 'index.js');
// A real host is slow to start and sign in on a loaded machine; none of these is a time limit under test.
const HOST_RUN_MS = 240_000;

let stack: TodoStack;
let browser: Browser;
let todoMcpUrl: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTodoStack([{ resourceId: TODO, name: 'Todo', introspect: true }]), launchChromium()]);
  todoMcpUrl = stack.mcpUrl[TODO]!;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** The person at the Chromium window: email, the code from the outbox, consent, back to the host. */
function personInChromium(context: () => BrowserContext) {
  return async (url: string) => {
    const redirectUri = new URL(url).searchParams.get('redirect_uri')!;
    const page = await context().newPage();
    await page.goto(url);
    await enterEmail(page, ADA.email);
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const { code } = await latestMessage(stack.em.url, ADA.email);
    await page.locator('input[name="otp"]').fill(code!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: / wants to access Todo$/ }).waitFor();
    await page.getByRole('button', { name: 'Allow access' }).click();
    // The host's own callback listener answers; only then has it the code.
    await page.waitForURL((u) => u.href.startsWith(redirectUri), { waitUntil: 'load' });
    await page.close();
  };
}

const REGISTER = `/api/v1/resources/${TODO}/clients:register`;
const AUTHORIZE = `/resources/${TODO}/oauth/authorize`;
const TOKEN = `/resources/${TODO}/oauth/token`;

/** What the emulator was asked since `from` (an index into its request log): registrations, authorizations, token grants. */
async function askedSince(from: number) {
  const seen = (await stack.em.requests()).slice(from);
  return {
    registrations: seen.filter((r) => r.path === REGISTER).map((r) => r.status),
    authorizations: seen.filter((r) => r.path === AUTHORIZE).length,
    grants: seen.filter((r) => r.path === TOKEN).map((r) => [r.params?.grant_type, r.status]),
  };
}

interface HostUnderTest {
  /** Runs the host once (a new process); resolves to the tool names it listed. */
  listTools(env: Record<string, string>): Promise<string[]>;
  /** The host's dirs for this test, all inside `tmp`. */
  dirs(tmp: string): Record<string, string>;
  /** The access token the host stored, read from its own files. */
  storedAccessToken(tmp: string): string;
}

const mcpRemote = (callbackPort: number): HostUnderTest => ({
  async listTools(env) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_REMOTE, todoMcpUrl, String(callbackPort), '--auth-timeout', String(HOST_RUN_MS / 1000)],
      env,
      stderr: 'pipe',
    });
    let log = '';
    transport.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const client = new Client({ name: 'mcp-hosts test (as Claude Desktop)', version: '1.0.0' });
    try {
      await client.connect(transport, { timeout: HOST_RUN_MS });
      const { tools } = await client.listTools(undefined, { timeout: HOST_RUN_MS });
      return tools.map((t) => t.name).sort();
    } catch (err) {
      throw new Error(`${(err as Error).message}\nmcp-remote's stderr:\n${log}`, { cause: err });
    } finally {
      await client.close();
    }
  },
  dirs: (tmp) => ({ HOME: join(tmp, 'home'), MCP_REMOTE_CONFIG_DIR: join(tmp, 'mcp-auth') }),
  storedAccessToken(tmp) {
    const dir = join(tmp, 'mcp-auth', 'mcp-remote-v1');
    const file = readdirSync(dir).find((f) => f.endsWith('_tokens.json'));
    if (!file) throw new Error(`no tokens file in ${dir}: ${readdirSync(dir).join(', ')}`);
    return (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { access_token: string }).access_token;
  },
});

const inspector = (callbackPort: number): HostUnderTest => ({
  async listTools(env) {
    const child = spawn(
      process.execPath,
      [INSPECTOR, '--cli', todoMcpUrl, '--method', 'tools/list', '--callback-url', `http://127.0.0.1:${callbackPort}/oauth/callback`, '--connect-timeout', String(HOST_RUN_MS), '--format', 'json'],
      { env: { ...env, MCP_AUTO_OPEN_ENABLED: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (exitCode !== 0) throw new Error(`the Inspector exited ${exitCode}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    const { result } = JSON.parse(stdout) as { result: { tools: { name: string }[] } };
    return result.tools.map((t) => t.name).sort();
  },
  dirs: (tmp) => ({
    HOME: join(tmp, 'home'),
    MCP_STORAGE_DIR: join(tmp, 'inspector'),
    MCP_INSPECTOR_SECRET_STORE: 'file',
    MCP_INSPECTOR_SECRET_FILE: join(tmp, 'inspector', 'secrets.json'),
  }),
  storedAccessToken(tmp) {
    // { secrets: { "oauth+<id>+<server URL>:tokens:<issuer>": "<the tokens as JSON>" } }, unencrypted when the store is `file`.
    const { secrets } = JSON.parse(readFileSync(join(tmp, 'inspector', 'secrets.json'), 'utf8')) as { secrets: Record<string, string> };
    const stored = Object.entries(secrets).find(([key]) => key.includes(':tokens:'));
    if (!stored) throw new Error(`no tokens in the Inspector's secrets file: ${Object.keys(secrets).join(', ')}`);
    return (JSON.parse(stored[1]) as { access_token: string }).access_token;
  },
});

describe.each([
  { host: `mcp-remote ${versionOf('mcp-remote')} over stdio`, makeHost: mcpRemote },
  { host: `MCP Inspector ${versionOf('@modelcontextprotocol/inspector')} --cli`, makeHost: inspector },
])('$host', ({ makeHost }) => {
  let tmp: string;
  let host: HostUnderTest;
  let context: BrowserContext;
  let handoff: BrowserHandoff;
  let env: Record<string, string>;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'mcp-host-'));
    host = makeHost(await freePort());
    context = await browser.newContext();
    handoff = await startBrowserHandoff(personInChromium(() => context));
    env = hostEnvironment(handoff, host.dirs(tmp));
  });
  afterAll(async () => {
    await handoff?.close();
    await context?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('first run: 401, discovery, DCR, the browser at the emulator’s login (email code), consent, then the tools over the token', { timeout: HOST_RUN_MS * 2 }, async () => {
    const from = (await stack.em.requests()).length;
    expect(await host.listTools(env)).toEqual(['add_todo', 'list_todos']);
    await handoff.settled();
    expect(handoff.opened).toHaveLength(1);
    const authorization = new URL(handoff.opened[0]!);
    expect(authorization.origin + authorization.pathname).toBe(`${stack.em.url}${AUTHORIZE}`);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('resource')).toBe(new URL('/', todoMcpUrl).href);
    const clientId = authorization.searchParams.get('client_id');
    expect(clientId).toMatch(/^m2m_\d{17}$/);
    expect(await askedSince(from)).toEqual({ registrations: [201], authorizations: 1, grants: [['authorization_code', 200]] });
    // What the host stored (in the test's folder) is the token the emulator issued it for this server.
    const { payload } = decodeJwt(host.storedAccessToken(tmp));
    expect(payload).toMatchObject({ sub: ADA.id, client_id: clientId, resid: TODO, aud: [new URL('/', todoMcpUrl).href, TODO] });
  });

  it('second run: the stored token as it is, no browser, no registration, no authorization', { timeout: HOST_RUN_MS }, async () => {
    const stored = host.storedAccessToken(tmp);
    const from = (await stack.em.requests()).length;
    expect(await host.listTools(env)).toEqual(['add_todo', 'list_todos']);
    expect(handoff.opened).toHaveLength(1);
    expect(await askedSince(from)).toEqual({ registrations: [], authorizations: 0, grants: [] });
    expect(host.storedAccessToken(tmp)).toBe(stored);
  });

  it('third run, its access token revoked (the Todo server introspects): a refresh, no browser, the tools over the new token', { timeout: HOST_RUN_MS }, async () => {
    const revoked = host.storedAccessToken(tmp);
    expect(await stack.em.revoke({ jti: String(decodeJwt(revoked).payload.jti) })).toEqual({ accessTokens: 1, grants: 0 });
    const from = (await stack.em.requests()).length;
    expect(await host.listTools(env)).toEqual(['add_todo', 'list_todos']);
    expect(handoff.opened).toHaveLength(1);
    expect(await askedSince(from)).toEqual({ registrations: [], authorizations: 0, grants: [['refresh_token', 200]] });
    expect(host.storedAccessToken(tmp)).not.toBe(revoked);
  });
});
