// The examples (examples/*) against the real emulator over real HTTP, with the real MCP SDK client and
// @scalekit-sdk/node, seeded with examples/seed.yaml (what `SEED=examples/seed.yaml npm start` serves),
// through the package's own fixture.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { connectAgent, connectWithTokens, tokenCacheFor } from '../../examples/agent/agent.js';
import { createBackend } from '../../examples/cascading-backend/server.js';
import { createPlannerServer } from '../../examples/mcp-to-mcp/server.js';
import type { HttpApp } from '../../examples/shared/http.js';
import { connectHost } from '../../examples/mcp-host/host.js';
import { metadataFromEnv } from '../../examples/shared/mcp-auth.js';
import { createTodoServer } from '../../examples/todo-mcp-server/server.js';
import type { SeedInput } from '../../src/config/seed.js';
import { startEmulator, type Emulator } from '../../src/index.js';
import { MiniBrowser } from '../helpers/browser.js';
import { runNode } from '../helpers/cli.js';
import { ADA, tokenRequest } from '../helpers/server.js';
import { startTodoStack, type TodoStack } from '../helpers/todo-stack.js';

const seed = parse(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8')) as SeedInput;
const client = (id: string) => {
  const c = seed.clients?.find((x) => x.client_id === id);
  return { id, secret: c!.plain_secret! };
};
const AGENT = client('m2morg_10000000000000002');
const READER = client('m2morg_10000000000000003');
const PLANNER = client('m2morg_10000000000000004');
const CALLER = client('m2morg_10000000000000005'); // may call the planner only
// The registered Server URLs (token audiences). The examples listen on random ports, so these are
// passed to them explicitly rather than derived from where they listen.
const TODO_AUDIENCE = 'http://localhost:3002/';
const PLANNER_AUDIENCE = 'http://localhost:3003/';

let emulator: Emulator;
let todo: HttpApp;
let planner: HttpApp;
let backend: HttpApp;
const toolCalls: { tool: string; clientId: string; onBehalfOf?: string }[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ seed, keys: 'fixed' });
  const scalekit = { environmentUrl: emulator.url, clientId: emulator.environment.clientId, clientSecret: emulator.environment.clientSecret };
  backend = createBackend({ environmentUrl: emulator.url, issuer: emulator.url, audience: TODO_AUDIENCE });
  await backend.listen();
  todo = createTodoServer({
    scalekit,
    serverUrl: TODO_AUDIENCE,
    metadata: metadataFromEnv({ SCALEKIT_ENVIRONMENT_URL: emulator.url }, TODO_AUDIENCE, { resourceId: 'res_10000000000000001', scopes: ['todo:read', 'todo:write'] }),
    backendUrl: backend.url,
    onToolCall: (call) => toolCalls.push(call),
  });
  await todo.listen();
  planner = createPlannerServer({
    scalekit,
    serverUrl: PLANNER_AUDIENCE,
    metadata: metadataFromEnv({ SCALEKIT_ENVIRONMENT_URL: emulator.url, SCALEKIT_RESOURCE_ID: 'res_10000000000000002' }, PLANNER_AUDIENCE, { resourceId: '', scopes: ['plan:read'] }),
    todo: { mcpServerUrl: `${todo.url}/mcp`, clientId: PLANNER.id, clientSecret: PLANNER.secret, scopes: 'todo:read' },
  });
  await planner.listen();
});
afterAll(async () => {
  await Promise.all([planner?.close(), todo?.close(), backend?.close()]);
  await emulator?.close();
});
beforeEach(() => {
  toolCalls.length = 0;
});

