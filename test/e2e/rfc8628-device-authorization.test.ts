// RFC 8628, the device authorization grant, over HTTP: where it is offered (the environment's issuer
// always, an MCP server's when it enables it), the device authorization request and its errors, the
// token endpoint's answers while the person has not answered (authorization_pending, slow_down), after
// (the tokens once, access_denied) and too late (expired_token, the emulator's clock), the user-code
// page (its look, wrong codes limited per address, xsrf, single use), and which clients may use it for
// which MCP server. The person is a MiniBrowser on the real pages; openid-client and Chromium drive the
// same flow in browser-device-flow.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SeedInput } from '../../src/config/seed.js';
import { BrowserStopped, MiniBrowser, type PersonAnswers } from '../helpers/browser.js';
import { ada, authorizationUrl, CALLBACK, pkce, register, registerClient } from '../helpers/code-flow.js';
import { alertOf, FormSteps, headingOf } from '../helpers/form-steps.js';
import { environmentToken, restCaller, type Rest } from '../helpers/management.js';
import { AGENT, ADA, basic, decodeJwt, ENV_CLIENT, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const TODO = { id: 'res_20000000000000001', url: 'http://localhost:3002/' };
const NOTES = { id: 'res_20000000000000002', url: 'http://localhost:4100/' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SEED: SeedInput = {
  ...TEST_SEED,
  resources: [
    { ...TEST_SEED.resources![0]!, enable_device_flow: true },
    { id: NOTES.id, name: 'Notes', resource_id: NOTES.url, scopes: [{ name: 'notes:read', description: 'Read notes' }] },
  ],
};

let server: TestServer;
let api: Rest;
let todoIssuer: string;
/** A CLI registered at Todo's issuer for the device grant alone: public, no redirect URI. */
let cli: string;
/** A confidential client of Todo created through REST (bound to Todo), with no redirect URI. */
let todoApp: { id: string; secret: string };
/** A confidential client of Notes (which has the device flow off), bound to Notes. */
let notesApp: { id: string; secret: string };

beforeAll(async () => {
  server = await startTestServer({ seed: SEED });
  todoIssuer = `${server.url}/resources/${TODO.id}`;
  api = restCaller(server.url, await environmentToken(server.url));
  cli = await registerClient(server.url, TODO.id, { client_name: 'Todo CLI', grant_types: [DEVICE_GRANT, 'refresh_token'], redirect_uris: [] });
  todoApp = await createClient(TODO.id, { name: 'Todo desktop app' });
  notesApp = await createClient(NOTES.id, { name: 'Notes desktop app', redirect_uris: [CALLBACK] });
});
afterAll(() => server?.close());
beforeEach(() => server.clock.reset());

async function createClient(resourceId: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const created = await api('POST', `/resources/${resourceId}/clients`, body);
  expect(created.status).toBe(201);
  return { id: String((created.body.client as { client_id: string }).client_id), secret: String(created.body.plain_secret) };
}

const postForm = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

const requestDevice = (issuer: string, fields: Record<string, string>, headers: Record<string, string> = {}) => postForm(`${issuer}/oauth/device/code`, fields, headers);

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

async function startDevice(issuer = todoIssuer, fields: Record<string, string> = { client_id: cli, scope: 'todo:read' }, headers: Record<string, string> = {}): Promise<DeviceAuthorization> {
  const res = await requestDevice(issuer, fields, headers);
  expect(res.status).toBe(200);
  return (await res.json()) as DeviceAuthorization;
}

const poll = (issuer: string, deviceCode: string, client: Record<string, string> = { client_id: cli }, headers: Record<string, string> = {}) =>
  postForm(`${issuer}/oauth/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, ...client }, headers);

const errorOf = async (res: Response) => ({ status: res.status, body: (await res.json()) as { error: string; error_description?: string } });

/** A person at `url` in a browser of their own: signs in (email, then "Use a password instead") and answers; the last page they see. */
async function personAt(url: string, answers: PersonAnswers = ada): Promise<{ status: number; html: string; browser: MiniBrowser }> {
  const browser = new MiniBrowser(answers);
  try {
    await browser.authorize(url, 'http://no-redirect.invalid/');
  } catch (err) {
    if (err instanceof BrowserStopped) return { status: err.status, html: err.html, browser };
    throw err;
  }
  throw new Error('a device flow redirects nowhere');
}

describe('RFC 8628 §4: the metadata lists the device authorization endpoint where it works', () => {
  it('the environment’s issuer: always', async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(doc.device_authorization_endpoint).toBe(`${server.url}/oauth/device/code`);
    expect(doc.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', DEVICE_GRANT]);
  });

  it('an MCP server’s issuer: only while the server enables it', async () => {
    const todo = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/${TODO.id}`)).json()) as Record<string, unknown>;
    expect(todo.device_authorization_endpoint).toBe(`${todoIssuer}/oauth/device/code`);
    expect(todo.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', DEVICE_GRANT]);
    const notes = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/${NOTES.id}`)).json()) as Record<string, unknown>;
    expect(notes).not.toHaveProperty('device_authorization_endpoint');
    expect(notes.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
  });
});

describe('RFC 8628 §3.1–3.2: the device authorization request', () => {
  it('a public client: the codes, the page to send the person to, 600 s and a 5 s interval, not cached', async () => {
    const res = await requestDevice(todoIssuer, { client_id: cli, scope: 'todo:read' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as DeviceAuthorization;
    expect(Object.keys(body).sort()).toEqual(['device_code', 'expires_in', 'interval', 'user_code', 'verification_uri', 'verification_uri_complete']);
    expect(body).toEqual({
      device_code: expect.stringMatching(/^[\w-]{43}$/),
      user_code: expect.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/),
      verification_uri: `${todoIssuer}/device`,
      verification_uri_complete: `${todoIssuer}/device?user_code=${body.user_code}`,
      expires_in: 600,
      interval: 5,
    });
  });

  it('a confidential client authenticates: its client_id alone is invalid_client, Basic works', async () => {
    expect(await errorOf(await requestDevice(todoIssuer, { client_id: todoApp.id }))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const wrong = await requestDevice(todoIssuer, {}, { authorization: basic(todoApp.id, 'not-the-secret') });
    expect(await errorOf(wrong)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await requestDevice(todoIssuer, {}, { authorization: basic(todoApp.id, todoApp.secret) })).status).toBe(200);
  });

  it('a scope the MCP server does not define is invalid_scope', async () => {
    expect(await errorOf(await requestDevice(todoIssuer, { client_id: cli, scope: 'todo:read todo:delete' }))).toEqual({
      status: 400,
      body: { error: 'invalid_scope', error_description: 'requested scope is not defined by this server: todo:delete', scope: 'todo:delete' },
    });
  });

  it('a client that registered for the code flow only is unauthorized_client', async () => {
    const host = await registerClient(server.url, TODO.id, { client_name: 'MCP host' });
    expect(await errorOf(await requestDevice(todoIssuer, { client_id: host }))).toEqual({
      status: 400,
      body: { error: 'unauthorized_client', error_description: 'the client may not use the device authorization grant at this issuer' },
    });
  });

  it('takes POST with a form only: GET is 405 (Allow: POST), JSON is invalid_request', async () => {
    const get = await fetch(`${todoIssuer}/oauth/device/code`);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await errorOf(get)).toEqual({ status: 405, body: { error: 'invalid_request', error_description: 'the device authorization endpoint only accepts POST' } });
    const json = await fetch(`${todoIssuer}/oauth/device/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: cli }) });
    expect(await errorOf(json)).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'the request body must be application/x-www-form-urlencoded' } });
  });
});

