// Pattern 1, Human → MCP server, with the real MCP SDK clients of both generations (@modelcontextprotocol/sdk
// 1.x and @modelcontextprotocol/client 2.x) against the example Todo MCP server protected by the emulator:
// 401 → protected-resource metadata → the MCP server's issuer metadata → DCR → login → consent → code +
// PKCE → token for the server → tools/list and tools/call → refresh → step-up after a 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessHost } from '../helpers/mcp-host.js';
import { v1, v2 } from '../helpers/mcp-sdks.js';
import { ADA, decodeJwt } from '../helpers/server.js';
import { startTodoStack, type TodoStack } from '../helpers/todo-stack.js';

const person = { email: ADA.email, password: ADA.password };

const TODO = 'res_30000000000000001';
const NARROW = 'res_30000000000000002';
let stack: TodoStack;
let todoUrl: string;
let narrowUrl: string;

beforeAll(async () => {
  stack = await startTodoStack([
    { resourceId: TODO, name: 'Todo' },
    // Publishes only todo:read (and offline_access, as servers written for the 2025 revisions do): a host
    // gets todo:write by stepping up when add_todo answers 403.
    { resourceId: NARROW, name: 'Todo (read first)', publishedScopes: ['todo:read', 'offline_access'] },
  ]);
  todoUrl = stack.mcpUrl[TODO]!.replace(/\/mcp$/, '');
  narrowUrl = stack.mcpUrl[NARROW]!.replace(/\/mcp$/, '');
});
afterAll(() => stack?.close());

describe.each([v1, v2])('$name', (sdk) => {
  it('runs the whole chain: 401, discovery, DCR, login, consent, code + PKCE, then tools with a token for this server', async () => {
    const host = new HeadlessHost({ person });
    const client = await sdk.connect(host, `${todoUrl}/mcp`);
    expect(await client.listTools()).toEqual(['add_todo', 'list_todos']);
    expect(JSON.parse(await client.callTool('list_todos'))).toEqual({ todos: [] });
    await client.close();

    const authorization = host.authorizationUrls[0]!;
    expect(authorization.origin + authorization.pathname).toBe(`${stack.em.url}/resources/${TODO}/oauth/authorize`);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('resource')).toBe(`${todoUrl}/`);
    expect(host.clientInfo?.client_id).toMatch(/^m2m_\d{17}$/);
    expect(host.consentShown()).toBe(true);
    const { payload } = decodeJwt(String((host.savedTokens as { access_token: string }).access_token));
    expect(payload).toMatchObject({ iss: stack.em.url, sub: ADA.id, aud: [`${todoUrl}/`, TODO], resid: TODO });
    expect(payload.scopes).toEqual(expect.arrayContaining(['todo:read', 'todo:write']));
  });

  it('skips the consent page on a second connection of the same host (a new browser: login only)', async () => {
    const host = new HeadlessHost({ person });
    await (await sdk.connect(host, `${todoUrl}/mcp`)).close();
    const again = new HeadlessHost({ person });
    again.clientInfo = host.clientInfo;
    const client = await sdk.connect(again, `${todoUrl}/mcp`);
    expect(await client.listTools()).toEqual(['add_todo', 'list_todos']);
    await client.close();
    expect(again.browser.pages.length).toBeGreaterThan(0); // it signed in
    expect(again.consentShown()).toBe(false);
  });

  it('refreshes the tokens later with no second login, and the new access token works', async () => {
    const host = new HeadlessHost({ person });
    await (await sdk.connect(host, `${narrowUrl}/mcp`)).close();
    const before = host.savedTokens as { access_token: string; refresh_token?: string };
    expect(before.refresh_token).toBeDefined();
    const pagesBefore = host.browser.pages.length;
    const refreshed = await sdk.refresh(host, `${narrowUrl}/mcp`);
    expect(refreshed).not.toBe(before.access_token);
    expect((host.savedTokens as { refresh_token: string }).refresh_token).not.toBe(before.refresh_token);
    expect(host.browser.pages.length).toBe(pagesBefore);
    const client = await sdk.connect(host, `${narrowUrl}/mcp`);
    expect(JSON.parse(await client.callTool('list_todos'))).toHaveProperty('todos');
    await client.close();
  });

  it('steps up to todo:write after a 403 insufficient_scope, asking consent for the new scope only', async () => {
    const host = new HeadlessHost({ person });
    const client = await sdk.connect(host, `${narrowUrl}/mcp`);
    const accessToken = () => decodeJwt(String((host.savedTokens as { access_token: string }).access_token)).payload;
    expect(accessToken().scopes).not.toContain('todo:write');
    const pages = host.browser.pages.length;
    await sdk.stepUp(host, `${narrowUrl}/mcp`, client, 'add_todo', { title: 'write the report' });
    await client.close();

    const consent = host.browser.pages.slice(pages).filter((p) => p.html.includes('name="decision"'));
    expect(consent).toHaveLength(1);
    expect(consent[0]!.html).toContain('<span class="scope-name">todo:write</span>');
    expect(consent[0]!.html).not.toContain('<span class="scope-name">todo:read</span>');
    expect(accessToken().scopes).toContain('todo:write');
    const stepped = await sdk.connect(host, `${narrowUrl}/mcp`);
    expect(JSON.parse(await stepped.callTool('add_todo', { title: `report by ${sdk.name}` }))).toMatchObject({ title: `report by ${sdk.name}` });
    await stepped.close();
  });
});