async function tokenFor(c: { id: string; secret: string }, scope?: string): Promise<string> {
  const res = await tokenRequest(emulator.url, { grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret, ...(scope ? { scope } : {}) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const listTodos = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_todos', arguments: {} } };
function postMcp(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

describe('todo MCP server: protected resource', () => {
  it('serves its PRM at both well-known URLs; authorization_servers[0] is the emulator issuer found by RFC 8414 path insertion', async () => {
    const root = await fetch(`${todo.url}/.well-known/oauth-protected-resource`);
    const mcp = await fetch(`${todo.url}/.well-known/oauth-protected-resource/mcp`);
    expect([root.status, mcp.status]).toEqual([200, 200]);
    expect(root.headers.get('access-control-allow-origin')).toBe('*');
    const prm = (await root.json()) as { authorization_servers: string[] };
    expect(await mcp.json()).toEqual(prm);
    expect(prm).toEqual({
      authorization_servers: [`${emulator.url}/resources/res_10000000000000001`],
      bearer_methods_supported: ['header'],
      resource: TODO_AUDIENCE,
      resource_documentation: `${TODO_AUDIENCE}docs`,
      scopes_supported: ['todo:read', 'todo:write'],
    });

    const issuer = new URL(prm.authorization_servers[0]!);
    const metadata = await fetch(`${issuer.origin}/.well-known/oauth-authorization-server${issuer.pathname}`);
    expect(metadata.status).toBe(200);
    const doc = (await metadata.json()) as { issuer: string; scopes_supported: string[] };
    expect(doc.issuer).toBe(prm.authorization_servers[0]);
    expect(doc.scopes_supported).toEqual(['todo:read', 'todo:write', 'offline_access']);
  });

  it('answers GET /health', async () => {
    const res = await fetch(`${todo.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers 401 with realm and resource_metadata, and no error code, when no token is sent', async () => {
    const res = await postMcp(todo.url, listTodos);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="OAuth", resource_metadata="http://localhost:3002/.well-known/oauth-protected-resource"',
    );
    // The MCP SDK client without credentials cannot even initialize.
    const sdk = new Client({ name: 'anonymous', version: '1.0.0' });
    await expect(sdk.connect(new StreamableHTTPClientTransport(new URL(`${todo.url}/mcp`)))).rejects.toMatchObject({ code: 401 });
  });

  it('answers 401 invalid_token to a garbage token', async () => {
    const res = await postMcp(todo.url, listTodos, 'not-a-jwt');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="OAuth", error="invalid_token", resource_metadata="[^"]+"$/);
  });

  it("answers 401 invalid_token to a valid token for another audience (the planner's)", async () => {
    const res = await postMcp(todo.url, listTodos, await tokenFor(CALLER));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 405 with a JSON-RPC error to GET and DELETE /mcp', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${todo.url}/mcp`, { method, headers: { authorization: `Bearer ${await tokenFor(AGENT)}` } });
      expect(res.status).toBe(405);
      expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    }
  });

  it('lets a read-only token initialize, list tools and list todos, and answers 403 insufficient_scope to add_todo', async () => {
    const tools = await postMcp(todo.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, await tokenFor(READER));
    expect(tools.status).toBe(200);
    expect(await tools.text()).toContain('"add_todo"');
    const reader = await connectAgent({ environmentUrl: emulator.url, clientId: READER.id, clientSecret: READER.secret, mcpServerUrl: `${todo.url}/mcp` });
    try {
      expect(JSON.parse(await reader.callTool('list_todos'))).toHaveProperty('todos');
      await expect(reader.callTool('add_todo', { title: 'nope' })).rejects.toMatchObject({ code: 403 });
    } finally {
      await reader.close();
    }
    const res = await postMcp(todo.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'add_todo', arguments: { title: 'nope' } } }, await tokenFor(READER));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="todo:write", resource_metadata="http://localhost:3002/.well-known/oauth-protected-resource"',
    );
    expect(toolCalls).not.toContainEqual(expect.objectContaining({ tool: 'add_todo' }));
  });
});

/** A fetch for token requests that records each access token issued. */
function recordingTokens(issued: string[]): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    issued.push(((await res.clone().json()) as { access_token: string }).access_token);
    return res;
  };
}