describe('RFC 7591 at an MCP server with the device flow on: clients may register for the device grant', () => {
  it('for the device grant alone: no redirect URI, no response type', async () => {
    const res = await register(server.url, TODO.id, { client_name: 'CLI only', grant_types: [DEVICE_GRANT], redirect_uris: undefined });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ client_name: 'CLI only', redirect_uris: [], grant_types: [DEVICE_GRANT], response_types: [], token_endpoint_auth_method: 'none' });
  });

  it('with the code flow too: redirect URIs still required; a list naming neither grant refused', async () => {
    expect(await errorOf(await register(server.url, TODO.id, { grant_types: ['authorization_code', DEVICE_GRANT], redirect_uris: [] }))).toEqual({
      status: 400,
      body: { error: 'invalid_redirect_uri', error_description: 'redirect_uris: must list at least one redirect URI' },
    });
    expect(await errorOf(await register(server.url, TODO.id, { grant_types: ['refresh_token'] }))).toEqual({
      status: 400,
      body: { error: 'invalid_client_metadata', error_description: `grant_types: must include authorization_code or ${DEVICE_GRANT}` },
    });
    const both = await register(server.url, TODO.id, { grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT] });
    expect(await both.json()).toMatchObject({ grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT], response_types: ['code'] });
  });

  it('for the device grant alone, with a redirect URI all the same: no code flow for it', async () => {
    const res = await register(server.url, TODO.id, { client_name: 'CLI with a callback', grant_types: [DEVICE_GRANT], redirect_uris: [CALLBACK] });
    const registered = (await res.json()) as { client_id: string };
    expect(registered).toMatchObject({ redirect_uris: [CALLBACK], grant_types: [DEVICE_GRANT], response_types: [] });
    const authorize = await fetch(authorizationUrl(todoIssuer, { client_id: registered.client_id, code_challenge: pkce().challenge }), { redirect: 'manual' });
    const refused = new URL(authorize.headers.get('location')!);
    expect(`${refused.origin}${refused.pathname}`).toBe(CALLBACK);
    expect(Object.fromEntries(refused.searchParams)).toMatchObject({ error: 'invalid_request', error_description: 'requested response_type is not allowed for this client' });
    expect((await requestDevice(todoIssuer, { client_id: registered.client_id })).status).toBe(200);
  });
});

