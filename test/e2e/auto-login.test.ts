// Hands-free mode (AUTO_LOGIN=1, or the fixture's autoLogin): an MCP client's real flow runs in a pipeline
// with no browser: the login_hint user (or the first user) is signed in and consent is granted, through the
// same grants and consents a person would make.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorize, exchange, registerClient, type TokenSet } from '../helpers/code-flow.js';
import { HeadlessHost } from '../helpers/mcp-host.js';
import { v1, v2 } from '../helpers/mcp-sdks.js';
import { ADA, decodeJwt } from '../helpers/server.js';
import { startTodoStack, type TodoStack } from '../helpers/todo-stack.js';

const TODO = 'res_30000000000000001';
let stack: TodoStack;
beforeAll(async () => {
  stack = await startTodoStack([{ resourceId: TODO, name: 'Todo' }], { autoLogin: true });
});
afterAll(() => stack?.close());

it.each([v1, v2])('lets $name connect with no page shown, as the first user', async (sdk) => {
  const host = new HeadlessHost(); // nobody to fill a form
  const client = await sdk.connect(host, stack.mcpUrl[TODO]!);
  expect(await client.listTools()).toEqual(['add_todo', 'list_todos']);
  await client.close();
  expect(host.browser.pages).toEqual([]);
  expect(host.callbacks.at(-1)!.searchParams.get('code')).toBeTruthy();
  expect(decodeJwt(String((host.savedTokens as { access_token: string }).access_token)).payload.sub).toBe(ADA.id);
});

it('signs in the login_hint user, by email', async () => {
  const issuer = stack.em.urls.resourceIssuer(TODO);
  const clientId = await registerClient(stack.em.url, TODO);
  const grant = await authorize(issuer, clientId, {}, { login_hint: ADA.email });
  expect(grant.browser.pages).toEqual([]);
  const tokens = (await (await exchange(issuer, clientId, grant)).json()) as TokenSet;
  expect(decodeJwt(tokens.access_token).payload.sub).toBe(ADA.id);
});

it('shows a readable page when the login_hint names nobody', async () => {
  const issuer = stack.em.urls.resourceIssuer(TODO);
  const clientId = await registerClient(stack.em.url, TODO);
  const stopped = await authorize(issuer, clientId, {}, { login_hint: 'nobody@example.com' }).catch((e: unknown) => e as { status: number; html: string });
  expect(stopped).toMatchObject({ status: 400 });
  expect((stopped as { html: string }).html).toContain('AUTO_LOGIN found no user nobody@example.com.');
});
