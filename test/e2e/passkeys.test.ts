// Passkeys over HTTP, one answer at a time (the ceremonies themselves run in Chromium,
// browser-passkeys.test.ts): where they are offered, the script that offers them, the options a
// ceremony starts with, the offer after a sign-in and "Not now", and answers that are not passkey answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageSeen } from '../helpers/browser.js';
import { latestMessage } from '../helpers/chromium-host.js';
import { authorizationUrl, pkce, registerClient } from '../helpers/code-flow.js';
import { FormSteps, headingOf } from '../helpers/form-steps.js';
import { ADA, startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/todo-stack.js';

const RES = 'res_20000000000000001';
let server: TestServer;

beforeAll(async () => {
  const port = await freePort();
  server = await startTestServer({ env: { PORT: String(port), SCALEKIT_ENVIRONMENT_URL: `http://localhost:${port}` } });
});
afterAll(() => server.close());

/** A new authorization at the MCP server's issuer: the email page. */
async function emailPage(url = server.url): Promise<FormSteps> {
  const steps = new FormSteps();
  const client = await registerClient(url, RES);
  await steps.open(authorizationUrl(`${url}/resources/${RES}`, { client_id: client, code_challenge: pkce().challenge }));
  return steps;
}

/** What the page's script posts to start a passkey sign-in (its form's CSRF token). */
const optionsOf = (steps: FormSteps, drop: string[] = []) => {
  const { init } = steps.request('/passkey', {}, drop);
  return steps.browser.fetch(`${steps.page.url}/passkey/options`, init);
};

const answer = (clientData: object) =>
  JSON.stringify({
    id: 'AAAA',
    rawId: 'AAAA',
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON: Buffer.from(JSON.stringify(clientData)).toString('base64url'), authenticatorData: 'A'.repeat(50), signature: 'AAAA' },
  });

describe('where passkeys are offered', () => {
  it('on the email page, from a static script (no inline script), the button hidden until the script shows it', async () => {
    const steps = await emailPage();
    expect(steps.page.html).toContain('<script src="/assets/passkeys.js" defer></script>');
    expect(steps.page.html).toMatch(/<button type="button" class="secondary passkey" data-passkey-sign-in data-options-url="\/resources\/res_20000000000000001\/interaction\/[\w-]+\/passkey\/options" hidden>/);
    expect(steps.page.html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/assets/passkeys.js" defer>']);
    const script = await fetch(`${server.url}/assets/passkeys.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain("navigator.credentials.get({ publicKey: requestOptions(await res.json()) })");
  });

  it('nowhere at an IP-address environment URL (browsers refuse passkeys there): no script, no button; the step says why', async () => {
    const other = await startTestServer();
    try {
      const steps = await emailPage(other.url);
      expect(steps.page.html).not.toContain('passkey');
      const res = await steps.browser.fetch(`${steps.page.url}/passkey/options`, steps.request('/identify').init);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(headingOf(html)).toBe('Passkeys do not work here');
      expect(html).toContain('<code>passkeys_unavailable</code>');
    } finally {
      await other.close();
    }
  });
});

describe('starting a passkey sign-in', () => {
  it('answers options for this environment’s RP ID, any passkey it keeps (discoverable), a fresh challenge, no-store', async () => {
    const steps = await emailPage();
    const first = await optionsOf(steps);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const options = (await first.json()) as { rpId: string; challenge: string; allowCredentials?: unknown[]; userVerification: string; timeout: number };
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'preferred', timeout: 300_000 });
    expect(options.allowCredentials ?? []).toEqual([]); // none named: the device offers what it keeps
    expect(options.challenge).toMatch(/^[\w-]{43}$/);
    const second = (await (await optionsOf(steps)).json()) as { challenge: string };
    expect(second.challenge).not.toBe(options.challenge);
  });

  it('refuses the options step without its CSRF token (403)', async () => {
    const steps = await emailPage();
    const res = await optionsOf(steps, ['_csrf']);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<code>invalid_csrf_token</code>');
  });

  it('refuses what is not a passkey answer (400), and an answer to a challenge this sign-in never got (400)', async () => {
    const steps = await emailPage();
    const garbage = await steps.post('/passkey', { credential: '{"id":' });
    expect(garbage.status).toBe(400);
    expect(headingOf(await garbage.text())).toBe('The passkey answer could not be read');
    const stranger = await steps.post('/passkey', { credential: answer({ type: 'webauthn.get', challenge: 'bm90LWEtY2hhbGxlbmdlLW9mLXRoaXMtc2lnbi1pbg', origin: server.url }) });
    expect(stranger.status).toBe(400);
    expect(headingOf(await stranger.text())).toBe('This passkey answer is not for this sign-in');
  });
});

describe('the offer after signing in', () => {
  /** The email code page for Ada, then the code sent with `passkey_offer` as the page's script would set it. */
  async function verified(offer: string, steps?: FormSteps): Promise<{ steps: FormSteps; res: Response }> {
    const s = steps ?? (await emailPage());
    await s.submit('/identify', { email: ADA.email });
    const res = await s.post('/verify', { otp: (await latestMessage(server.url, ADA.email)).code!, passkey_offer: offer });
    return { steps: s, res };
  }

  it('goes straight on when the script did not ask (no JavaScript, or a device that keeps no passkey)', async () => {
    const { res } = await verified('');
    expect(res.status).toBe(303);
  });

  it('offers a passkey when asked; “Not now” goes on, and this browser is not asked again', async () => {
    const { steps, res } = await verified('1');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(headingOf(html)).toBe('Sign in faster next time');
    expect(html).toContain('data-passkey-add data-options="{&quot;challenge&quot;:');
    steps.page = { url: steps.page.url, status: 200, html };
    const skipped = await steps.post('/passkey/skip');
    expect(skipped.status).toBe(303);
    expect(skipped.headers.getSetCookie().find((c) => c.startsWith('emulator_passkey_offer='))).toMatch(/^emulator_passkey_offer=later; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    const next = await steps.open(new URL(skipped.headers.get('location')!, steps.page.url).href);
    expect(headingOf((next as PageSeen).html)).toMatch(/wants to access Todo$/);

    const again = new FormSteps();
    again.browser.cookies.set('emulator_passkey_offer', steps.browser.cookies.get('emulator_passkey_offer')!);
    const client = await registerClient(server.url, RES);
    await again.open(authorizationUrl(`${server.url}/resources/${RES}`, { client_id: client, code_challenge: pkce().challenge }));
    expect((await verified('1', again)).res.status).toBe(303);
  });

  it('refuses “Not now” a second time: the offer was answered', async () => {
    const { steps, res } = await verified('1');
    steps.page = { url: steps.page.url, status: 200, html: await res.text() };
    const { url, init } = steps.request('/passkey/skip');
    expect((await steps.browser.fetch(url, init)).status).toBe(303);
    const twice = await steps.browser.fetch(url, init);
    expect(twice.status).toBe(400);
  });
});