describe('agent (pattern 2: client credentials)', () => {
  it('adds and lists todos over MCP with one client-credentials token', async () => {
    const issued: string[] = [];
    const agent = await connectAgent({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, scopes: 'todo:read todo:write', mcpServerUrl: `${todo.url}/mcp`, fetch: recordingTokens(issued) });
    try {
      expect(JSON.parse(await agent.callTool('add_todo', { title: 'Buy milk' }))).toMatchObject({ title: 'Buy milk' });
      const listed = JSON.parse(await agent.callTool('list_todos')) as { todos: { title: string }[] };
      expect(listed.todos.map((t) => t.title)).toContain('Buy milk');
    } finally {
      await agent.close();
    }
    expect(issued).toHaveLength(1);
    expect(toolCalls).toEqual([
      { tool: 'add_todo', clientId: AGENT.id },
      { tool: 'list_todos', clientId: AGENT.id },
    ]);
  });

  it('reuses its token until 60 s before expires_in runs out, then fetches a new one', async () => {
    const issued: string[] = [];
    let now = Date.parse('2030-01-01T00:00:00Z');
    const agent = await connectAgent({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, mcpServerUrl: `${todo.url}/mcp`, fetch: recordingTokens(issued), now: () => now });
    try {
      await agent.callTool('list_todos');
      expect(issued).toHaveLength(1);
      now += (3600 - 60) * 1000 - 1; // the seeded client's tokens live 3600 s
      await agent.callTool('list_todos');
      expect(await agent.tokens.get()).toBe(issued[0]);
      expect(issued).toHaveLength(1);
      now += 1;
      await agent.callTool('list_todos');
      expect(issued).toHaveLength(2);
      expect(issued[1]).not.toBe(issued[0]);
      expect(await agent.tokens.get()).toBe(issued[1]);
    } finally {
      await agent.close();
    }
  });
});

describe('agent: a cached token the server rejects', () => {
  it('clears it and retries once with a fresh token (the emulator clock makes the cached one expired)', async () => {
    const issued: string[] = [];
    // Issued as if two hours ago: already expired, though the agent's own clock thinks it has an hour left.
    emulator.clock.set(Date.now() - 2 * 3600_000);
    const tokens = tokenCacheFor({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, fetch: recordingTokens(issued) });
    await tokens.get();
    emulator.clock.reset();
    const agent = await connectWithTokens(`${todo.url}/mcp`, tokens);
    try {
      expect(JSON.parse(await agent.callTool('list_todos'))).toHaveProperty('todos');
      expect(issued).toHaveLength(2);
      expect(await tokens.get()).toBe(issued[1]);
    } finally {
      await agent.close();
    }
  });
});

describe('agent: an auth server that misbehaves (fixture faults)', () => {
  it('survives two 503s from the token endpoint and a key rotation: the todo server fetches the new key once', async () => {
    await emulator.reset(); // an empty request log, the start key
    const warm = await connectAgent({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, mcpServerUrl: `${todo.url}/mcp` });
    await warm.callTool('add_todo', { title: 'Before the rotation' }).finally(() => warm.close()); // the todo server has cached /keys
    const rotated = await emulator.rotateKeys();
    const outage = emulator.faults.fail('/oauth/token', { status: 503, error: 'temporarily_unavailable', times: 2 });
    const since = emulator.requests().length;
    try {
      const agent = await connectAgent({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, mcpServerUrl: `${todo.url}/mcp`, retryDelayMs: 10 });
      try {
        expect(JSON.parse(await agent.callTool('add_todo', { title: 'After the rotation' }))).toMatchObject({ title: 'After the rotation' });
        expect(decodeProtectedHeader(await agent.tokens.get()).kid).toBe(rotated.kid);
      } finally {
        await agent.close();
      }
      const after = emulator.requests().slice(since);
      expect(after.filter((r) => r.path === '/oauth/token').map((r) => r.status)).toEqual([503, 503, 200]);
      expect(outage.fired).toBe(2);
      expect(after.filter((r) => r.path === '/keys').map((r) => r.status)).toEqual([200]);
    } finally {
      await emulator.reset();
    }
  });

  it('gives up after its retries with the last error, as one line', async () => {
    emulator.faults.fail('/oauth/token', { status: 503, error: 'temporarily_unavailable', errorDescription: 'down for a test' });
    try {
      const tokens = tokenCacheFor({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, retryDelayMs: 1 });
      await expect(tokens.get()).rejects.toThrow(new Error('token request failed (503): temporarily_unavailable down for a test'));
      expect(emulator.faults.list()[0]!.fired).toBe(4); // the first try and three more
    } finally {
      emulator.faults.clear();
    }
  });

  it('waits as long as Retry-After says before trying again', async () => {
    emulator.faults.fail('/oauth/token', { status: 429, error: 'slow_down', retryAfter: 1, times: 1 });
    try {
      const started = performance.now();
      const tokens = tokenCacheFor({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, retryDelayMs: 1 });
      await expect(tokens.get()).resolves.toEqual(expect.any(String));
      expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      emulator.faults.clear();
    }
  });
});

