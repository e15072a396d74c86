// RFC 8628 with real clients: openid-client 6 is the device (initiateDeviceAuthorization, then
// pollDeviceAuthorizationGrant, which waits the interval the emulator names between polls), and the
// person is in Chromium at verification_uri_complete: confirms the code, signs in with an email code
// read from the outbox, and allows access on the consent page that names the client, the MCP server and
// the scopes. The device's token is Scalekit's, for that server, for that person.
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import { enterEmail, latestMessage } from '../helpers/chromium-host.js';
import { registerClient } from '../helpers/code-flow.js';
import { ADA, decodeJwt, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const TODO = 'res_20000000000000001';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  const seed = { ...TEST_SEED, resources: TEST_SEED.resources!.map((r) => ({ ...r, enable_device_flow: true })) };
  [server, browser] = await Promise.all([startTestServer({ seed }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(() => context.close());

/** openid-client configured for the Todo server's issuer (RFC 8414 discovery), as a public device client. */
async function deviceClient(): Promise<{ config: oidc.Configuration; clientId: string }> {
  const clientId = await registerClient(server.url, TODO, { client_name: 'Todo CLI', grant_types: [DEVICE_GRANT, 'refresh_token'], redirect_uris: [] });
  const issuer = new URL(`${server.url}/resources/${TODO}`);
  const config = await oidc.discovery(issuer, clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });
  return { config, clientId };
}

describe('RFC 8628 with openid-client, the person in Chromium', { timeout: 90_000 }, () => {
  it('the device polls while the person signs in by email code and allows access: a Todo token for Ada, with a refresh token', async () => {
    const { config, clientId } = await deviceClient();
    expect(config.serverMetadata().device_authorization_endpoint).toBe(`${server.url}/resources/${TODO}/oauth/device/code`);
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'todo:read offline_access' });
    expect(started).toMatchObject({
      user_code: expect.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/),
      verification_uri: `${server.url}/resources/${TODO}/device`,
      verification_uri_complete: `${server.url}/resources/${TODO}/device?user_code=${started.user_code}`,
      expires_in: 600,
      interval: 5,
    });
    const polling = oidc.pollDeviceAuthorizationGrant(config, started);

    await page.goto(started.verification_uri_complete!);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Is this the code on your device?');
    expect(await page.locator('.user-code code').textContent()).toBe(started.user_code);
    await screenshot(page, 'device-confirm');
    await page.getByRole('button', { name: 'Continue' }).click();
    await enterEmail(page, ADA.email);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your email');
    const { code } = await latestMessage(server.url, ADA.email);
    await page.getByLabel('Verification code').fill(code!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Todo CLI wants to access Todo');
    expect(await page.locator('.scope-name').allTextContents()).toEqual(['todo:read', 'offline_access']);
    expect(await page.locator('.redirect').textContent()).toContain('The access goes to the device or terminal that showed you the code');
    await screenshot(page, 'device-consent');
    await page.getByRole('button', { name: 'Allow access' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Your device is connected');
    expect(await page.locator('.lede').textContent()).toBe('Todo CLI can now use Todo for you. Go back to your device: it carries on by itself.');
    await screenshot(page, 'device-done');

    const tokens = await polling;
    const { header, payload } = decodeJwt(tokens.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: server.url,
      sub: ADA.id,
      client_id: clientId,
      aud: ['http://localhost:3002/', TODO],
      resid: TODO,
      scopes: expect.arrayContaining(['todo:read', 'offline_access']),
    });
    expect(tokens.scope).toBe(payload.scope);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    // The refresh token works as one of the code flow's does.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(decodeJwt(refreshed.access_token).payload).toMatchObject({ sub: ADA.id, client_id: clientId, resid: TODO });
  });

  it('the person types the code at verification_uri, sees which client asks, and says no: the device hears access_denied', async () => {
    const { config } = await deviceClient();
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'todo:read' });
    await page.goto(started.verification_uri);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Connect a device');
    await screenshot(page, 'device-code');
    await page.getByLabel('Code').fill(started.user_code.toLowerCase().replace('-', ' '));
    await page.getByRole('button', { name: 'Continue' }).click();
    await enterEmail(page, ADA.email);
    const { code } = await latestMessage(server.url, ADA.email);
    await page.getByLabel('Verification code').fill(code!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Todo CLI wants to access Todo');
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('The device was not connected');
    await screenshot(page, 'device-denied');
    const refused = await oidc.pollDeviceAuthorizationGrant(config, started).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
    expect(refused).toMatchObject({ error: 'access_denied', status: 400 });
  });
});
