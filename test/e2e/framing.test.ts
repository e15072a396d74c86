// No page of the server may be framed by another site (clickjacking): every HTML surface answers
// X-Frame-Options: DENY and Content-Security-Policy: frame-ancestors 'none', whoever renders it: the
// login, consent and identity-provider pages, their error pages, oidc-provider's own error and logout
// pages, the dispatch's 404/405 pages, the outbox, the dashboard; and so do the 404s of unknown paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageSeen } from '../helpers/browser.js';
import { authorizationUrl, pkce, registerClient } from '../helpers/code-flow.js';
import { FormSteps, headingOf } from '../helpers/form-steps.js';
import { ADA, ENV_CLIENT, startTestServer, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
let server: TestServer;
let issuer: string;
let clientId: string;

beforeAll(async () => {
  server = await startTestServer();
  issuer = `${server.url}/resources/${RES}`;
  clientId = await registerClient(server.url, RES, { client_name: 'Framed host' });
});
afterAll(() => server.close());

function expectFramingRefused(res: Response, contentType = 'text/html'): void {
  expect(res.headers.get('content-type')).toContain(contentType);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
}

/** Shows the page `steps` is on again, to read its headers. */
const again = (steps: FormSteps) => steps.browser.fetch(steps.page.url);

describe("every HTML page refuses framing (X-Frame-Options: DENY, CSP frame-ancestors 'none')", () => {
  it('the login page, the identity-provider page and the consent page', async () => {
    const steps = new FormSteps();
    await steps.open(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge }));
    expect(headingOf(steps.page.html)).toBe('Sign in');
    expectFramingRefused(await again(steps));

    const sso = await steps.browser.fetch(`${steps.page.url}/sso?provider=google`);
    expect(headingOf(await sso.text())).toBe('Sign in with Google');
    expectFramingRefused(sso);

    await steps.submit('/identify', { email: ADA.email, method: 'password' });
    const consent = (await steps.submit('/login', { password: ADA.password })) as PageSeen;
    expect(headingOf(consent.html)).toBe('Framed host wants to access Todo');
    expectFramingRefused(await again(steps));
  });

  it("oidc-provider's own error page (an unknown client)", async () => {
    const res = await fetch(authorizationUrl(issuer, { client_id: 'unknown-client', code_challenge: pkce().challenge }));
    expect(res.status).toBe(400);
    expect(headingOf(await res.text())).toBe('This sign-in cannot continue');
    expectFramingRefused(res);
  });

  it("the dispatch's 404 page (an unknown MCP server) and 405 page (POST to the authorization endpoint)", async () => {
    const unknown = await fetch(`${server.url}/resources/res_99999999999999999/oauth/authorize?client_id=x`);
    expect(unknown.status).toBe(404);
    expectFramingRefused(unknown);
    const post = await fetch(`${server.url}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=x' });
    expect(post.status).toBe(405);
    expectFramingRefused(post);
  });

  it('the pages error page (a sign-in page without its sign-in)', async () => {
    const res = await fetch(`${server.url}/interaction/no-such-sign-in`);
    expect(res.status).toBe(400);
    expect(headingOf(await res.text())).toBe('This sign-in has expired');
    expectFramingRefused(res);
  });

  it("oidc-provider's logout pages: its self-submitting form, the confirmation and the signed-out page", async () => {
    const signedOut = await fetch(`${server.url}/oidc/logout`); // no session: the provider's form that submits itself
    expect(await signedOut.text()).toContain('<title>Submitting Callback</title>');
    expectFramingRefused(signedOut);

    const steps = new FormSteps(WEB_APP_CALLBACK);
    await steps.open(authorizationUrl(server.url, { client_id: ENV_CLIENT.id, redirect_uri: WEB_APP_CALLBACK, code_challenge: pkce().challenge, scope: 'openid' }));
    await steps.submit('/identify', { email: ADA.email, method: 'password' });
    const signedIn = await steps.submit('/login', { password: ADA.password });
    if (!('callback' in signedIn)) expect(await steps.submit('/consent', { decision: 'approve' })).toHaveProperty('callback');
    const logout = await steps.browser.fetch(`${server.url}/oidc/logout`);
    expectFramingRefused(logout);
    steps.page = { url: `${server.url}/oidc/logout`, status: logout.status, html: await logout.text() }; // its form's xsrf token is this one's
    expect(headingOf(steps.page.html)).toBe('Sign out?');

    const confirmed = await steps.post('/oidc/logout/confirm', { logout: 'yes' });
    expect(confirmed.status).toBe(303);
    const done = await steps.browser.fetch(new URL(confirmed.headers.get('location')!, steps.page.url).href);
    expect(headingOf(await done.text())).toBe('You are signed out');
    expectFramingRefused(done);
  });

  it('the outbox and the dashboard sign-in page', async () => {
    expectFramingRefused(await fetch(`${server.url}/outbox`));
    const signIn = await fetch(`${server.url}/dashboard/sign-in`);
    expect(signIn.status).toBe(200);
    expectFramingRefused(signIn);
  });

  it('and what is not a page: the 404 of an unknown path', async () => {
    const res = await fetch(`${server.url}/no/such/path`);
    expect(res.status).toBe(404);
    expectFramingRefused(res, 'application/json');
  });
});
