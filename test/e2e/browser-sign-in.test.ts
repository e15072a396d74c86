// The hosted login in a real browser (Chromium), as an MCP host opens it: the MCP SDK (1.x) meets the
// Todo server's 401, registers, opens the authorization URL; the person signs in with each of the
// login methods, consents, and the host exchanges the code and calls a tool with its token. As on
// Scalekit, an email code follows the email by default, and the pages keep the selectors Scalekit
// publishes for end-to-end tests: input[type="email"], "Continue", input[name="otp"], "Verify"; a
// test written with those alone signs in unchanged.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { ChromiumHost, enterEmail, latestMessage, type Person } from '../helpers/chromium-host.js';
import { environmentToken, restCaller } from '../helpers/management.js';
import { v1 } from '../helpers/mcp-sdks.js';
import { ADA, decodeJwt } from '../helpers/server.js';
import { startTodoStack, type TodoStack } from '../helpers/todo-stack.js';

const TODO = 'res_30000000000000001';
let stack: TodoStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTodoStack([{ resourceId: TODO, name: 'Todo' }]), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(() => context.close());

/** Connects a new MCP host to the Todo server, the person doing `person` in the browser; returns the token's claims. */
async function connectAs(person: Person): Promise<Record<string, unknown>> {
  const host = new ChromiumHost(page, person, { clientName: 'Browser MCP host' });
  const client = await v1.connect(host, stack.mcpUrl[TODO]!);
  expect(await client.listTools()).toEqual(['add_todo', 'list_todos']);
  await client.close();
  return decodeJwt(String((host.savedTokens as { access_token: string }).access_token)).payload;
}

const consent = async (shot?: string) => {
  await expect.poll(() => page.locator('h1').textContent()).toBe('Browser MCP host wants to access Todo');
  if (shot) await screenshot(page, shot);
  await page.getByRole('button', { name: 'Allow access' }).click();
};

/** The user with this email, as the management API lists it (the SDK's user.listUsers). */
async function userByEmail(email: string): Promise<{ id: string; email: string; user_profile?: { name?: string } } | undefined> {
  const token = await environmentToken(stack.em.url, { id: stack.em.environment.clientId, secret: stack.em.environment.clientSecret });
  const { body } = await restCaller(stack.em.url, token)('GET', '/users?page_size=100');
  return (body.users as { id: string; email: string }[]).find((u) => u.email === email);
}

describe('signing in from an MCP host, in Chromium', { timeout: 60_000 }, () => {
  it('Scalekit’s published selectors, unchanged: Email, “Continue”, the code from the outbox as “Verification code”, “Verify”', async () => {
    const claims = await connectAs(async (p) => {
      await p.getByLabel('Email').fill(ADA.email);
      await p.getByRole('button', { name: 'Continue' }).click();
      const { code } = await latestMessage(stack.em.url, ADA.email);
      await p.getByLabel('Verification code').fill(code!);
      await p.getByRole('button', { name: 'Verify' }).click();
      await consent();
    });
    expect(claims).toMatchObject({ sub: ADA.id, resid: TODO, iss: stack.em.url });
  });

  it('email code: the page after the email asks for the code (the default); the code from the outbox, consent, a token for Ada', async () => {
    const claims = await connectAs(async (p) => {
      await screenshot(p, 'login-email');
      await enterEmail(p, ADA.email);
      await expect.poll(() => p.locator('h1').textContent()).toBe('Check your email');
      await screenshot(p, 'login-code');
      const message = await latestMessage(stack.em.url, ADA.email);
      expect(message.code).toMatch(/^\d{6}$/);
      const outbox = await p.context().newPage();
      await outbox.goto(`${stack.em.url}/outbox`);
      await screenshot(outbox, 'outbox');
      await outbox.close();
      await p.locator('input[name="otp"]').fill(message.code!);
      await p.getByRole('button', { name: 'Verify' }).click();
      await consent('consent');
    });
    expect(claims).toMatchObject({ sub: ADA.id, resid: TODO, iss: stack.em.url });
  });

  it('magic link: the link from the outbox, opened in the same browser', async () => {
    const claims = await connectAs(async (p) => {
      await enterEmail(p, ADA.email);
      await expect.poll(() => p.locator('h1').textContent()).toBe('Check your email');
      const { link } = await latestMessage(stack.em.url, ADA.email);
      expect(link).toMatch(new RegExp(`^${stack.em.url}/resources/${TODO}/interaction/[\\w-]+/email-link\\?token=[\\w-]{43}$`));
      await p.goto(link!);
      await consent();
    });
    expect(claims).toMatchObject({ sub: ADA.id, resid: TODO });
  });

  it('a Scalekit test user (+sktest): no email, the static code 424242, and a new usr_ user', async () => {
    const email = 'qa+sktest@example.com';
    const before = (await fetch(`${stack.em.url}/outbox`, { headers: { accept: 'application/json' } }).then((r) => r.json())) as unknown[];
    const claims = await connectAs(async (p) => {
      await enterEmail(p, email);
      await expect.poll(() => p.locator('label[for="otp"]').textContent()).toBe('Verification code');
      await screenshot(p, 'login-code-test-user');
      await p.locator('input[name="otp"]').fill('424242');
      await p.getByRole('button', { name: 'Verify' }).click();
      await consent();
    });
    const user = (await userByEmail(email))!;
    expect(user.id).toMatch(/^usr_\d{17}$/);
    expect(claims).toMatchObject({ sub: user.id, resid: TODO });
    const after = (await fetch(`${stack.em.url}/outbox`, { headers: { accept: 'application/json' } }).then((r) => r.json())) as unknown[];
    expect(after.length).toBe(before.length); // a test user's email is never sent
  });

  it('password: one click away from the code page (“Use a password instead”), for a seeded user', async () => {
    const claims = await connectAs(async (p) => {
      await enterEmail(p, ADA.email);
      await p.getByRole('button', { name: 'Use a password instead' }).click();
      await p.locator('input[type="password"]').fill(ADA.password);
      await screenshot(p, 'login-password');
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await consent();
    });

    expect(claims).toMatchObject({ sub: ADA.id, oid: 'org_30000000000000001' });
  });

  it('simulated Google: the tester types the identity Google returns; it becomes a usr_ user', async () => {
    const email = 'grace@gmail.example';
    const claims = await connectAs(async (p) => {
      await p.getByRole('link', { name: 'Continue with Google' }).click();
      await expect.poll(() => p.locator('h1').textContent()).toBe('Sign in with Google');
      await p.locator('input[type="email"]').fill(email);
      await p.locator('input[name="name"]').fill('Grace Hopper');
      await screenshot(p, 'identity-provider-google');
      await p.getByRole('button', { name: 'Continue as this identity' }).click();
      await consent();
    });
    const user = (await userByEmail(email))!;
    expect(user).toMatchObject({ id: expect.stringMatching(/^usr_\d{17}$/), email });
    expect(JSON.stringify(user)).toContain('Grace Hopper');
    expect(claims).toMatchObject({ sub: user.id, resid: TODO });
  });
});
