// The dashboard over real HTTP: who may use it (the environment client's credentials, ADMIN_PASSWORD),
// its cookie, CSRF on every form, wrong-credential limits, management errors shown as readable messages,
// secrets shown once and never logged, rotation, users who can then sign in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseForms, type PageSeen } from '../helpers/browser.js';
import { authorize, consentPageInProgress, registerClient } from '../helpers/code-flow.js';
import { FormSteps, headingOf } from '../helpers/form-steps.js';
import { ENV_CLIENT, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

const ADMIN_PASSWORD = 'dashboard-admin-password';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { ADMIN_PASSWORD } });
});
afterAll(() => server.close());

/** A browser signed in to the dashboard with the environment client (or the given form). */
async function signedIn(form: Record<string, string> = { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret }): Promise<FormSteps> {
  const steps = new FormSteps();
  await steps.open(`${server.url}/dashboard/sign-in`);
  const page = (await steps.submit('/dashboard/sign-in', form)) as PageSeen;
  expect(headingOf(page.html)).toBe('MCP servers');
  return steps;
}

const problemOf = (html: string) =>
  /<div class="alert" role="alert">([\s\S]*?)<\/div>/
    .exec(html)?.[1]
    ?.replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('who may use the dashboard', () => {
  it('sends a visitor without a session to the sign-in page, for pages and for forms (nothing changes)', async () => {
    const page = await fetch(`${server.url}/dashboard/mcp-servers`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/dashboard/sign-in');
    const before = (await server.app.store.resources.list()).length;
    const post = await fetch(`${server.url}/dashboard/mcp-servers`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Sneaky&server_url=http%3A%2F%2Fsneaky.example%2F',
    });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe('/dashboard/sign-in');
    expect((await server.app.store.resources.list()).length).toBe(before);
  });

  it('signs in with the environment client: an HttpOnly, SameSite=Lax session cookie for /dashboard', async () => {
    const steps = new FormSteps();
    await steps.open(`${server.url}/dashboard/sign-in`);
    const res = await steps.post('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard/mcp-servers');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('emulator_dashboard='))!;
    expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=28800', 'Path=/dashboard', 'SameSite=Lax']);
  });

  it('signs in with ADMIN_PASSWORD, and the audit log names the admin', async () => {
    const steps = await signedIn({ password: ADMIN_PASSWORD });
    await steps.open(`${server.url}/dashboard/organizations`);
    await steps.submit('/dashboard/organizations', { display_name: 'Admin-made' });
    const event = (await server.app.management.audit.list({ type: 'organization.created' })).events[0]!;
    expect(event.actor).toBe('admin');
  });

  it('answers a wrong secret, an unknown client and a wrong admin password alike: 401, nothing more said', async () => {
    const answers: string[] = [];
    for (const form of [
      { client_id: ENV_CLIENT.id, client_secret: 'not-the-secret' },
      { client_id: 'skc_99999999999999999', client_secret: 'not-the-secret' },
      { client_id: 'm2morg_20000000000000001', client_secret: 'agent-secret-0123456789abcdef' }, // right secret, not the environment's client
    ]) {
      const steps = new FormSteps();
      await steps.open(`${server.url}/dashboard/sign-in`);
      const res = await steps.post('/dashboard/sign-in', form);
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('emulator_dashboard='))).toBe(false);
      answers.push(/<p class="alert" role="alert">([\s\S]*?)<\/p>/.exec(await res.text())![1]!);
    }
    expect(new Set(answers)).toEqual(new Set(['Those credentials did not sign you in. Check the client ID and secret (or the admin password).']));
    const steps = new FormSteps();
    await steps.open(`${server.url}/dashboard/sign-in`);
    expect((await steps.post('/dashboard/sign-in', { password: 'not-the-admin-password' })).status).toBe(401);
  });

  it('pauses sign-in after 5 wrong secrets for a client (429), the right one included', async () => {
    const other = await startTestServer();
    try {
      const steps = new FormSteps();
      await steps.open(`${other.url}/dashboard/sign-in`);
      for (let i = 0; i < 5; i++) expect((await steps.post('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: `wrong-${i}` })).status).toBe(401);
      const paused = await steps.post('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
      expect(paused.status).toBe(429);
      expect(headingOf(await paused.text())).toBe('Too many attempts');
    } finally {
      await other.close();
    }
  });

  it('offers no admin-password form, and refuses one, without ADMIN_PASSWORD', async () => {
    const other = await startTestServer();
    try {
      const steps = new FormSteps();
      const page = (await steps.open(`${other.url}/dashboard/sign-in`)) as PageSeen;
      expect(page.html).not.toContain('name="password"');
      expect((await steps.post('/dashboard/sign-in', { password: ADMIN_PASSWORD }, ['client_id', 'client_secret'])).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('refuses a form without its CSRF token (403) and changes nothing', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/organizations`);
    const res = await steps.post('/dashboard/organizations', { display_name: 'Forged' }, ['_csrf']);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<code>invalid_csrf_token</code>');
    expect((await server.app.store.organizations.list()).some((o) => o.displayName === 'Forged')).toBe(false);
  });

  it('signs out: the session no longer opens pages', async () => {
    const steps = await signedIn();
    await steps.submit('/dashboard/sign-out');
    const res = await steps.browser.fetch(`${server.url}/dashboard/users`);
    expect(res.status).toBe(303);
  });
});

describe('management errors as readable messages', () => {
  it('a Server URL that is not a URL: 400, the form again with the field named and what was typed', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/mcp-servers/new`);
    const res = await steps.post('/dashboard/mcp-servers', { name: 'Broken', server_url: 'not a url', 'scope.0.name': 'a b' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(problemOf(html)).toBe('Some fields need another look: Server URL must be an http:// or https:// URL Scope 1 must be a scope token (no spaces or quotes)');
    expect(html).toContain('value="not a url"');
  });

  it('a Server URL another MCP server has: 409 with the other server named', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/mcp-servers/new`);
    const res = await steps.post('/dashboard/mcp-servers', { name: 'Twin', server_url: 'http://localhost:3002/' });
    expect(res.status).toBe(409);
    expect(problemOf(await res.text())).toBe('Resource res_20000000000000001 already has resource_id http://localhost:3002/.');
  });

  it('a lifetime typed as words: 400 naming the field', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/mcp-servers/res_20000000000000001`);
    const res = await steps.post('/dashboard/mcp-servers/res_20000000000000001', { access_token_expiry: 'an hour' });
    expect(res.status).toBe(400);
    expect(problemOf(await res.text())).toBe('Some fields need another look: Access token lifetime must be a whole number of seconds');
  });

  it('token profile RFC 9068: saved with the server issuer, refused with the environment issuer (400 naming both)', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/mcp-servers/new`);
    const form = { name: 'Strict', server_url: 'http://localhost:4500/', 'scope.0.name': 's:read', token_profile: 'rfc9068' };
    const refused = await steps.post('/dashboard/mcp-servers', { ...form, token_issuer: 'env' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(problemOf(html)?.replaceAll('&#39;', "'")).toBe("Some fields need another look: Issuer of user tokens must be 'resource' when token_profile is 'rfc9068' (RFC 9068 tokens name the server's own issuer)");
    expect(html).toContain('name="token_profile" value="rfc9068" checked');
    expect((await server.app.store.resources.list()).some((r) => r.name === 'Strict')).toBe(false);

    const saved = (await steps.submit('/dashboard/mcp-servers', { ...form, token_issuer: 'resource' })) as PageSeen;
    expect(saved.status).toBe(200);
    expect((await server.app.store.resources.list()).find((r) => r.name === 'Strict')).toMatchObject({ tokenProfile: 'rfc9068', tokenIssuer: 'resource' });
    expect(saved.html).toContain('name="token_profile" value="rfc9068" checked');
  });

  it('delegation: an MCP server takes ID-JAGs and another server’s tokens in exchange, saved from its form', async () => {
    const planner = await server.app.management.resources.create({ actor: 'test' }, { name: 'Dash planner', serverUrl: 'http://localhost:4600/' });
    const steps = await signedIn();
    const page = (await steps.open(`${server.url}/dashboard/mcp-servers/res_20000000000000001`)) as PageSeen;
    expect(page.html).toContain(`name="token_exchange_from" value="${planner.id}">`);
    expect(page.html).toContain('name="xaa">');
    const saved = (await steps.submit('/dashboard/mcp-servers/res_20000000000000001', { xaa: 'on', token_exchange_from: planner.id })) as PageSeen;
    expect(await server.app.management.resources.get('res_20000000000000001')).toMatchObject({ xaaEnabled: true, tokenExchange: { acceptFrom: [planner.id] } });
    expect(saved.html).toContain(`name="token_exchange_from" value="${planner.id}" checked>`);
    expect(saved.html).toContain('name="xaa" checked>');
    const grants = ((await (await fetch(`${server.url}/.well-known/oauth-authorization-server/resources/res_20000000000000001`)).json()) as { grant_types_supported: string[] }).grant_types_supported;
    expect(grants).toEqual(['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer']);
    // Unticked: both off again.
    await steps.open(`${server.url}/dashboard/mcp-servers/res_20000000000000001`);
    const cleared = await steps.post('/dashboard/mcp-servers/res_20000000000000001', {}, ['xaa', 'token_exchange_from']);
    expect(cleared.status).toBe(303);
    expect(await server.app.management.resources.get('res_20000000000000001')).toMatchObject({ xaaEnabled: false, tokenExchange: { acceptFrom: [] } });
  });

  it('the device authorization grant: a checkbox beside DCR and CIMD, saved and shown checked, off when unticked', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/mcp-servers/new`);
    const saved = (await steps.submit('/dashboard/mcp-servers', { name: 'Devices', server_url: 'http://localhost:4501/', 'scope.0.name': 'd:read', device_flow: 'on' })) as PageSeen;
    expect(saved.status).toBe(200);
    const created = (await server.app.store.resources.list()).find((r) => r.name === 'Devices')!;
    expect(created.enableDeviceFlow).toBe(true);
    expect(saved.html).toContain('<input type="checkbox" name="device_flow" checked>');
    await steps.open(`${server.url}/dashboard/mcp-servers/${created.id}`);
    const form = parseForms(steps.page.html, steps.page.url).find((f) => f.action.endsWith(`/dashboard/mcp-servers/${created.id}`))!;
    const unticked = Object.fromEntries([...form.fields].filter(([name]) => name !== 'device_flow'));
    const res = await steps.browser.fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(unticked).toString() });
    expect(res.status).toBe(303);
    expect((await server.app.store.resources.get(created.id))?.enableDeviceFlow).toBe(false);
  });

  it('an MCP server that does not exist: 404 in the dashboard frame', async () => {
    const steps = await signedIn();
    const page = (await steps.open(`${server.url}/dashboard/mcp-servers/res_99999999999999999`)) as PageSeen;
    expect(page.status).toBe(404);
    expect(headingOf(page.html)).toBe('That did not work');
    expect(problemOf(page.html)).toBe('Resource res_99999999999999999 not found.');
  });
});

