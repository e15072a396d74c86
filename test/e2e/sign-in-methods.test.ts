// The hosted login's methods over real HTTP, one answer at a time: email codes and sign-in links (expiry,
// single use, the outbox), wrong-attempt limits (429 with when to retry), the simulated identity
// providers, prompt=login and prompt=create, and the readable pages for what goes wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiniBrowser, type PageSeen } from '../helpers/browser.js';
import { latestMessage } from '../helpers/chromium-host.js';
import { authorizationUrl, authorize, CALLBACK, exchange, pkce, registerClient, type TokenSet } from '../helpers/code-flow.js';
import { alertOf, headingOf, FormSteps } from '../helpers/form-steps.js';
import { ADA, decodeJwt, startTestServer, type TestServer } from '../helpers/server.js';
import { startSmtpCatcher } from '../helpers/smtp-catcher.js';

const RES = 'res_20000000000000001';
let server: TestServer;
let issuer: string;
let clientId: string;

beforeAll(async () => {
  server = await startTestServer(); // LOGIN_METHOD=email_code, the default
  issuer = `${server.url}/resources/${RES}`;
  clientId = await registerClient(server.url, RES, { client_name: 'Code host' });
});
afterAll(() => server.close());

const outboxCode = (email: string) => async () => (await latestMessage(server.url, email)).code!;

/** Runs `check` with the server's clock moved on by `duration`, then puts the clock back. */
async function later(duration: string, check: () => Promise<void>): Promise<void> {
  server.clock.advance(duration);
  try {
    await check();
  } finally {
    server.clock.reset();
  }
}

/** Opens a new authorization and enters `email`: the page after the email step. */
async function codePageFor(email: string, params: Record<string, string> = {}): Promise<FormSteps> {
  const steps = new FormSteps();
  const first = (await steps.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, ...params }))) as PageSeen;
  expect(headingOf(first.html)).toBe(params.prompt === 'create' ? 'Create your account' : 'Sign in');
  const next = (await steps.submit('/identify', { email })) as PageSeen;
  expect(headingOf(next.html)).toBe('Check your email');
  return steps;
}