describe('todo MCP server with introspection switched on', () => {
  let checking: HttpApp;
  beforeAll(async () => {
    checking = createTodoServer({
      scalekit: { environmentUrl: emulator.url, clientId: emulator.environment.clientId, clientSecret: emulator.environment.clientSecret },
      serverUrl: TODO_AUDIENCE,
      metadata: metadataFromEnv({ SCALEKIT_ENVIRONMENT_URL: emulator.url }, TODO_AUDIENCE, { resourceId: 'res_10000000000000001', scopes: ['todo:read', 'todo:write'] }),
      introspect: true,
    });
    await checking.listen();
  });
  afterAll(() => checking?.close());

  const refusedAsInvalid = async (res: Response) => {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="OAuth", error="invalid_token", resource_metadata="http://localhost:3002/.well-known/oauth-protected-resource"',
    );
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'the access token was revoked or has expired' });
  };

  it('answers 401 invalid_token once the token is revoked; offline validation alone still lets it in', async () => {
    const token = await tokenFor(AGENT);
    expect((await postMcp(checking.url, listTodos, token)).status).toBe(200);
    expect(await emulator.revoke({ jti: String(decodeJwt(token).jti) })).toEqual({ accessTokens: 1, grants: 0 });
    await refusedAsInvalid(await postMcp(checking.url, listTodos, token));
    expect((await postMcp(todo.url, listTodos, token)).status).toBe(200); // the server without introspection cannot know
  });

  it('answers 401 invalid_token once the token expired by the fixture clock', async () => {
    const token = await tokenFor(AGENT);
    emulator.clock.advance('3601s'); // the client's tokens live 3600 s
    try {
      await refusedAsInvalid(await postMcp(checking.url, listTodos, token));
    } finally {
      emulator.clock.reset();
    }
    expect((await postMcp(checking.url, listTodos, token)).status).toBe(200);
  });
});

describe('mcp-to-mcp (pattern 3a): the planner acts on behalf of the person who called it', () => {
  it('plan_day, called with a person’s token, reads the todo server with that person’s token for it (RFC 8693): the todo server sees the planner acting for them', async () => {
    const agent = await connectAgent({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, mcpServerUrl: `${todo.url}/mcp` });
    await agent.callTool('add_todo', { title: 'Call the plumber' }).finally(() => agent.close());
    toolCalls.length = 0;
    // The planner server's own confidential client (a seed makes organization clients only: this one over
    // REST, as `scalekit-emulator clients create --resource res_10000000000000002` does).
    const created = await fetch(`${emulator.url}/api/v1/resources/res_10000000000000002/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor({ id: emulator.environment.clientId, secret: emulator.environment.clientSecret })}` },
      body: JSON.stringify({ name: 'Planner backend' }),
    });
    const body = (await created.json()) as { client: { client_id: string }; plain_secret: string };
    const plannerExchange = { id: body.client.client_id, secret: body.plain_secret };
    const delegating = createPlannerServer({
      scalekit: { environmentUrl: emulator.url, clientId: emulator.environment.clientId, clientSecret: emulator.environment.clientSecret },
      serverUrl: PLANNER_AUDIENCE,
      metadata: metadataFromEnv({ SCALEKIT_ENVIRONMENT_URL: emulator.url, SCALEKIT_RESOURCE_ID: 'res_10000000000000002' }, PLANNER_AUDIENCE, { resourceId: '', scopes: ['plan:read'] }),
      todo: { mcpServerUrl: `${todo.url}/mcp`, clientId: PLANNER.id, clientSecret: PLANNER.secret, scopes: 'todo:read' },
      exchange: { clientId: plannerExchange.id, clientSecret: plannerExchange.secret },
    });
    await delegating.listen();
    // The demo user signed in at the planner's issuer (pattern 1), as an MCP host would.
    const person = await emulator.authorize({ resource: 'res_10000000000000002', user: 'demo@example.com' });
    const host = await connectWithTokens(`${delegating.url}/mcp`, { get: async () => person.access_token, clear: () => undefined });
    try {
      expect(await host.callTool('plan_day')).toContain(':00 Call the plumber');
    } finally {
      await host.close();
      await delegating.close();
    }
    expect(toolCalls).toEqual([{ tool: 'list_todos', clientId: plannerExchange.id, onBehalfOf: 'usr_10000000000000001' }]);
    const exchanged = emulator.requests().find((r) => r.params?.grant_type === 'urn:ietf:params:oauth:grant-type:token-exchange');
    expect(exchanged).toMatchObject({ path: '/resources/res_10000000000000001/oauth/token', status: 200 });
  });
});