describe('the audit log’s time filter', () => {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

  it('takes UTC times written year first (2025-01-31 14:00) in text fields, never a locale’s date picker', async () => {
    const steps = await signedIn();
    const page = (await steps.open(`${server.url}/dashboard/audit`)) as PageSeen;
    expect(page.html).toContain('<input id="since" type="text" name="since" value="" placeholder="YYYY-MM-DD HH:MM"');
    expect(page.html).not.toContain('datetime-local');
    const now = server.clock.now();
    const past = (await steps.open(`${server.url}/dashboard/audit?since=${encodeURIComponent(iso(now - 3600_000))}`)) as PageSeen;
    expect(past.status).toBe(200);
    expect(past.html).toContain(`value="${iso(now - 3600_000)}"`);
    expect(past.html).toContain('<span class="badge">resource.created</span>');
    const future = (await steps.open(`${server.url}/dashboard/audit?since=${encodeURIComponent(iso(now + 86_400_000))}`)) as PageSeen;
    expect(future.html).toContain('<p class="empty">No events match.</p>');
    // A day alone, as the end of the range, is the whole of that day.
    const today = (await steps.open(`${server.url}/dashboard/audit?until=${iso(now).slice(0, 10)}`)) as PageSeen;
    expect(today.html).toContain('<span class="badge">resource.created</span>');
  });

  it('refuses a date in another order (01/31/2025) or one that does not exist: 400 naming the field', async () => {
    const steps = await signedIn();
    for (const since of ['01/31/2025', '2025-02-30']) {
      const page = (await steps.open(`${server.url}/dashboard/audit?since=${encodeURIComponent(since)}`)) as PageSeen;
      expect(page.status).toBe(400);
      expect(problemOf(page.html)).toBe('Some fields need another look: From must be a UTC date and time written year first, such as 2025-01-31 14:00');
    }
  });
});

