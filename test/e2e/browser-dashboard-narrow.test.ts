// The dashboard on a phone-sized screen (Chromium, 390 px wide, JavaScript off): every page fits the
// width (no sideways scrolling of the page itself; wide tables scroll inside their own box), and the
// top bar keeps "Sign out" and who is signed in on screen. Screenshots of each page in test/artifacts/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { authorize, registerClient } from '../helpers/code-flow.js';
import { ADA, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

const WIDTH = 390;
const TODO = 'res_20000000000000001';
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: WIDTH, height: 844 } });
  page = await context.newPage();
  // Something on every page: a consent, a registered client, an audit trail.
  const host = await registerClient(server.url, TODO, { client_name: 'Phone host', redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1/callback/with/a/rather/long/path/to/wrap'] });
  await authorize(`${server.url}/resources/${TODO}`, host, { email: ADA.email, password: ADA.password }, { scope: 'todo:read' });
  await page.goto(`${server.url}/dashboard/sign-in`);
  await page.locator('input[name="client_id"]').fill(ENV_CLIENT.id);
  await page.locator('input[name="client_secret"]').fill(ENV_CLIENT.secret);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** How wide the page is, scrolled sideways to its end. */
const pageWidth = () => page.evaluate<number>('document.documentElement.scrollWidth');

// URLs, scope names and the Metadata JSON, as the lines they are drawn on: where a line ends between two
// letters or digits, a word was cut.
const MID_WORD_BREAKS = `(() => {
  const cut = [];
  for (const el of document.querySelectorAll('.url, .scope, #metadata-json')) {
    const chars = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (rect) chars.push({ c: node.data[i], top: rect.top, left: rect.left });
      }
    }
    for (let i = 1; i < chars.length; i++) {
      const wrapped = chars[i].top > chars[i - 1].top + 2;
      if (wrapped && /\\w/.test(chars[i - 1].c) && /\\w/.test(chars[i].c)) cut.push(el.textContent.trim().slice(0, 60) + ' between ' + chars[i - 1].c + ' and ' + chars[i].c);
    }
  }
  return cut;
})()`;
const midWordBreaks = () => page.evaluate<string[]>(MID_WORD_BREAKS);

/** Every page of the dashboard, by a name for its screenshot. */
const PAGES: Record<string, string> = {
  'mcp-servers': '/dashboard/mcp-servers',
  'mcp-server-new': '/dashboard/mcp-servers/new',
  'mcp-server': `/dashboard/mcp-servers/${TODO}`,
  'server-clients': `/dashboard/mcp-servers/${TODO}/clients`,
  'organizations': '/dashboard/organizations',
  'organization': '/dashboard/organizations/org_20000000000000001',
  'organization-client': '/dashboard/organizations/org_20000000000000001/clients/m2morg_20000000000000001',
  'users': '/dashboard/users',
  'test-users': '/dashboard/test-users',
  'user': `/dashboard/users/${ADA.id}`,
  'consents': `/dashboard/consents?server=${TODO}`,
  'keys': '/dashboard/keys',
  'audit': '/dashboard/audit',
};

describe(`the dashboard at ${WIDTH} px wide`, { timeout: 60_000 }, () => {
  for (const [name, path] of Object.entries(PAGES)) {
    it(`${path}: fits the width, "Sign out" and the signed-in client are on screen, no URL or scope is cut mid-word`, async () => {
      const res = await page.goto(`${server.url}${path}`);
      expect(res?.status()).toBe(200);
      await screenshot(page, `dashboard-${WIDTH}-${name}`);
      expect(await pageWidth()).toBeLessThanOrEqual(WIDTH);
      const signOut = page.getByRole('button', { name: 'Sign out' });
      expect(await signOut.isVisible()).toBe(true);
      const box = (await signOut.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(WIDTH);
      const who = (await page.locator('.who').boundingBox())!;
      expect(who.x).toBeGreaterThanOrEqual(0);
      expect(who.x + who.width).toBeLessThanOrEqual(WIDTH);
      expect(await page.locator('.who').textContent()).toBe(ENV_CLIENT.id);
      expect(await midWordBreaks()).toEqual([]);
      // The Metadata JSON is read whole, never by scrolling its box sideways.
      expect(await page.evaluate<boolean>(`[...document.querySelectorAll('pre.json')].every((pre) => pre.scrollWidth <= pre.clientWidth)`)).toBe(true);
    });
  }

  it('a client page with a newly created secret fits too', async () => {
    await page.goto(`${server.url}/dashboard/mcp-servers/${TODO}/clients`);
    await page.locator('input[name="name"]').fill('Phone agent');
    await page.getByRole('button', { name: 'Create client' }).click();
    expect(await page.locator('#client-secret').count()).toBe(1);
    expect(await pageWidth()).toBeLessThanOrEqual(WIDTH);
    await screenshot(page, `dashboard-${WIDTH}-client-secret`);
  });
});
