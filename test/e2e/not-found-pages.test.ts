// Unknown addresses: every surface a person sees in a browser (dashboard, the login pages under both
// issuers, outbox, logout, the pages' assets) answers a 404 page in the product's look, while the JSON
// and API surfaces keep their JSON 404s. The favicon every page names is served.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageSeen } from '../helpers/browser.js';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { FormSteps, headingOf } from '../helpers/form-steps.js';
import { environmentToken, restCaller } from '../helpers/management.js';
import { ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const PAGE_PATHS = [
  '/outbox/nope',
  '/interaction/abc/nope',
  `/resources/${RES}/interaction/abc/nope`,
  '/oidc/logout/nope',
  '/assets/nope.css',
];

async function signedInDashboard(): Promise<FormSteps> {
  const steps = new FormSteps();
  await steps.open(`${server.url}/dashboard/sign-in`);
  await steps.submit('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
  return steps;
}

function expectNotFoundPage(res: Response, html: string): void {
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(headingOf(html)).toBe('Page not found');
  expect(html).toContain('<link rel="stylesheet" href="/assets/styles.css">');
  expect(html).toContain('<code>not_found</code>');
}

describe('404 on the pages: HTML in the product’s look', () => {
  for (const path of PAGE_PATHS) {
    it(`GET ${path}`, async () => {
      const res = await fetch(server.url + path, { redirect: 'manual' });
      expectNotFoundPage(res, await res.text());
    });
  }

  it('POST to an unknown login step, and GET of the logout confirmation (a POST-only step)', async () => {
    const post = await fetch(`${server.url}/resources/${RES}/interaction/abc/nope`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expectNotFoundPage(post, await post.text());
    const confirm = await fetch(`${server.url}/oidc/logout/confirm`, { redirect: 'manual' });
    expectNotFoundPage(confirm, await confirm.text());
  });

  it('the dashboard: a signed-in person gets the 404 in the dashboard’s frame; a visitor is sent to sign in first', async () => {
    const visitor = await fetch(`${server.url}/dashboard/nope`, { redirect: 'manual' });
    expect(visitor.status).toBe(303);
    expect(visitor.headers.get('location')).toBe('/dashboard/sign-in');

    const steps = await signedInDashboard();
    const res = await steps.browser.fetch(`${server.url}/dashboard/nope/deeper`);
    const html = await res.text();
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(headingOf(html)).toBe('Page not found');
    expect(html).toContain('<nav class="sidebar" aria-label="Dashboard">');
    expect(html).toContain('<button type="submit" class="secondary small">Sign out</button>');
  });
});

describe('404 on the JSON surfaces: JSON as before', () => {
  it('an unknown management path: Scalekit’s REST error JSON', async () => {
    const token = await environmentToken(server.url, ENV_CLIENT);
    const { status, body } = await restCaller(server.url, token)('GET', '/nope');
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 5, message: 'Not Found' });
  });

  it('an unknown OAuth or metadata path: JSON', async () => {
    for (const path of ['/oauth/nope', `/resources/${RES}/.well-known/nope`]) {
      const res = await fetch(server.url + path, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
  });
});

describe('the favicon', () => {
  it('is served as SVG at /assets/favicon.svg and /favicon.ico, and every page layout names it', async () => {
    for (const path of ['/assets/favicon.svg', '/favicon.ico']) {
      const res = await fetch(server.url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
      expect(await res.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
    const icon = '<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">';
    const login = (await new FormSteps().open(`${server.url}/dashboard/sign-in`)) as PageSeen;
    expect(login.html).toContain(icon);
    const dashboard = await signedInDashboard();
    expect(dashboard.page.html).toContain(icon);
  });
});

describe('in Chromium', { timeout: 60_000 }, () => {
  it('the 404 pages look like the other pages: the card, the stylesheet, the favicon', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 700 } });
    try {
      const page = await context.newPage();
      const icons: number[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/assets/favicon.svg')) icons.push(r.status());
      });
      const res = await page.goto(`${server.url}/outbox/nope`);
      expect(res?.status()).toBe(404);
      expect(await page.locator('h1').textContent()).toBe('Page not found');
      expect(await page.evaluate<string>(`getComputedStyle(document.querySelector('main.card')).borderTopLeftRadius`)).toBe('12px');
      await screenshot(page, 'not-found-outbox');

      await page.goto(`${server.url}/dashboard/sign-in`);
      await page.locator('input[name="client_id"]').fill(ENV_CLIENT.id);
      await page.locator('input[name="client_secret"]').fill(ENV_CLIENT.secret);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      expect((await page.goto(`${server.url}/dashboard/nope`))?.status()).toBe(404);
      expect(await page.locator('h1').textContent()).toBe('Page not found');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await screenshot(page, 'not-found-dashboard');
      const favicon = await page.request.get(`${server.url}/assets/favicon.svg`);
      expect(favicon.status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});