describe('an MCP server with the device flow off', () => {
  it('has no device authorization endpoint (404, OAuth JSON), no user-code page (404 page) and no device grant (unsupported_grant_type)', async () => {
    const notesIssuer = `${server.url}/resources/${NOTES.id}`;
    expect(await errorOf(await requestDevice(notesIssuer, { client_id: notesApp.id }, { authorization: basic(notesApp.id, notesApp.secret) }))).toEqual({
      status: 404,
      body: { error: 'invalid_request', error_description: 'this MCP server does not offer the device authorization grant (enable_device_flow is off)' },
    });
    const page = await fetch(`${notesIssuer}/device`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('This MCP server does not offer the device authorization grant (sign-in with a code).');
    expect(await errorOf(await poll(notesIssuer, 'any', {}, { authorization: basic(notesApp.id, notesApp.secret) }))).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'this MCP server does not offer the device authorization grant: its enable_device_flow is off' },
    });
  });

  it('takes no device-grant registration', async () => {
    const res = await register(server.url, NOTES.id, { client_name: 'Notes CLI', grant_types: [DEVICE_GRANT] });
    expect(await errorOf(res)).toEqual({ status: 400, body: { error: 'invalid_client_metadata', error_description: 'grant_types: only authorization_code and refresh_token are supported' } });
  });

  it('gets no device-flow token at the environment’s issuer either: its own client is unauthorized_client, the environment’s client invalid_target', async () => {
    const bound = await requestDevice(server.url, {}, { authorization: basic(notesApp.id, notesApp.secret) });
    expect(await errorOf(bound)).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
    const env = await requestDevice(server.url, { resource: NOTES.url, scope: 'notes:read' }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) });
    expect(await errorOf(env)).toEqual({
      status: 400,
      body: { error: 'invalid_target', error_description: `the MCP server ${NOTES.url} does not offer the device authorization grant` },
    });
  });
});