describe('email code and sign-in link (the default method, LOGIN_METHOD=email_code)', () => {
  it('asks for the code after the email; the code from the outbox signs Ada in and her token follows', async () => {
    const grant = await authorize(issuer, clientId, { email: ADA.email, otp: (email) => outboxCode(email)() }, { scope: 'todo:read' });
    const titles = grant.browser.pages.map((p) => headingOf(p.html));
    expect(titles).toEqual(['Sign in', 'Check your email', 'Code host wants to access Todo']);
    const token = (await (await exchange(issuer, clientId, grant)).json()) as TokenSet;
    expect(decodeJwt(token.access_token).payload).toMatchObject({ sub: ADA.id, scopes: ['todo:read'] });
  });

  it('offers a password one click away on the code page, for every email alike ("Use a password instead")', async () => {
    const steps = await codePageFor(ADA.email);
    const password = (await steps.submit('/identify', { method: 'password' })) as PageSeen;
    expect(headingOf(password.html)).toBe('Enter your password');
    expect((await steps.post('/login', { password: ADA.password })).status).toBe(303);
  });

  it('LOGIN_METHOD=password asks for the password after the email instead, the code one click away', async () => {
    const other = await startTestServer({ env: { LOGIN_METHOD: 'password' } });
    try {
      const steps = new FormSteps();
      const host = await registerClient(other.url, RES);
      await steps.open(authorizationUrl(`${other.url}/resources/${RES}`, { client_id: host, code_challenge: pkce().challenge }));
      const next = (await steps.submit('/identify', { email: ADA.email })) as PageSeen;
      expect(headingOf(next.html)).toBe('Enter your password');
      const code = (await steps.submit('/identify', { method: 'email_code' })) as PageSeen;
      expect(headingOf(code.html)).toBe('Check your email');
    } finally {
      await other.close();
    }
  });

  it('puts the message in the outbox: GET /outbox with Accept: application/json', async () => {
    await codePageFor('outbox@example.com');
    const res = await fetch(`${server.url}/outbox?to=OUTBOX@example.com`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const [message, ...older] = (await res.json()) as Record<string, string>[];
    expect(older).toEqual([]);
    expect(Object.keys(message!)).toEqual(['id', 'to', 'subject', 'code', 'link', 'created_at']);
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_\d{17}$/),
      to: 'outbox@example.com',
      subject: `Your verification code is ${message!.code}`,
      code: expect.stringMatching(/^\d{6}$/),
      link: expect.stringMatching(new RegExp(`^${issuer}/interaction/[\\w-]+/email-link\\?token=[\\w-]{43}$`)),
      created_at: new Date(Date.parse(message!.created_at!)).toISOString(),
    });
    const page = await fetch(`${server.url}/outbox`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain(`<code class="big-code">${message!.code}</code>`);
  });

  it('shows the same page, and sends a code, whether or not a user has the email', async () => {
    const known = await codePageFor(ADA.email);
    const unknown = await codePageFor('nobody-here@example.com');
    const strip = (html: string, email: string) => html.replaceAll(email, 'EMAIL').replace(/value="[\w-]{20,}"/g, 'value="TOKEN"').replace(/interaction\/[\w-]+/g, 'interaction/UID');
    expect(strip(unknown.page.html, 'nobody-here@example.com')).toBe(strip(known.page.html, ADA.email));
    expect((await latestMessage(server.url, 'nobody-here@example.com')).code).toMatch(/^\d{6}$/);
  });

  it('refuses an expired code (400), and says to send a new one', async () => {
    const steps = await codePageFor('late@example.com');
    const { code } = await latestMessage(server.url, 'late@example.com');
    await later('601s', async () => {
      const res = await steps.post('/verify', { otp: code! });
      expect(res.status).toBe(400);
      expect(alertOf(await res.text())).toBe('This code has expired. Send a new code and use it within 10 minutes.');
    });
  });

  it('refuses a code used once already (400)', async () => {
    const steps = await codePageFor('twice@example.com');
    const { code } = await latestMessage(server.url, 'twice@example.com');
    const first = await steps.post('/verify', { otp: code! });
    expect(first.status).toBe(303);
    const again = await steps.post('/verify', { otp: code! });
    expect(again.status).toBe(400);
    expect(alertOf(await again.text())).toBe('This code was already used. Send a new code.');
  });

  it('a new code ends the earlier ones: the first code and its link are refused (400), the newest code signs in', async () => {
    const steps = await codePageFor('resend@example.com');
    const first = await latestMessage(server.url, 'resend@example.com');
    const resent = (await steps.submit('/identify', { method: 'email_code' })) as PageSeen;
    expect(headingOf(resent.html)).toBe('Check your email');
    const second = await latestMessage(server.url, 'resend@example.com');
    expect(second.id).not.toBe(first.id);
    const old = await steps.post('/verify', { otp: first.code! });
    expect(old.status).toBe(400);
    expect(alertOf(await old.text())).toBe('A newer code was sent for this sign-in. Enter the code from the latest email.');
    const oldLink = await steps.browser.fetch(first.link!);
    expect(oldLink.status).toBe(400);
    expect(headingOf(await oldLink.text())).toBe('This link was replaced');
    expect((await steps.post('/verify', { otp: second.code! })).status).toBe(303);
  });

  it('signs in with the link, once; the same link again is refused (400)', async () => {
    const steps = await codePageFor('linked@example.com');
    const { link } = await latestMessage(server.url, 'linked@example.com');
    const first = await steps.browser.fetch(link!);
    expect(first.status).toBe(303);
    const again = await steps.browser.fetch(link!);
    expect(again.status).toBe(400);
    const html = await again.text();
    expect(headingOf(html)).toBe('This link was already used');
    expect(html).toContain('<p class="next">Go back to the sign-in page and send a new code.</p>');
  });

  it('refuses an expired link (400) and a link of another sign-in (400, left unused)', async () => {
    const mine = await codePageFor('links@example.com');
    const mineLink = (await latestMessage(server.url, 'links@example.com')).link!;
    const other = await codePageFor('links@example.com');
    const otherUid = /interaction\/([\w-]+)\//.exec(other.page.url)?.[1] ?? /interaction\/([\w-]+)/.exec(other.page.html)![1]!;
    const mineUid = /interaction\/([\w-]+)\/email-link/.exec(mineLink)![1]!;
    const foreign = await other.browser.fetch(mineLink.replace(mineUid, otherUid));
    expect(foreign.status).toBe(400);
    expect(headingOf(await foreign.text())).toBe('This link does not work here');

    await later('11m', async () => {
      const late = await mine.browser.fetch(mineLink);
      expect(late.status).toBe(400);
      expect(headingOf(await late.text())).toBe('This link has expired');
    });
  });

  it('refuses a code form sent without its CSRF token (403), and nothing is used up', async () => {
    const steps = await codePageFor('csrf@example.com');
    const { code } = await latestMessage(server.url, 'csrf@example.com');
    const res = await steps.post('/verify', { otp: code! }, ['_csrf']);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<code>invalid_csrf_token</code>');
    expect((await steps.post('/verify', { otp: code! })).status).toBe(303);
  });
});