describe('mcp-to-mcp (pattern 3b)', () => {
  it("plan_day reads the todo server with the planner's own token: the todo server sees the planner, not the caller", async () => {
    const agent = await connectAgent({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, mcpServerUrl: `${todo.url}/mcp` });
    await agent.callTool('add_todo', { title: 'Water the plants' }).finally(() => agent.close());
    toolCalls.length = 0;
    const caller = await connectAgent({ environmentUrl: emulator.url, clientId: CALLER.id, clientSecret: CALLER.secret, mcpServerUrl: `${planner.url}/mcp` });
    try {
      const plan = await caller.callTool('plan_day');
      expect(plan).toMatch(/^09:00 /);
      expect(plan).toContain(':00 Water the plants');
    } finally {
      await caller.close();
    }
    expect(toolCalls).toEqual([{ tool: 'list_todos', clientId: PLANNER.id }]);
  });

  it("rejects a token meant for the todo server, and the planner's PRM names its own issuer", async () => {
    const res = await postMcp(planner.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'plan_day', arguments: {} } }, await tokenFor(AGENT));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata="http://localhost:3003/.well-known/oauth-protected-resource"');
    const prm = (await (await fetch(`${planner.url}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: PLANNER_AUDIENCE, authorization_servers: [`${emulator.url}/resources/res_10000000000000002`] });
  });
});

describe('the agent command (node dist/examples/agent/main.js), as examples/README.md runs it', () => {
  const AGENT_MAIN = fileURLToPath(new URL('../../dist/examples/agent/main.js', import.meta.url));
  const runAgent = (env: Record<string, string>) =>
    runNode([AGENT_MAIN], { PATH: process.env.PATH ?? '', SCALEKIT_ENVIRONMENT_URL: emulator.url, ...env });

  it('AGENT_TOOL=plan_day drives the planner, which reads the todo server with its own token', async () => {
    const run = await runAgent({
      AGENT_CLIENT_ID: CALLER.id,
      AGENT_CLIENT_SECRET: CALLER.secret,
      AGENT_SCOPES: 'plan:read',
      MCP_SERVER_URL: `${planner.url}/mcp`,
      AGENT_TOOL: 'plan_day',
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^plan_day: (Nothing to do today\.|09:00 .+)\n/);
    expect(toolCalls).toEqual([{ tool: 'list_todos', clientId: PLANNER.id }]);
  });

  it('a wrong secret is one line on stderr and exit code 1, not a stack trace', async () => {
    const run = await runAgent({ AGENT_CLIENT_ID: AGENT.id, AGENT_CLIENT_SECRET: 'not-the-secret', MCP_SERVER_URL: `${todo.url}/mcp` });
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'agent: token request failed (401): invalid_client client authentication failed\n' });
  });

  it('an unreachable emulator is one line naming the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
    const run = await runAgent({ AGENT_CLIENT_ID: AGENT.id, AGENT_CLIENT_SECRET: AGENT.secret, SCALEKIT_ENVIRONMENT_URL: `http://127.0.0.1:${port}` });
    expect(run).toEqual({ code: 1, stdout: '', stderr: `agent: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}\n` });
  });
});

describe('the device agent (node dist/examples/device-agent/main.js): RFC 8628 against the Todo server’s issuer', () => {
  const DEVICE_MAIN = fileURLToPath(new URL('../../dist/examples/device-agent/main.js', import.meta.url));

  /** Runs the agent; `person` answers once it printed its code (as a person reading the terminal would). */
  function runDeviceAgent(person: (userCode: string) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [DEVICE_MAIN], { env: { PATH: process.env.PATH ?? '', MCP_SERVER_URL: `${todo.url}/mcp` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const code = /enter the code ([A-Z]{4}-[A-Z]{4})\n/.exec(stdout)?.[1];
      if (code && !answered) {
        answered = true;
        person(code).catch((err: unknown) => {
          stderr += `test: ${String(err)}\n`;
          child.kill();
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('prints the code and the URL, polls while the person allows access (em.approveDevice), then lists the todos as that person', { timeout: 30_000 }, async () => {
    const run = await runDeviceAgent((userCode) => emulator.approveDevice(userCode, { user: 'demo@example.com' }));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const issuer = `${emulator.url}/resources/res_10000000000000001`;
    const lines = run.stdout.split('\n');
    const code = /enter the code (\S+)$/.exec(lines[0]!)?.[1];
    expect(lines.slice(0, 3)).toEqual([
      `To sign in, open ${issuer}/device and enter the code ${code}`,
      `(or open ${issuer}/device?user_code=${code})`,
      'Waiting for you to allow access (the code works for 10 minutes)…',
    ]);
    expect(lines[3]).toMatch(/^list_todos: \{"todos":/);
    expect(toolCalls).toEqual([{ tool: 'list_todos', clientId: expect.stringMatching(/^m2m_\d{17}$/) }]);
  });

  it('the person says no (em.denyDevice): one line on stderr, exit code 1', { timeout: 30_000 }, async () => {
    const run = await runDeviceAgent((userCode) => emulator.denyDevice(userCode));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('device-agent: device authorization failed (400): access_denied End-User aborted interaction\n');
    expect(toolCalls).toEqual([]);
  });
});

describe('cascading backend (pattern 3c)', () => {
  it("list_todos forwards the caller's token and the backend accepts it", async () => {
    const agent = await connectAgent({ environmentUrl: emulator.url, clientId: AGENT.id, clientSecret: AGENT.secret, mcpServerUrl: `${todo.url}/mcp` });
    try {
      const listed = JSON.parse(await agent.callTool('list_todos')) as { backend: unknown };
      expect(listed.backend).toEqual({ status: 200, body: { archived: ['Renew passport', 'Book dentist'], client_id: AGENT.id } });
    } finally {
      await agent.close();
    }
  });

  it('rejects no token (401), a token for another audience (401) and one without todo:read (403)', async () => {
    const summary = (token?: string) => fetch(`${backend.url}/todos/summary`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const none = await summary();
    expect(none.status).toBe(401);
    const wrongAudience = await summary(await tokenFor(CALLER));
    expect(wrongAudience.status).toBe(401);
    expect(await wrongAudience.json()).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(/aud/) });
    const writeOnly = await summary(await tokenFor(AGENT, 'todo:write'));
    expect(writeOnly.status).toBe(403);
    expect(writeOnly.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="todo:read"');
    expect(await writeOnly.json()).toMatchObject({ error: 'insufficient_scope' });
  });
});

describe('MCP host signing a person in (pattern 1)', () => {
  // The Todo server registered at the URL it listens on, as an MCP host checks the PRM's resource.
  let stack: TodoStack;
  beforeAll(async () => {
    stack = await startTodoStack([{ resourceId: 'res_30000000000000001', name: 'Todo' }]);
  });
  afterAll(() => stack?.close());

  it('connects with no token, lets the person sign in and consent in the browser, and calls the tools', async () => {
    const seen: string[] = [];
    const host = await connectHost({
      mcpServerUrl: stack.mcpUrl.res_30000000000000001!,
      // What the person does in the browser the host opened: sign in, allow, land on the loopback callback.
      openBrowser: async (url) => {
        seen.push(url.origin + url.pathname);
        const browser = new MiniBrowser({ email: ADA.email, password: ADA.password });
        const redirect = url.searchParams.get('redirect_uri')!;
        await fetch(await browser.authorize(url.href, redirect));
      },
    });
    try {
      expect(seen).toEqual([`${stack.em.url}/resources/res_30000000000000001/oauth/authorize`]);
      expect((await host.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['add_todo', 'list_todos']);
      expect(JSON.parse(await host.callTool('add_todo', { title: 'Call Ada' }))).toMatchObject({ title: 'Call Ada' });
      const claims = JSON.parse(Buffer.from(host.tokens()!.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      expect(claims).toMatchObject({ sub: ADA.id, client_id: expect.stringMatching(/^m2m_\d{17}$/), resid: 'res_30000000000000001' });
    } finally {
      await host.close();
    }
  });
});
