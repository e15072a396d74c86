// Scalekit's test users (docs: authenticate/run-e2e-tests): an environment's allow-list of up to 5 emails,
// stored lower case, each with `+sktest` right after the local part's `+`, and a static 6-digit code
// (default 424242). A listed email gets no email and signs in with the static code; everything else
// about its sign-in is as usual. Set in the seed, over REST (an emulator route: no Scalekit API has
// it) and in the dashboard, all through the management service, audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageSeen } from '../helpers/browser.js';
import { latestMessage } from '../helpers/chromium-host.js';
import { authorizationUrl, exchange, pkce, registerClient, type TokenSet } from '../helpers/code-flow.js';
import { alertOf, FormSteps, headingOf } from '../helpers/form-steps.js';
import { environmentToken, restCaller, type Rest } from '../helpers/management.js';
import { decodeJwt, ENV_CLIENT, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
let server: TestServer;
let rest: Rest;

beforeAll(async () => {
  server = await startTestServer();
  rest = restCaller(server.url, await environmentToken(server.url, ENV_CLIENT));
});
afterAll(() => server.close());

const outbox = async (url: string) => (await (await fetch(`${url}/outbox`, { headers: { accept: 'application/json' } })).json()) as { to: string }[];

/** A new authorization at the Todo server's issuer, the email entered: the page after it. */
async function afterEmail(url: string, email: string, params: Record<string, string> = {}): Promise<{ steps: FormSteps; clientId: string; verifier: string }> {
  const clientId = await registerClient(url, RES);
  const { verifier, challenge } = pkce();
  const steps = new FormSteps();
  await steps.open(authorizationUrl(`${url}/resources/${RES}`, { client_id: clientId, code_challenge: challenge, scope: 'todo:read', ...params }));
  await steps.submit('/identify', { email });
  return { steps, clientId, verifier };
}

describe('REST /api/v1/environment/test-users', () => {
  it('answers the defaults before anything is set: off, no emails, 424242', async () => {
    const { status, body } = await rest('GET', '/environment/test-users');
    expect(status).toBe(200);
    expect(body).toEqual({ enabled: false, emails: [], static_code: '424242' });
  });

  it('PATCH sets what its body names: emails stored lower case without repeats; audited without the code', async () => {
    const { status, body } = await rest('PATCH', '/environment/test-users', { enabled: true, emails: ['QA+sktest@Example.com', 'qa+sktest@example.com', 'ci+sktest-2@any.example'], static_code: '135790' });
    expect(status).toBe(200);
    expect(body).toEqual({ enabled: true, emails: ['qa+sktest@example.com', 'ci+sktest-2@any.example'], static_code: '135790' });
    const again = await rest('PATCH', '/environment/test-users', { static_code: '246810' });
    expect(again.body).toEqual({ enabled: true, emails: ['qa+sktest@example.com', 'ci+sktest-2@any.example'], static_code: '246810' });
    const events = (await server.app.management.audit.list({ type: 'test_users.updated' })).events;
    expect(events[0]).toMatchObject({ actor: ENV_CLIENT.id, details: { enabled: true, emails: ['qa+sktest@example.com', 'ci+sktest-2@any.example'] } });
    expect(JSON.stringify(events)).not.toContain('246810');
    expect(server.logs()).not.toContain('246810');
    await rest('PATCH', '/environment/test-users', { static_code: '135790' });
  });

  it('refuses what Scalekit refuses, naming each field, and changes nothing', async () => {
    const before = (await rest('GET', '/environment/test-users')).body;
    const cases: [unknown, string, string][] = [
      [{ emails: ['john@acmecorp.com'] }, 'test_users.emails[0]', 'must have +sktest right after the + of its local part, e.g. qa+sktest@example.com'],
      [{ emails: ['john+test@acmecorp.com'] }, 'test_users.emails[0]', 'must have +sktest right after the + of its local part, e.g. qa+sktest@example.com'],
      [{ emails: ['sktest+john@acmecorp.com'] }, 'test_users.emails[0]', 'must have +sktest right after the + of its local part, e.g. qa+sktest@example.com'],
      [{ emails: ['not an email+sktest'] }, 'test_users.emails[0]', 'must be an email address'],
      [{ emails: [1, 2, 3, 4, 5, 6].map((n) => `u${n}+sktest@example.com`) }, 'test_users.emails', 'must list at most 5 emails'],
      [{ static_code: '12345' }, 'test_users.static_code', 'must be exactly 6 digits'],
      [{ static_code: '12345a' }, 'test_users.static_code', 'must be exactly 6 digits'],
    ];
    for (const [patch, field, description] of cases) {
      const { status, body } = await rest('PATCH', '/environment/test-users', patch);
      expect(status).toBe(400);
      expect(body).toMatchObject({
        code: 3,
        details: [{ error_code: 'INVALID_ARGUMENT', validation_error_info: { field_violations: [{ field, description }] } }],
      });
    }
    expect((await rest('GET', '/environment/test-users')).body).toEqual(before);
  });

  it('needs the environment client’s token like every management call', async () => {
    const { status, body } = await restCaller(server.url)('GET', '/environment/test-users');
    expect(status).toBe(401);
    expect(body).toMatchObject({ code: 16 });
  });
});

describe('signing in as an allow-listed test user', () => {
  it('gets the code page, no email, and the static code signs in a new usr_ user whose token follows', async () => {
    const email = 'ci+sktest-2@any.example';
    const sent = (await outbox(server.url)).length;
    const { steps, clientId, verifier } = await afterEmail(server.url, 'CI+sktest-2@any.example');
    expect(headingOf(steps.page.html)).toBe('Check your email');
    expect(steps.page.html).toContain('A test user of this environment: no email is sent.');
    expect(steps.page.html).not.toContain('135790');
    const done = await steps.submit('/verify', { otp: '135790' });
    const consent = done as PageSeen;
    expect(headingOf(consent.html)).toMatch(/wants to access Todo$/);
    const callback = (await steps.submit('/consent', { decision: 'approve' })) as { callback: URL };
    const token = (await (await exchange(`${server.url}/resources/${RES}`, clientId, { callback: callback.callback, code: callback.callback.searchParams.get('code')!, verifier })).json()) as TokenSet;
    const user = (await server.app.store.users.findByEmail(email))!;
    expect(user.id).toMatch(/^usr_\d{17}$/);
    expect(decodeJwt(token.access_token).payload).toMatchObject({ sub: user.id });
    expect((await outbox(server.url)).length).toBe(sent);
  });

  it('refuses a wrong code (401) as for anyone, and it counts toward the attempt limit', async () => {
    const { steps } = await afterEmail(server.url, 'qa+sktest@example.com');
    const res = await steps.post('/verify', { otp: '000000' });
    expect(res.status).toBe(401);
    expect(alertOf(await res.text())).toBe('That code is not correct. Check the latest email, or send a new code.');
  });

  it('is an ordinary email again once the list is switched off: the static code no longer works, a code is emailed', async () => {
    await rest('PATCH', '/environment/test-users', { enabled: false });
    try {
      const { steps } = await afterEmail(server.url, 'qa+sktest@example.com');
      expect((await steps.post('/verify', { otp: '135790' })).status).toBe(401);
    } finally {
      await rest('PATCH', '/environment/test-users', { enabled: true });
    }
  });

  it('gets the code page even with LOGIN_METHOD=password', async () => {
    const other = await startTestServer({ env: { LOGIN_METHOD: 'password' }, seed: { ...TEST_SEED, test_users: { emails: ['pw+sktest@example.com'], static_code: '112233' } } });
    try {
      const listed = await afterEmail(other.url, 'pw+sktest@example.com');
      expect(headingOf(listed.steps.page.html)).toBe('Check your email');
      expect((await listed.steps.post('/verify', { otp: '112233' })).status).toBe(303);
      const plain = await afterEmail(other.url, 'someone@example.com');
      expect(headingOf(plain.steps.page.html)).toBe('Enter your password');
    } finally {
      await other.close();
    }
  });

  it('an email not on the list gets an emailed code, and the static code is wrong for it', async () => {
    const { steps } = await afterEmail(server.url, 'stranger@example.com');
    expect((await latestMessage(server.url, 'stranger@example.com')).code).toMatch(/^\d{6}$/);
    expect((await steps.post('/verify', { otp: '135790' })).status).toBe(401);
  });
});

describe('the seed’s test_users', () => {
  it('sets the allow-list (on unless it says enabled: false), audited by the seed', async () => {
    const seeded = await startTestServer({ seed: { ...TEST_SEED, test_users: { emails: ['Seed+sktest@example.com'] } } });
    try {
      expect(await seeded.app.management.testUsers.get()).toEqual({ enabled: true, emails: ['seed+sktest@example.com'], staticCode: '424242' });
      expect((await seeded.app.management.audit.list({ type: 'test_users.updated' })).events[0]).toMatchObject({ actor: 'seed' });
    } finally {
      await seeded.close();
    }
  });

  it('stops the start naming the entry when an email lacks +sktest', async () => {
    await expect(startTestServer({ seed: { ...TEST_SEED, test_users: { emails: ['plain@example.com'] } } })).rejects.toMatchObject({
      name: 'SeedError',
      problems: ['test_users: test_users.emails[0]: must have +sktest right after the + of its local part, e.g. qa+sktest@example.com'],
    });
  });
});

describe('the dashboard’s Test users page', () => {
  it('saves the allow-list through the same service; a refused entry is said on the form, as typed', async () => {
    const steps = new FormSteps();
    await steps.open(`${server.url}/dashboard/sign-in`);
    await steps.submit('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
    const page = (await steps.open(`${server.url}/dashboard/test-users`)) as PageSeen;
    expect(headingOf(page.html)).toBe('Test users');
    expect(page.html).toContain('value="qa+sktest@example.com"');
    const refused = await steps.post('/dashboard/test-users', { enabled: 'on', 'email.0': 'nobody@example.com', 'email.1': '', static_code: '135790' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('<li><strong>Email 1</strong> must have +sktest right after the + of its local part, e.g. qa+sktest@example.com</li>');
    expect(html).toContain('value="nobody@example.com"');
    const saved = (await steps.submit('/dashboard/test-users', { enabled: 'on', 'email.0': 'Dash+sktest@example.com', 'email.1': '', static_code: '975310' })) as PageSeen;
    expect(saved.html).toContain('<p class="notice" role="status">Test users saved and on.</p>');
    expect(await server.app.management.testUsers.get()).toEqual({ enabled: true, emails: ['dash+sktest@example.com'], staticCode: '975310' });
    expect((await server.app.management.audit.list({ type: 'test_users.updated' })).events[0]).toMatchObject({ actor: ENV_CLIENT.id });
  });
});