describe('wrong-attempt limits', () => {
  it('after 5 wrong codes for one email: 429 with Retry-After, even for the right code, then works again', async () => {
    const steps = await codePageFor('guess@example.com');
    const firstWrong = server.clock.now();
    for (let i = 0; i < 5; i++) {
      const wrong = await steps.post('/verify', { otp: '000000' });
      expect(wrong.status).toBe(401);
      expect(alertOf(await wrong.text())).toBe('That code is not correct. Check the latest email, or send a new code.');
    }
    const { code } = await latestMessage(server.url, 'guess@example.com');
    const paused = await steps.post('/verify', { otp: code! });
    const pausedAt = server.clock.now();
    expect(paused.status).toBe(429);
    // 15 minutes from the first wrong code, counted from the answer: however long the six requests took.
    const retryAfter = Number(paused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((firstWrong + 900_000 - pausedAt) / 1000));
    expect(retryAfter).toBeLessThanOrEqual(900);
    const html = await paused.text();
    expect(headingOf(html)).toBe('Too many attempts');
    expect(html).toMatch(new RegExp(`<p class="next">Try again in ${Math.ceil(retryAfter / 60)} minutes \\(at \\d\\d:\\d\\d UTC\\)\\.</p>`));

    await later('15m', async () => {
      await steps.submit('/identify', { method: 'email_code' });
      const { code: fresh } = await latestMessage(server.url, 'guess@example.com');
      expect((await steps.post('/verify', { otp: fresh! })).status).toBe(303);
    });
  });

  it('after 5 wrong passwords for one email: 429, and the right password waits too', async () => {
    const other = await startTestServer();
    try {
      const otherIssuer = `${other.url}/resources/${RES}`;
      const host = await registerClient(other.url, RES);
      const steps = new FormSteps();
      await steps.open(authorizationUrl(otherIssuer, { client_id: host, code_challenge: pkce().challenge }));
      await steps.submit('/identify', { email: ADA.email, method: 'password' });
      for (let i = 0; i < 5; i++) expect((await steps.post('/login', { password: `wrong-${i}` })).status).toBe(401);
      const paused = await steps.post('/login', { password: ADA.password });
      expect(paused.status).toBe(429);
      expect(headingOf(await paused.text())).toBe('Too many attempts');

      // The pause belongs to that emulator: another one in this process lets Ada in.
      const elsewhere = new FormSteps();
      await elsewhere.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge }));
      await elsewhere.submit('/identify', { email: ADA.email, method: 'password' });
      expect((await elsewhere.post('/login', { password: ADA.password })).status).toBe(303);
    } finally {
      await other.close();
    }
  });

  it('after 30 wrong answers from one IP address, a fresh email is paused too', async () => {
    const other = await startTestServer({ env: { LOGIN_METHOD: 'email_code' } });
    try {
      const otherIssuer = `${other.url}/resources/${RES}`;
      const host = await registerClient(other.url, RES);
      const steps = new FormSteps();
      await steps.open(authorizationUrl(otherIssuer, { client_id: host, code_challenge: pkce().challenge }));
      for (let i = 0; i < 30; i++) {
        await steps.submit('/identify', { email: `spray-${i}@example.com` });
        expect((await steps.post('/verify', { otp: '111111' })).status).toBe(401);
        await steps.open(steps.page.url.replace(/\/identify$/, ''));
      }
      await steps.submit('/identify', { email: 'fresh@example.com' });
      expect((await steps.post('/verify', { otp: '111111' })).status).toBe(429);
    } finally {
      await other.close();
    }
  });
});

