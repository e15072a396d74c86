// The dashboard in a real browser (Chromium, JavaScript off: every page works with plain forms). Signed
// in with the environment client's credentials: create an MCP server, create a client and read its
// secret once (a reload shows it no more), get a token with that secret, revoke a consent (the next
// authorization asks again), rotate the signing key, read the audit log.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catchCallback, launchChromium, screenshot } from '../helpers/chromium.js';
import { authorizationUrl, authorize, CALLBACK, pkce, registerClient } from '../helpers/code-flow.js';
import { ADA, decodeJwt, ENV_CLIENT, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

const TODO = 'res_20000000000000001';
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const heading = () => page.locator('h1').textContent();
const notice = () => page.locator('.notice').textContent();

describe('the dashboard, in Chromium without JavaScript', { timeout: 60_000 }, () => {
  it('sends a visitor to sign in, and signs in with the environment client’s id and secret (HttpOnly, SameSite=Lax)', async () => {
    await page.goto(`${server.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
    await screenshot(page, 'dashboard-sign-in');
    await page.locator('input[name="client_id"]').fill(ENV_CLIENT.id);
    await page.locator('input[name="client_secret"]').fill(ENV_CLIENT.secret);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    expect(await heading()).toBe('MCP servers');
    const cookie = (await context.cookies()).find((c) => c.name === 'emulator_dashboard')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/dashboard' });
    await screenshot(page, 'dashboard-mcp-servers');
  });

  it('creates an MCP server with a scope, and shows the Metadata JSON for it to serve', async () => {
    await page.getByRole('link', { name: 'New MCP server' }).click();
    await page.locator('input[name="name"]').fill('Calendar');
    await page.locator('input[name="server_url"]').fill('http://localhost:4005/');
    await page.locator('input[name="scope.0.name"]').fill('calendar:read');
    await page.locator('input[name="scope.0.description"]').fill('Read your events');
    await page.getByRole('button', { name: 'Create MCP server' }).click();
    expect(await heading()).toBe('Calendar');
    expect(await notice()).toBe('MCP server “Calendar” created. Give your MCP server the Metadata JSON below.');
    const id = new URL(page.url()).pathname.split('/').at(-1)!;
    expect(id).toMatch(/^res_\d{17}$/);
    expect(JSON.parse((await page.locator('#metadata-json').textContent())!)).toEqual({
      resource: 'http://localhost:4005/',
      authorization_servers: [`${server.url}/resources/${id}`],
      bearer_methods_supported: ['header'],
      resource_documentation: 'http://localhost:4005/docs',
      scopes_supported: ['calendar:read'],
    });
    // The whole JSON shows in its box: no part of it hidden past the right edge.
    expect(await page.evaluate<boolean>(`(() => { const pre = document.getElementById('metadata-json'); return pre.scrollWidth <= pre.clientWidth; })()`)).toBe(true);
    await screenshot(page, 'dashboard-mcp-server');
  });

  it('creates an M2M client and shows its secret exactly once; the secret gets a token at /oauth/token', async () => {
    await page.getByRole('link', { name: 'Clients', exact: true }).click();
    await page.locator('input[name="name"]').fill('Nightly agent');
    await page.getByRole('button', { name: 'Create client' }).click();
    expect(await notice()).toBe('Client created. Copy its secret now: it will not be shown again.');
    const secret = (await page.locator('#client-secret').textContent())!;
    const clientId = (await page.locator('#client-id').textContent())!;
    expect(secret).toMatch(/^[\w-]{43}$/);
    await screenshot(page, 'dashboard-client-secret');

    await page.reload();
    expect(await page.locator('#client-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator('.secrets code').first().textContent()).toBe(`••••${secret.slice(-4)}`);

    const res = await tokenRequest(server.url, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    expect(res.status).toBe(200);
    const { payload } = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    expect(payload).toMatchObject({ client_id: clientId, aud: ['http://localhost:4005/', expect.stringMatching(/^res_/)], scopes: ['calendar:read'] });
  });

  it('revokes a consent: the host’s next authorization shows the consent page again', async () => {
    const resourceIssuer = `${server.url}/resources/${TODO}`;
    const hostId = await registerClient(server.url, TODO, { client_name: 'Revoked host' });
    const person = { email: ADA.email, password: ADA.password };
    await authorize(resourceIssuer, hostId, person, { scope: 'todo:read' });
    const remembered = await authorize(resourceIssuer, hostId, person, { scope: 'todo:read' });
    expect(remembered.browser.pages.some((p) => p.html.includes('name="decision"'))).toBe(false);

    await page.goto(`${server.url}/dashboard/consents?server=${TODO}`);
    const row = page.locator('tr', { hasText: 'Revoked host' });
    expect(await row.locator('td').nth(0).textContent()).toContain(ADA.email);
    await screenshot(page, 'dashboard-consents');
    await row.getByRole('button', { name: 'Revoke' }).click();
    expect(await notice()).toBe('Consent revoked. The client’s next authorization asks again.');
    expect(await page.locator('tr', { hasText: 'Revoked host' }).count()).toBe(0);

    const again = await authorize(resourceIssuer, hostId, person, { scope: 'todo:read' });
    expect(again.browser.pages.some((p) => p.html.includes('name="decision"'))).toBe(true);
  });

  it('rotates the signing key: the new key is published at /keys at once and signs an hour later', async () => {
    await page.getByRole('link', { name: 'Signing keys' }).click();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    const kid = /^Key (snk_\d+) is published/.exec((await notice())!)?.[1];
    expect(kid).toBeDefined();
    expect(await page.locator('tr', { hasText: kid! }).locator('.badge').textContent()).toBe('Published, signs later');
    const keys = (await (await fetch(`${server.url}/keys`)).json()) as { keys: { kid: string }[] };
    expect(keys.keys.map((k) => k.kid)).toContain(kid);
    await screenshot(page, 'dashboard-keys');
  });

  it('creates an environment scope and gives it to the API client on the Environment page', async () => {
    await page.getByRole('link', { name: 'Environment' }).click();
    expect(await heading()).toBe('Environment');
    await page.locator('input[name="name"][placeholder="reports:read"]').fill('reports:read');
    await page.locator('input[name="description"]').fill('Read reports');
    await page.getByRole('button', { name: 'Create scope' }).click();
    expect(await notice()).toBe('Scope reports:read created.');
    await page.locator('input#scopes').fill('openid reports:read');
    await page.getByRole('button', { name: 'Save changes' }).click();
    expect(await notice()).toBe('Saved.');
    const token = (await (await fetch(`${server.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret }) })).json()) as { scope: string };
    expect(token.scope).toBe('openid reports:read');
    await screenshot(page, 'dashboard-environment');
  });

  it('sets the test users allow-list; the listed email then signs in on the login page with the static code, no email sent', async () => {
    await page.getByRole('link', { name: 'Test users' }).click();
    expect(await heading()).toBe('Test users');
    await page.getByLabel('Enable test users').check();
    await page.getByLabel('Test user email 1').fill('E2E+sktest@example.com');
    await page.getByLabel('Static confirmation code').fill('867530');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await notice()).toBe('Test users saved and on.');
    expect(await page.getByLabel('Test user email 1').inputValue()).toBe('e2e+sktest@example.com');
    await screenshot(page, 'dashboard-test-users');

    const host = await registerClient(server.url, TODO, { client_name: 'E2E host', redirect_uris: [CALLBACK] });
    const person = await context.newPage();
    const arrived = await catchCallback(person, CALLBACK);
    await person.goto(authorizationUrl(`${server.url}/resources/${TODO}`, { client_id: host, code_challenge: pkce().challenge, scope: 'todo:read' }));
    await person.getByLabel('Email').fill('e2e+sktest@example.com');
    await person.getByRole('button', { name: 'Continue' }).click();
    await person.getByLabel('Verification code').fill('867530');
    await person.getByRole('button', { name: 'Verify' }).click();
    await person.getByRole('button', { name: 'Allow access' }).click();
    expect((await arrived()).searchParams.get('code')).toMatch(/^[\w-]{20,}$/);
    await person.close();
    expect((await server.app.store.users.findByEmail('e2e+sktest@example.com'))?.id).toMatch(/^usr_\d{17}$/);
    const sent = (await (await fetch(`${server.url}/outbox?to=e2e%2Bsktest%40example.com`, { headers: { accept: 'application/json' } })).json()) as unknown[];
    expect(sent).toEqual([]);
  });

  it('lists what was done in the audit log, filtered by type', async () => {
    await page.goto(`${server.url}/dashboard/audit?type=resource.created`);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2); // the seed's Todo, and Calendar from this dashboard
    expect(await rows.first().locator('td').nth(2).textContent()).toBe(ENV_CLIENT.id);
    await page.goto(`${server.url}/dashboard/audit`);
    await screenshot(page, 'dashboard-audit');
  });
});
