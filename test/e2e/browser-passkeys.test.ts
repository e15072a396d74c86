// Passkeys in Chromium with its virtual authenticator (CDP WebAuthn, CTAP2, resident keys, user
// verification): after an email-code sign-in the person adds a passkey; a new authorization then signs
// in with the passkey alone, at an MCP server's issuer and at the environment's; the token's `sub` is
// that person. A removed passkey, a copied authenticator (its counter did not grow), an answer used
// twice, one for another sign-in and one too late are refused with a readable page. The environment URL
// is http://localhost:<port>: browsers allow passkeys on localhost, never at an IP address.
import { ScalekitClient } from '@scalekit-sdk/node';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catchCallback, launchChromium, screenshot } from '../helpers/chromium.js';
import { enterEmail, latestMessage } from '../helpers/chromium-host.js';
import { authorizationUrl, CALLBACK, exchange, pkce, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { environmentToken, restCaller } from '../helpers/management.js';
import { ADA, basic, decodeJwt, ENV_CLIENT, startTestServer, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/todo-stack.js';

const RES = 'res_20000000000000001';
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;

beforeAll(async () => {
  const port = await freePort();
  [server, browser] = await Promise.all([
    startTestServer({ env: { PORT: String(port), SCALEKIT_ENVIRONMENT_URL: `http://localhost:${port}` } }),
    launchChromium(),
  ]);
  context = await browser.newContext();
  page = await context.newPage();
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  }));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const heading = () => page.locator('h1').textContent();

/** Starts an authorization of a new client at the MCP server's issuer; resolves to its callback. */
async function startAtMcpServer(): Promise<{ clientId: string; verifier: string; arrived: () => Promise<URL> }> {
  const clientId = await registerClient(server.url, RES, { client_name: 'Passkey host', redirect_uris: [CALLBACK] });
  const { verifier, challenge } = pkce();
  const arrived = await catchCallback(page, CALLBACK);
  await page.goto(authorizationUrl(`${server.url}/resources/${RES}`, { client_id: clientId, code_challenge: challenge, scope: 'todo:read', prompt: 'login' }));
  return { clientId, verifier, arrived };
}

/** The token of a callback at the MCP server's issuer: its claims. */
async function claimsOf(clientId: string, verifier: string, callback: URL): Promise<Record<string, unknown>> {
  await page.waitForURL((url) => url.href.startsWith(CALLBACK));
  const res = await exchange(`${server.url}/resources/${RES}`, clientId, { callback, code: callback.searchParams.get('code')!, verifier });
  expect(res.status).toBe(200);
  return decodeJwt(((await res.json()) as TokenSet).access_token).payload;
}

const signInWithPasskey = () => page.getByRole('button', { name: 'Sign in with a passkey' }).click();

describe('passkeys in Chromium with a virtual authenticator', { timeout: 60_000 }, () => {
  it('after an email-code sign-in, offers a passkey; “Add a passkey” keeps it (public key only) and the sign-in goes on', async () => {
    const { clientId, verifier, arrived } = await startAtMcpServer();
    await enterEmail(page, ADA.email);
    // The page's script found this device can keep a passkey, and asks for the offer.
    await expect.poll(() => page.locator('input[name="passkey_offer"]').inputValue()).toBe('1');
    await page.locator('input[name="otp"]').fill((await latestMessage(server.url, ADA.email)).code!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(heading).toBe('Sign in faster next time');
    await screenshot(page, 'passkey-offer');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(heading).toBe('Passkey host wants to access Todo');
    await page.getByRole('button', { name: 'Allow access' }).click();
    expect(await claimsOf(clientId, verifier, await arrived())).toMatchObject({ sub: ADA.id, resid: RES });

    const [kept] = await server.app.store.passkeys.listByUser(ADA.id);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(kept).toMatchObject({ credentialId: credentials[0]!.credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), rpId: 'localhost', transports: ['internal'] });
    const row = (await server.db.get<Record<string, unknown>>('SELECT * FROM passkeys'))!;
    const privateKey = Buffer.from(credentials[0]!.privateKey, 'base64');
    expect(Buffer.from(row.public_key as Buffer).includes(privateKey.subarray(-32))).toBe(false);
    expect(JSON.stringify(row)).not.toContain(credentials[0]!.privateKey);
    expect((await server.app.management.audit.list({ type: 'passkey.registered' })).events[0]).toMatchObject({ actor: 'sign-in', targetId: kept!.id });
  });

  it('a new authorization at the MCP server’s issuer signs in with the passkey alone; the token’s sub is that person', async () => {
    await context.clearCookies();
    const { clientId, verifier, arrived } = await startAtMcpServer();
    await screenshot(page, 'passkey-sign-in');
    await signInWithPasskey();
    await expect.poll(heading).toBe('Passkey host wants to access Todo');
    await page.getByRole('button', { name: 'Allow access' }).click();
    expect(await claimsOf(clientId, verifier, await arrived())).toMatchObject({ sub: ADA.id, resid: RES });
    expect((await server.app.store.passkeys.listByUser(ADA.id))[0]!.lastUsedTime).toBeDefined();
  });

  it('works at the environment’s issuer too (OpenID Connect for web apps): the ID token’s sub is that person', async () => {
    await context.clearCookies();
    const { verifier, challenge } = pkce();
    const arrived = await catchCallback(page, WEB_APP_CALLBACK);
    await page.goto(authorizationUrl(server.url, { client_id: ENV_CLIENT.id, redirect_uri: WEB_APP_CALLBACK, code_challenge: challenge, scope: 'openid email' }));
    await signInWithPasskey();
    await expect.poll(heading).toMatch(/wants to access your account$/);
    await page.getByRole('button', { name: 'Allow access' }).click();
    const callback = await arrived();
    const res = await tokenCall(server.url, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, code_verifier: verifier, redirect_uri: WEB_APP_CALLBACK }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) });
    expect(res.status).toBe(200);
    const { id_token: idToken } = (await res.json()) as TokenSet;
    expect(decodeJwt(idToken!).payload).toMatchObject({ sub: ADA.id, iss: server.url });
    await page.waitForURL((url) => url.href.startsWith(WEB_APP_CALLBACK));
  });

  it('refuses the same passkey answer a second time: each challenge is used once', async () => {
    await context.clearCookies();
    await startAtMcpServer();
    // Hold the browser's own post, and send its answer ourselves, twice, from the same browser.
    let held: { url: string; body: string } | undefined;
    await page.route('**/interaction/*/passkey', async (route) => {
      held = { url: route.request().url(), body: route.request().postData()! };
      await route.fulfill({ status: 204 });
    });
    await signInWithPasskey();
    await expect.poll(() => held).toBeDefined();
    await page.unroute('**/interaction/*/passkey');
    const post = () => page.request.post(held!.url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: held!.body, maxRedirects: 0 });
    expect((await post()).status()).toBe(303);
    const again = await post();
    expect(again.status()).toBe(400);
    expect(await again.text()).toContain('<h1 id="page-title">This passkey answer was already used</h1>');
  });

  it('refuses an answer made for another sign-in', async () => {
    await context.clearCookies();
    await startAtMcpServer();
    let held: string | undefined;
    await page.route('**/interaction/*/passkey', async (route) => {
      held = new URLSearchParams(route.request().postData()!).get('credential')!;
      await route.fulfill({ status: 204 });
    });
    await signInWithPasskey();
    await expect.poll(() => held).toBeDefined();
    await page.unroute('**/interaction/*/passkey');
    // Another sign-in in this browser: its page, its form, the first sign-in's answer.
    await startAtMcpServer();
    await page.evaluate(`(() => { const f = document.getElementById('passkey-sign-in-form'); f.elements.credential.value = ${JSON.stringify(held)}; f.submit(); })()`);
    await expect.poll(heading).toBe('This passkey answer is not for this sign-in');
    expect(await page.locator('.code code').textContent()).toBe('passkey_not_here');
  });

  it('refuses an answer given after the challenge expired (5 minutes, the emulator’s clock)', async () => {
    await context.clearCookies();
    await startAtMcpServer();
    await page.route('**/interaction/*/passkey', async (route) => {
      server.clock.advance('6m');
      await route.continue();
    });
    try {
      await signInWithPasskey();
      await expect.poll(heading).toBe('This passkey request has expired');
    } finally {
      await page.unroute('**/interaction/*/passkey');
      server.clock.reset();
    }
  });

  it('refuses a copied authenticator: an answer whose signature counter did not grow', async () => {
    const [passkey] = await server.app.store.passkeys.listByUser(ADA.id);
    expect(passkey!.counter).toBeGreaterThan(0);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const original = credentials[0]!;
    // The same key on another device, whose counter is behind the one last seen.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...original, signCount: passkey!.counter - 1 } });
    await context.clearCookies();
    await startAtMcpServer();
    await signInWithPasskey();
    await expect.poll(heading).toBe('This passkey was refused');
    await screenshot(page, 'passkey-refused-counter');
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...original, signCount: passkey!.counter + 10 } });
  });

  it('lists, renames and deletes passkeys with @scalekit-sdk/node (WebAuthnService over gRPC), and over REST', async () => {
    const scalekit = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
    const listed = await scalekit.webauthn.listCredentials(ADA.id);
    const [passkey] = await server.app.store.passkeys.listByUser(ADA.id);
    expect(listed.credentials.map((c) => ({ id: c.id, userId: c.userId, displayName: c.displayName, transports: c.transports }))).toEqual([
      { id: passkey!.id, userId: ADA.id, displayName: 'Passkey', transports: ['internal'] },
    ]);
    expect(Buffer.from(listed.credentials[0]!.credentialId).toString('base64url')).toBe(passkey!.credentialId);
    expect(listed.allAcceptedCredentialsOptions).toMatchObject({ rpId: 'localhost', userId: ADA.id, allAcceptedCredentialIds: [passkey!.credentialId] });
    const renamed = await scalekit.webauthn.updateCredential(passkey!.id, 'Work laptop');
    expect(renamed.credential?.displayName).toBe('Work laptop');

    const rest = restCaller(server.url, await environmentToken(server.url, ENV_CLIENT));
    const { status, body } = await rest('GET', `/webauthn/credentials?user_id=${ADA.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ credentials: [{ id: passkey!.id, user_id: ADA.id, display_name: 'Work laptop', transports: ['internal'] }] });
    expect(JSON.stringify(body)).not.toMatch(/public_?key/i);
    expect((await rest('PATCH', `/webauthn/credentials/${passkey!.id}`, { display_name: '' })).status).toBe(400);
    expect((await rest('DELETE', '/webauthn/credentials/pkc_99999999999999999')).body).toMatchObject({ code: 5 });
  });

  it('a passkey removed in the dashboard is refused with a readable page, though the device still offers it', async () => {
    const [passkey] = await server.app.store.passkeys.listByUser(ADA.id);
    const admin = await context.newPage();
    await admin.goto(`${server.url}/dashboard/sign-in`);
    await admin.locator('input[name="client_id"]').fill(ENV_CLIENT.id);
    await admin.locator('input[name="client_secret"]').fill(ENV_CLIENT.secret);
    await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
    await admin.goto(`${server.url}/dashboard/users/${ADA.id}`);
    expect(await admin.locator('tr', { hasText: passkey!.id }).locator('td').first().textContent()).toContain('Work laptop');
    await screenshot(admin, 'dashboard-user-passkeys');
    await admin.locator('tr', { hasText: passkey!.id }).getByRole('button', { name: 'Remove' }).click();
    expect(await admin.locator('.notice').textContent()).toBe(`Passkey ${passkey!.id} removed: it signs no one in any more.`);
    await admin.close();
    expect(await server.app.store.passkeys.listByUser(ADA.id)).toEqual([]);
    expect((await server.app.management.audit.list({ type: 'passkey.removed' })).events[0]).toMatchObject({ actor: ENV_CLIENT.id, targetId: passkey!.id });

    await context.clearCookies();
    await startAtMcpServer();
    await signInWithPasskey();
    await expect.poll(heading).toBe('This passkey is not known here');
    expect(await page.locator('.next').textContent()).toBe('Sign in another way (an email code), then add a passkey again if you like.');
    await screenshot(page, 'passkey-refused-unknown');
  });
});