describe('simulated identity providers', () => {
  it('provider=google goes straight to the simulated Google page; the identity typed there becomes a usr_ user', async () => {
    const steps = new FormSteps();
    const page = (await steps.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, provider: 'google' }))) as PageSeen;
    expect(headingOf(page.html)).toBe('Sign in with Google');
    const consent = (await steps.submit('/sso', { email: 'lin@gmail.example', name: 'Lin', decision: 'approve' })) as PageSeen;
    expect(headingOf(consent.html)).toBe('Code host wants to access Todo');
    const user = (await server.app.store.users.findByEmail('lin@gmail.example'))!;
    expect(user).toMatchObject({ id: expect.stringMatching(/^usr_\d{17}$/), name: 'Lin' });
    expect(user.organizationId).toBeUndefined();
  });

  it('organization_id: enterprise SSO for that organization; a new user joins it and the token carries its oid', async () => {
    const steps = new FormSteps();
    const { verifier, challenge } = pkce();
    const page = (await steps.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: challenge, organization_id: 'org_20000000000000001', connection_id: 'conn_123' }))) as PageSeen;
    expect(headingOf(page.html)).toBe('Sign in with Enterprise SSO');
    expect(page.html).toContain('<option value="org_20000000000000001" selected>Acme (org_20000000000000001)</option>');
    expect(page.html).toContain('<dt>Connection</dt><dd><code>conn_123</code></dd>');
    await steps.submit('/sso', { email: 'sam@acme.example', decision: 'approve' });
    const done = await steps.submit('/consent', { decision: 'approve' });
    if (!('callback' in done)) throw new Error(`no callback: ${headingOf(done.html)}`);
    const token = (await (await exchange(issuer, clientId, { callback: done.callback, code: done.callback.searchParams.get('code')!, verifier })).json()) as TokenSet;
    const sam = (await server.app.store.users.findByEmail('sam@acme.example'))!;
    expect(decodeJwt(token.access_token).payload).toMatchObject({ sub: sam.id, oid: 'org_20000000000000001' });
  });

  it('an email that has a user signs that user in (linked by email)', async () => {
    const steps = new FormSteps();
    await steps.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, provider: 'github' }));
    const next = (await steps.submit('/sso', { email: 'ADA@example.com', decision: 'approve' })) as PageSeen;
    expect(next.html).toContain(`Signed in as <strong>${ADA.email}</strong>`);
  });

  it('"Fail the sign-in" returns access_denied to the app', async () => {
    const steps = new FormSteps();
    await steps.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, provider: 'microsoft' }));
    const done = await steps.submit('/sso', { decision: 'deny' });
    expect('callback' in done && done.callback.searchParams.get('error')).toBe('access_denied');
  });

  it('an identity provider we do not simulate: a readable 400 page naming the ones we do', async () => {
    const res = await new MiniBrowser().authorize(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, provider: 'facebook' }), CALLBACK).catch((e: { status: number; html: string }) => e);
    const stopped = res as { status: number; html: string };
    expect(stopped.status).toBe(400);
    expect(headingOf(stopped.html)).toBe('Unknown identity provider');
    expect(stopped.html).toContain('Use provider=google, provider=github, provider=microsoft, or connection_id, organization_id or domain_hint for enterprise SSO.');
  });
});