describe('clients and secrets', () => {
  it('an organization client: secret once (never in the logs), rotation keeps both until the old one is deleted', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/organizations/org_20000000000000001`);
    const created = (await steps.submit('/dashboard/organizations/org_20000000000000001/clients', { name: 'Reporter', scopes: 'todo:read', audience: 'http://localhost:3002/' })) as PageSeen;
    const first = /<code class="secret" id="client-secret">([^<]+)<\/code>/.exec(created.html)![1]!;
    const clientId = /<code id="client-id">([^<]+)<\/code>/.exec(created.html)![1]!;
    expect(clientId).toMatch(/^m2morg_\d{17}$/);
    const token = (secret: string) => tokenRequest(server.url, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    expect((await token(first)).status).toBe(200);

    const again = (await steps.open(steps.page.url)) as PageSeen;
    expect(again.html).not.toContain(first);

    const rotated = (await steps.submit('/secrets')) as PageSeen;
    const second = /<code class="secret" id="client-secret">([^<]+)<\/code>/.exec(rotated.html)![1]!;
    expect(second).not.toBe(first);
    expect((await token(first)).status).toBe(200);
    expect((await token(second)).status).toBe(200);

    const oldId = (await server.app.store.secrets.list(clientId)).find((s) => s.secretSuffix === first.slice(-4))!.id;
    await steps.submit(`/secrets/${oldId}/delete`);
    expect((await token(first)).status).toBe(401);
    expect((await token(second)).status).toBe(200);
    expect(server.logs()).not.toContain(first);
    expect(server.logs()).not.toContain(second);
  });

  it('lists the clients MCP hosts registered themselves, and a public one has no secret to rotate', async () => {
    const registered = await registerClient(server.url, 'res_20000000000000001', { client_name: 'Self-registered host' });
    const steps = await signedIn();
    const page = (await steps.open(`${server.url}/dashboard/mcp-servers/res_20000000000000001/clients`)) as PageSeen;
    expect(page.html).toContain(`<div class="id">${registered}</div>`);
    const client = (await steps.open(`${server.url}/dashboard/mcp-servers/res_20000000000000001/clients/${registered}`)) as PageSeen;
    expect(client.html).toContain('A public client (PKCE, no secret): nothing to rotate.');
  });

  it('pages the clients MCP hosts registered, ten at a time, oldest first', async () => {
    const server2 = await startTestServer({ env: { REGISTRATION_RATE_LIMIT: '0' } });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 13; i++) ids.push(await registerClient(server2.url, 'res_20000000000000001', { client_name: `Host ${i}` }));
      const steps = new FormSteps();
      await steps.open(`${server2.url}/dashboard/sign-in`);
      await steps.submit('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
      const listed = (html: string) => ids.filter((id) => html.includes(`<div class="id">${id}</div>`));
      const first = (await steps.open(`${server2.url}/dashboard/mcp-servers/res_20000000000000001/clients`)) as PageSeen;
      expect(listed(first.html)).toEqual(ids.slice(0, 10));
      const next = /<a href="([^"]*registered_page=[^"]*)">Next page →<\/a>/.exec(first.html)?.[1]?.replaceAll('&amp;', '&');
      expect(next).toMatch(/^\?registered_page=/);
      const second = (await steps.open(`${server2.url}/dashboard/mcp-servers/res_20000000000000001/clients${next}`)) as PageSeen;
      expect(listed(second.html)).toEqual(ids.slice(10));
      expect(second.html).not.toContain('registered_page=');
    } finally {
      await server2.close();
    }
  });
});

describe('users made in the dashboard', () => {
  it('a user with a password signs in on the login page with it', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/users`);
    const page = (await steps.submit('/dashboard/users', { email: 'tess@example.com', name: 'Tess', organization_id: 'org_20000000000000001', password: 'tess-password-1' })) as PageSeen;
    expect(page.html).toContain('<p class="notice" role="status">User tess@example.com created (usr_');
    const issuer = `${server.url}/resources/res_20000000000000001`;
    const host = await registerClient(server.url, 'res_20000000000000001');
    const grant = await authorize(issuer, host, { email: 'tess@example.com', password: 'tess-password-1' });
    expect(grant.code).not.toBe('');
  });

  it('refuses a second user with the same email: 409, said on the form', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/users`);
    const res = await steps.post('/dashboard/users', { email: 'ADA@example.com' });
    expect(res.status).toBe(409);
    expect(problemOf(await res.text())).toBe('A user with email ada@example.com already exists.');
  });
});

describe('the environment: its API client, secrets and scopes; consent screens', () => {
  const envClient = async () => (await server.app.store.clients.get(ENV_CLIENT.id))!;

  it('creates a scope, gives it to the API client, refuses one the environment lacks (400 naming the field)', async () => {
    const steps = await signedIn();
    const page = (await steps.open(`${server.url}/dashboard/environment`)) as PageSeen;
    expect(headingOf(page.html)).toBe('Environment');
    expect(page.html).toContain(ENV_CLIENT.id);
    await steps.submit('/dashboard/environment/scopes', { name: 'dash:read', description: 'Dashboard reads' });
    const scope = (await server.app.store.environmentScopes.findByName('dash:read'))!;
    expect(scope).toMatchObject({ description: 'Dashboard reads', enabled: true });

    const form = { name: 'Platform', redirect_uris: 'http://127.0.0.1:4010/callback', post_logout_redirect_uris: 'http://127.0.0.1:4010/', access_token_expiry: '86399' };
    const refused = await steps.post('/dashboard/environment/client', { ...form, scopes: 'openid todo:read' });
    expect(refused.status).toBe(400);
    expect(problemOf(await refused.text())).toBe('Some fields need another look: Scope 2 is not an enabled scope of the environment (todo:read)');
    expect((await envClient()).scopes).toEqual(['openid']);
    await steps.submit('/dashboard/environment/client', { ...form, scopes: 'openid dash:read' });
    expect(await envClient()).toMatchObject({ name: 'Platform', scopes: ['openid', 'dash:read'] });

    await steps.submit(`/dashboard/environment/scopes/${scope.id}`); // no "enabled": turned off
    expect((await server.app.store.environmentScopes.get(scope.id))?.enabled).toBe(false);
    const held = await steps.post(`/dashboard/environment/scopes/${scope.id}/delete`);
    expect(held.status).toBe(400);
    expect(problemOf(await held.text())).toBe(`Scope dash:read is held by client ${ENV_CLIENT.id}: remove it from the client first.`);
  });

  it('adds a secret shown once that works, turns it off (refused at /oauth/token), deletes it', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/environment`);
    const shown = (await steps.submit('/dashboard/environment/secrets')) as PageSeen;
    const secret = /<code class="secret" id="client-secret">([^<]+)<\/code>/.exec(shown.html)![1]!;
    const token = () => tokenRequest(server.url, { grant_type: 'client_credentials', client_id: ENV_CLIENT.id, client_secret: secret });
    expect((await token()).status).toBe(200);
    const reloaded = (await steps.open(`${server.url}/dashboard/environment`)) as PageSeen;
    expect(reloaded.html).not.toContain(secret);
    const id = (await server.app.store.secrets.list(ENV_CLIENT.id)).find((s) => s.secretSuffix === secret.slice(-4))!.id;
    await steps.submit(`/dashboard/environment/secrets/${id}/status`, { status: 'INACTIVE' });
    expect((await token()).status).toBe(401);
    await steps.submit(`/dashboard/environment/secrets/${id}/delete`);
    expect((await server.app.store.secrets.list(ENV_CLIENT.id)).map((s) => s.id)).not.toContain(id);
  });

  it('trusts an identity provider for ID-JAGs (audited), refuses one that is no URL (400 naming the field), and removes it', async () => {
    const steps = await signedIn();
    await steps.open(`${server.url}/dashboard/environment`);
    const refused = await steps.post('/dashboard/environment/identity-providers', { issuer: 'idp.example.com', jwks_uri: 'https://idp.example.com/jwks' });
    expect(refused.status).toBe(400);
    expect(problemOf(await refused.text())).toBe('Some fields need another look: Issuer must be an http:// or https:// URL');
    const trusted = (await steps.submit('/dashboard/environment/identity-providers', { issuer: 'https://idp.example.com', jwks_uri: 'https://idp.example.com/jwks' })) as PageSeen;
    expect(trusted.html.replaceAll('<wbr>', '')).toContain('<code class="url">https://idp.example.com/jwks</code>');
    expect(await server.app.management.trustedIdentityProviders.list()).toEqual([{ issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks', createTime: expect.any(String) }]);
    expect((await server.app.management.audit.list({ type: 'trusted_identity_providers.updated' })).events[0]).toMatchObject({ actor: ENV_CLIENT.id });
    await steps.submit('/dashboard/environment/identity-providers/remove', { issuer: 'https://idp.example.com' });
    expect(await server.app.management.trustedIdentityProviders.list()).toEqual([]);
  });

  it('looks up the consent screen of an authorization in progress; an unknown id is a 404 said on the page', async () => {
    const steps = await signedIn();
    const unknown = (await steps.open(`${server.url}/dashboard/consents/screen?interaction_id=nope`)) as PageSeen;
    expect(unknown.status).toBe(404);
    expect(problemOf(unknown.html)).toBe('Authorization in progress nope not found.');

    const issuer = `${server.url}/resources/res_20000000000000001`;
    const clientId = await registerClient(server.url, 'res_20000000000000001', { client_name: 'Dashboard host' });
    const { uid } = await consentPageInProgress(issuer, clientId, { email: 'ada@example.com', password: 'correct-horse-battery' }, 'todo:read', 'todo:read todo:write');
    const page = (await steps.open(`${server.url}/dashboard/consents/screen?interaction_id=${uid}`)) as PageSeen;
    expect(page.status).toBe(200);
    expect(page.html).toContain('Dashboard host');
    expect(page.html).toContain('<code>todo:write</code> Write todos');
    expect(page.html).not.toContain('<code>todo:read</code>');
  });
});