describe('clients bound to an MCP server (RFC 8707, RFC 9700 §2.3)', () => {
  it('at the environment’s issuer, a client of Todo asking for Notes is invalid_target', async () => {
    const res = await requestDevice(server.url, { resource: NOTES.url, scope: 'notes:read' }, { authorization: basic(todoApp.id, todoApp.secret) });
    expect(await errorOf(res)).toEqual({ status: 400, body: { error: 'invalid_target', error_description: `the client may only ask for tokens for its own MCP server (${TODO.url})` } });
  });

  it('at Todo’s issuer, a client of Notes is no client at all (invalid_client)', async () => {
    const res = await requestDevice(todoIssuer, {}, { authorization: basic(notesApp.id, notesApp.secret) });
    expect(await errorOf(res)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('at the environment’s issuer, a client of Todo naming nothing gets a Todo token with Todo’s scopes', async () => {
    const device = await startDevice(server.url, {}, { authorization: basic(todoApp.id, todoApp.secret) });
    expect(device.verification_uri).toBe(`${server.url}/device`);
    const person = await personAt(device.verification_uri_complete);
    expect(headingOf(person.html)).toBe('Your device is connected');
    const tokens = (await (await poll(server.url, device.device_code, {}, { authorization: basic(todoApp.id, todoApp.secret) })).json()) as { access_token: string };
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({ aud: [TODO.url, TODO.id], scopes: ['todo:read', 'todo:write'], client_id: todoApp.id, sub: ADA.id });
  });

  it('`resource` is kept as the MCP server is registered (no trailing slash, upper-case host), so a refresh naming the server as registered works', async () => {
    const asEnv = { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) };
    const device = await startDevice(server.url, { resource: 'http://LOCALHOST:3002', scope: 'todo:read offline_access' }, asEnv);
    await personAt(device.verification_uri_complete);
    const tokens = (await (await poll(server.url, device.device_code, {}, asEnv)).json()) as { access_token: string; refresh_token: string };
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({ aud: [TODO.url, TODO.id], client_id: ENV_CLIENT.id });
    const refreshed = await postForm(`${server.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, resource: TODO.url }, asEnv);
    expect(refreshed.status).toBe(200);
  });

  it('an organization’s M2M client may not start device authorizations (unauthorized_client)', async () => {
    expect(await errorOf(await requestDevice(server.url, {}, { authorization: basic(AGENT.id, AGENT.secret) }))).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
  });
});

describe('RFC 8628 §3.4–3.5: the token endpoint', () => {
  it('authorization_pending while the person has not answered; a poll sooner than the interval is slow_down, which adds 5 s (emulator clock)', async () => {
    const device = await startDevice();
    const pending = await poll(todoIssuer, device.device_code);
    expect(pending.headers.get('cache-control')).toBe('no-store');
    expect(await errorOf(pending)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    expect(await errorOf(await poll(todoIssuer, device.device_code))).toEqual({
      status: 400,
      body: { error: 'slow_down', error_description: 'the device polls too often: wait at least 10 seconds between requests' },
    });
    server.clock.advance('10s');
    expect((await errorOf(await poll(todoIssuer, device.device_code))).body.error).toBe('authorization_pending');
    server.clock.advance('9s');
    expect(await errorOf(await poll(todoIssuer, device.device_code))).toEqual({
      status: 400,
      body: { error: 'slow_down', error_description: 'the device polls too often: wait at least 15 seconds between requests' },
    });
  });

  it('once the person allowed it: Scalekit’s token for the MCP server and the person, a refresh token, audited as the device grant; then the device code is spent', async () => {
    const device = await startDevice(todoIssuer, { client_id: cli, scope: 'todo:read offline_access' });
    const person = await personAt(device.verification_uri_complete);
    expect(person.status).toBe(200);
    expect(headingOf(person.html)).toBe('Your device is connected');
    const res = await poll(todoIssuer, device.device_code);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const tokens = (await res.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number; scope: string };
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String) });
    const { header, payload } = decodeJwt(tokens.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.stringMatching(/^snk_\d+$/) });
    expect(payload).toMatchObject({
      iss: server.url,
      sub: ADA.id,
      client_id: cli,
      aud: [TODO.url, TODO.id],
      resid: TODO.id,
      oid: 'org_20000000000000001',
      sid: expect.stringMatching(/^ses_\d+$/),
      jti: expect.stringMatching(/^tkn_\d+$/),
    });
    expect([...(payload.scopes as string[])].sort()).toEqual(['offline_access', 'todo:read']);
    expect(tokens.scope).toBe(payload.scope);
    expect(await server.app.store.issuedTokens.get(String(payload.jti))).toMatchObject({ grantType: DEVICE_GRANT, clientId: cli, subject: ADA.id });
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain(`scalekit_emulator_tokens_issued_total{grant_type="${DEVICE_GRANT}",client_kind="dcr"} 1`);

    const refreshed = await postForm(`${todoIssuer}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: cli });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(((await refreshed.json()) as { access_token: string }).access_token).payload).toMatchObject({ sub: ADA.id, client_id: cli, resid: TODO.id });

    // A device code is used once; using it again ends the grant it gave (as a replayed authorization code does).
    expect(await errorOf(await poll(todoIssuer, device.device_code))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('access_denied when the person cancels on the code page, or denies on the consent page', async () => {
    const cancelled = await startDevice();
    const steps = new FormSteps();
    await steps.open(cancelled.verification_uri_complete);
    const page = await steps.post('/device', { abort: 'yes' });
    expect(page.status).toBe(200);
    expect(headingOf(await page.text())).toBe('The device was not connected');
    expect(await errorOf(await poll(todoIssuer, cancelled.device_code))).toEqual({ status: 400, body: { error: 'access_denied', error_description: 'End-User aborted interaction' } });

    const denied = await startDevice();
    const person = await personAt(denied.verification_uri_complete, { ...ada, decision: 'deny' });
    expect(headingOf(person.html)).toBe('The device was not connected');
    expect(await errorOf(await poll(todoIssuer, denied.device_code))).toEqual({ status: 400, body: { error: 'access_denied', error_description: 'the user denied the request' } });
  });

  it('expired_token once expires_in has passed on the emulator’s clock, and the code page says the code expired', async () => {
    const device = await startDevice();
    server.clock.advance('599s');
    expect((await errorOf(await poll(todoIssuer, device.device_code))).body.error).toBe('authorization_pending');
    server.clock.advance('2s');
    expect(await errorOf(await poll(todoIssuer, device.device_code))).toEqual({ status: 400, body: { error: 'expired_token', error_description: 'device code is expired' } });
    const steps = new FormSteps();
    await steps.open(device.verification_uri_complete);
    const res = await steps.post('/device');
    expect(res.status).toBe(400);
    expect(alertOf(await res.text())).toBe('That code has expired. Start again on your device to get a new one.');
  });

  it('the device code is bound to its client: another client presenting it is invalid_grant, and the device still gets its tokens', async () => {
    const device = await startDevice();
    const other = await registerClient(server.url, TODO.id, { client_name: 'Another CLI', grant_types: [DEVICE_GRANT], redirect_uris: [] });
    expect(await errorOf(await poll(todoIssuer, device.device_code, { client_id: other }))).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } });
    await personAt(device.verification_uri_complete);
    expect(await errorOf(await poll(todoIssuer, device.device_code, { client_id: other }))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await poll(todoIssuer, device.device_code)).status).toBe(200);
  });
});