describe('prompt', () => {
  it('prompt=login asks again although the browser is signed in; without it the session is used', async () => {
    const browser = new MiniBrowser({ email: ADA.email, otp: (email) => outboxCode(email)() });
    await authorize(issuer, clientId, {}, { scope: 'todo:read' }, browser);
    const seen = browser.pages.length;
    await authorize(issuer, clientId, {}, { scope: 'todo:read' }, browser);
    expect(browser.pages.length).toBe(seen); // signed in, consent remembered: no page
    await authorize(issuer, clientId, {}, { scope: 'todo:read', prompt: 'login' }, browser);
    expect(browser.pages.slice(seen).map((p) => headingOf(p.html))).toEqual(['Sign in', 'Check your email']);
  });

  it('prompt=create: "Create your account", an email code, and a new user', async () => {
    const steps = await codePageFor('new.person@example.com', { prompt: 'create' });
    expect(steps.page.html).not.toContain('Use a password instead');
    const { code } = await latestMessage(server.url, 'new.person@example.com');
    const next = (await steps.submit('/verify', { otp: code! })) as PageSeen;
    expect(headingOf(next.html)).toBe('Code host wants to access Todo');
    expect((await server.app.store.users.findByEmail('new.person@example.com'))?.id).toMatch(/^usr_\d{17}$/);
  });
});

describe('readable pages when the request is wrong', () => {
  it('an unknown client: 400, what happened and what to do next', async () => {
    const res = await fetch(authorizationUrl(issuer, { client_id: 'm2m_99999999999999999', code_challenge: pkce().challenge }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(headingOf(html)).toBe('This sign-in cannot continue');
    expect(html).toContain('<p class="next">Go back to the application you were signing in to and start again.</p>');
    expect(html).toContain('<code>invalid_client</code>');
    expect(html).not.toContain(' at ');
  });

  it('a redirect URI the client did not register: 400 page, no redirect', async () => {
    const res = await fetch(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(headingOf(html)).toBe('This sign-in cannot continue');
    expect(html).toContain('<code>invalid_redirect_uri</code>');
  });

  it('frames, sniffing and referrers are refused on every page', async () => {
    const res = await fetch(`${server.url}/outbox`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('SMTP_URL', () => {
  it('also sends the message to the SMTP server, and keeps it in the outbox', async () => {
    const smtp = await startSmtpCatcher();
    const mailing = await startTestServer({ env: { LOGIN_METHOD: 'email_code', SMTP_URL: `smtp://127.0.0.1:${smtp.port}` } });
    try {
      const mailingIssuer = `${mailing.url}/resources/${RES}`;
      const host = await registerClient(mailing.url, RES);
      const steps = new FormSteps();
      await steps.open(authorizationUrl(mailingIssuer, { client_id: host, code_challenge: pkce().challenge }));
      await steps.submit('/identify', { email: 'mailed@example.com' });
      const { code } = await latestMessage(mailing.url, 'mailed@example.com');
      const mail = await smtp.next();
      expect(mail.to).toEqual(['<mailed@example.com>']);
      expect(mail.data).toContain(`Subject: Your verification code is ${code}`);
      expect(mail.data).toContain(`    ${code}`);
      expect(mailing.logs()).not.toContain(code);
    } finally {
      await mailing.close();
      await smtp.close();
    }
  });
});