describe('RFC 8628 §3.3: the user-code page', () => {
  it('asks for the code in the pages’ look; framing refused, not cached', async () => {
    const res = await fetch(`${todoIssuer}/device`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(headingOf(html)).toBe('Connect a device');
    expect(html).toContain('<link rel="stylesheet" href="/assets/styles.css">');
    expect(html).toMatch(/<input type="hidden" name="xsrf" value="[0-9a-f]{48}">/);
  });

  it('verification_uri_complete shows the code to compare with the device’s, in the mask’s shape', async () => {
    const device = await startDevice();
    const page = await new FormSteps().open(`${todoIssuer}/device?user_code=${device.user_code.toLowerCase().replace('-', '')}`);
    expect(page).toMatchObject({ status: 200 });
    const html = (page as { html: string }).html;
    expect(headingOf(html)).toBe('Is this the code on your device?');
    expect(html).toContain(`<p class="user-code"><code>${device.user_code}</code></p>`);
  });

  it('a wrong code: the page again, saying so (400); after 5 from one address even the right one waits (429, Retry-After) until the window has passed', async () => {
    const device = await startDevice();
    const steps = new FormSteps();
    await steps.open(`${todoIssuer}/device`);
    for (let i = 0; i < 5; i++) {
      // Each answer is a new page with a new xsrf token, as a browser would send it next.
      const wrong = (await steps.submit('/device', { user_code: 'BCDF-GHJK' })) as { status: number; html: string };
      expect(wrong.status).toBe(400);
      expect(alertOf(wrong.html)).toBe('That code is not right. Check the code on your device and type it again.');
      expect(wrong.html).toContain('value="BCDF-GHJK"');
    }
    const paused = await steps.post('/device', { user_code: device.user_code });
    expect(paused.status).toBe(429);
    expect(paused.headers.get('retry-after')).toMatch(/^(899|900)$/);
    const html = await paused.text();
    expect(headingOf(html)).toBe('Too many attempts');
    expect(html).toContain('Try again in 15 minutes');
    server.clock.advance('15m');
    try {
      const device2 = await startDevice();
      const right = await steps.post('/device', { user_code: device2.user_code });
      expect(right.status).toBe(303);
      expect(right.headers.get('location')).toMatch(new RegExp(`^/resources/${TODO.id}/interaction/`));
    } finally {
      server.app.context.attemptLimits.clear();
    }
  });

  it('a form without its xsrf token changes nothing (403)', async () => {
    const device = await startDevice();
    const steps = new FormSteps();
    await steps.open(device.verification_uri_complete);
    const res = await steps.post('/device', {}, ['xsrf']);
    expect(res.status).toBe(403);
    expect(alertOf(await res.text())).toBe('This form has expired (its security token is missing or wrong), so nothing was changed. Enter the code again.');
    expect((await errorOf(await poll(todoIssuer, device.device_code))).body.error).toBe('authorization_pending');
  });

  it('a code is used once: after the person allowed it, the page says so', async () => {
    const device = await startDevice();
    await personAt(device.verification_uri_complete);
    const steps = new FormSteps();
    await steps.open(device.verification_uri_complete);
    const again = await steps.post('/device');
    expect(again.status).toBe(400);
    expect(alertOf(await again.text())).toBe('That code was used already. Start again on your device to get a new one.');
  });

  it('the consent page shows in every device flow, with every scope asked, even when consent was given before', async () => {
    for (let round = 0; round < 2; round++) {
      const device = await startDevice(todoIssuer, { client_id: cli, scope: 'todo:read todo:write' });
      const person = await personAt(device.verification_uri_complete);
      const consent = person.browser.pages.find((p) => p.html.includes('name="decision"'));
      expect(headingOf(consent!.html)).toBe('Todo CLI wants to access Todo');
      expect([...consent!.html.matchAll(/<span class="scope-name">([^<]+)<\/span>/g)].map((m) => m[1])).toEqual(['todo:read', 'todo:write']);
    }
  });

  it('addresses below it other than a resume, or other methods, are the pages’ 404', async () => {
    for (const [method, path] of [['GET', '/device/some-uid/more'], ['POST', '/device/some-uid'], ['GET', `/resources/${TODO.id}/device/a/b`], ['GET', '/resources/res_29999999999999999/device']]) {
      const res = await fetch(server.url + path, { method });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});

describe('enable_device_flow in the management API (REST only: Scalekit’s proto has no field)', () => {
  it('turns the device flow of an MCP server on and off at once, audited; a value that is not true or false is refused naming the field', async () => {
    const notesIssuer = `${server.url}/resources/${NOTES.id}`;
    const metadata = async () => (await (await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/${NOTES.id}`)).json()) as Record<string, unknown>;
    try {
      const on = await api('PATCH', `/resources/${NOTES.id}`, { enable_device_flow: true });
      expect(on.status).toBe(200);
      expect(on.body.resource).toMatchObject({ id: NOTES.id, enable_device_flow: true });
      expect((await metadata()).device_authorization_endpoint).toBe(`${notesIssuer}/oauth/device/code`);
      expect((await requestDevice(notesIssuer, {}, { authorization: basic(notesApp.id, notesApp.secret) })).status).toBe(200);
      const listed = await api('GET', '/resources?page_size=30');
      expect((listed.body.resources as { id: string; enable_device_flow: boolean }[]).map((r) => [r.id, r.enable_device_flow])).toEqual([
        [TODO.id, true],
        [NOTES.id, true],
      ]);
      const events = await api('GET', `/audit-events?type=resource.updated`);
      expect((events.body.events as { target_id: string; details: unknown }[])[0]).toMatchObject({ target_id: NOTES.id, details: { fields: ['enableDeviceFlow'] } });

      const refused = await api('PATCH', `/resources/${NOTES.id}`, { enable_device_flow: 'yes' });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe('resource.enable_device_flow: must be true or false');
    } finally {
      const off = await api('PATCH', `/resources/${NOTES.id}`, { enable_device_flow: false });
      expect(off.body.resource).toMatchObject({ enable_device_flow: false });
    }
    expect(await metadata()).not.toHaveProperty('device_authorization_endpoint');
    expect((await requestDevice(notesIssuer, {}, { authorization: basic(notesApp.id, notesApp.secret) })).status).toBe(404);
  });
});
