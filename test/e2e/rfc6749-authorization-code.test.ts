// The authorization-code flow with PKCE at an MCP server's issuer (OAuth 2.1, RFC 7636, RFC 9207), as an MCP
// host runs it: DCR, login page, consent page, code, token. Every MUST with the request that breaks it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserStopped, MiniBrowser } from '../helpers/browser.js';
import { ada, authorizationUrl, authorize, CALLBACK, exchange, pkce, registerClient, startCodeFlowServer, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { ADA, basic, decodeJwt, ENV_CLIENT, postForm, type TestServer } from '../helpers/server.js';

let server: TestServer;
let issuer: string;
let clientId: string;
const RES = 'res_20000000000000001';

beforeAll(async () => ({ server, issuer, clientId } = await startCodeFlowServer(RES)));
afterAll(() => server.close());

/** What the MCP server's issuer says of a token, asked with the environment client's credentials (RFC 7662). */
const introspection = async (token: string) =>
  (await (await postForm(server.url, `/resources/${RES}/oauth/introspect`, { token }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) })).json()) as Record<string, unknown>;

describe('OAuth 2.1 §4.1: authorization code with PKCE', () => {
  it('signs the user in, asks consent, and redirects with code, state and the issuer (RFC 9207)', async () => {
    const grant = await authorize(issuer, clientId, ada, { scope: 'todo:read', state: 'opaque-123' });
    expect(grant.callback.origin + grant.callback.pathname).toBe(CALLBACK);
    expect(grant.callback.searchParams.get('state')).toBe('opaque-123');
    expect(grant.callback.searchParams.get('iss')).toBe(issuer);
    expect(grant.code).toMatch(/^[\w-]{20,}$/);
    const titles = grant.browser.pages.map((p) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(p.html)?.[1]?.replace(/<[^>]+>/g, '').trim());
    // The email code is asked first (the default, as on Scalekit); Ada uses her password, one click away.
    expect(titles).toEqual(['Sign in', 'Check your email', 'Enter your password', 'Test MCP host wants to access Todo']);
  });

  it('exchanges the code once for a token in Scalekit’s shape, for the MCP server', async () => {
    const grant = await authorize(issuer, clientId, ada, { scope: 'todo:read' });
    const res = await exchange(issuer, clientId, grant, { resource: 'http://localhost:3002/' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as TokenSet;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'todo:read' });
    expect(body).not.toHaveProperty('refresh_token'); // no offline_access asked
    const { header, payload } = decodeJwt(body.access_token);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: server.app.context.keys.current.kid });
    expect(payload).toEqual({
      iss: server.url,
      sub: ADA.id,
      client_id: clientId,
      aud: ['http://localhost:3002/', RES],
      oid: 'org_20000000000000001',
      resid: RES,
      sid: expect.stringMatching(/^ses_\d{17}$/),
      scope: 'todo:read',
      scopes: ['todo:read'],
      jti: expect.stringMatching(/^tkn_\d{17}$/),
      iat: payload.iat,
      nbf: payload.iat,
      exp: (payload.iat as number) + 3600,
    });
    await server.app.store.issuedTokens.flush();
    expect(await server.app.store.issuedTokens.get(String(payload.jti))).toMatchObject({ grantType: 'authorization_code', clientId, subject: ADA.id });
  });

  it('gives a request without scope the MCP server’s scopes', async () => {
    const grant = await authorize(issuer, clientId, ada, { scope: undefined });
    const body = (await (await exchange(issuer, clientId, grant)).json()) as TokenSet;
    expect(decodeJwt(body.access_token).payload.scopes).toEqual(['todo:read', 'todo:write']);
  });

  it('answers an authorization request sent as a form (POST) with 405 and a page saying to use GET', async () => {
    const form = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    for (const url of [`${issuer}/oauth/authorize`, `${server.url}/oauth/authorize`]) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await res.text()).toContain('The authorization endpoint takes GET requests');
    }
  });

  it('accepts any port on a loopback redirect URI registered without one (RFC 8252 §7.3)', async () => {
    const grant = await authorize(issuer, clientId, ada, { redirect_uri: 'http://127.0.0.1:61234/callback' });
    expect(grant.callback.host).toBe('127.0.0.1:61234');
    const res = await exchange(issuer, clientId, grant, { redirect_uri: 'http://127.0.0.1:61234/callback' });
    expect(res.status).toBe(200);
  });

  it('treats a resource with or without a trailing slash as the same MCP server', async () => {
    const grant = await authorize(issuer, clientId, ada, { resource: 'http://LOCALHOST:3002' });
    const res = await exchange(issuer, clientId, grant, { resource: 'http://localhost:3002/' });
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as TokenSet).access_token).payload.aud).toEqual(['http://localhost:3002/', RES]);
  });
});

describe('the consent is remembered per client, user and MCP server', () => {
  it('skips the consent page the second time, in a new browser, and asks again for new scopes', async () => {
    const id = await registerClient(server.url, RES, { client_name: 'Remembering host' });
    const first = await authorize(issuer, id, ada, { scope: 'todo:read' });
    expect(first.browser.pages.some((p) => p.html.includes('name="decision"'))).toBe(true);

    const second = await authorize(issuer, id, ada, { scope: 'todo:read' });
    expect(second.browser.pages.some((p) => p.html.includes('name="decision"'))).toBe(false);
    expect((await exchange(issuer, id, second)).status).toBe(200);

    const wider = await authorize(issuer, id, ada, { scope: 'todo:read todo:write' });
    const consent = wider.browser.pages.find((p) => p.html.includes('name="decision"'))!;
    expect(consent.html).toContain('todo:write');
    expect(consent.html).not.toContain('<span class="scope-name">todo:read</span>');
    const token = (await (await exchange(issuer, id, wider)).json()) as TokenSet;
    expect(decodeJwt(token.access_token).payload.scopes).toEqual(['todo:read', 'todo:write']);
    expect((await server.app.store.consents.find(id, ADA.id, RES))?.scopes).toEqual(['todo:read', 'todo:write']);
  });

  it('asks again when the client sends prompt=consent alone, not when it comes with offline_access (OIDC’s rule for refresh tokens)', async () => {
    const id = await registerClient(server.url, RES, { client_name: 'Prompting host' });
    const first = await authorize(issuer, id, ada, { scope: 'todo:read offline_access', prompt: 'consent' });
    expect(first.browser.pages.some((p) => p.html.includes('name="decision"'))).toBe(true);
    const again = await authorize(issuer, id, ada, { scope: 'todo:read offline_access', prompt: 'consent' });
    expect(again.browser.pages.some((p) => p.html.includes('name="decision"'))).toBe(false);
    expect(((await (await exchange(issuer, id, again)).json()) as TokenSet).refresh_token).toBeDefined();
    const forced = await authorize(issuer, id, ada, { scope: 'todo:read', prompt: 'consent' });
    expect(forced.browser.pages.some((p) => p.html.includes('name="decision"'))).toBe(true);
  });

  it('shows the MCP server, the client, the redirect URI’s host and each scope with its description', async () => {
    const id = await registerClient(server.url, RES, { client_name: 'Claude <Desktop>' });
    const browser = new MiniBrowser({ ...ada, decision: 'deny' });
    await authorize(issuer, id, ada, { scope: 'todo:write' }, browser);
    const consent = browser.pages.find((p) => p.html.includes('name="decision"'))!.html;
    expect(consent).toContain('<strong>Claude &lt;Desktop&gt;</strong> wants to access <strong>Todo</strong>');
    expect(consent).toContain('<strong class="host">127.0.0.1:45789</strong>');
    expect(consent).toContain('<span class="scope-name">todo:write</span><span class="scope-text">Write todos</span>');
  });
});

describe('errors, each with its exact code', () => {
  const run = async (params: Record<string, string | undefined>, person = ada) => {
    const browser = new MiniBrowser(person);
    return browser.authorize(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, ...params }), CALLBACK);
  };
  const errorOf = (cb: URL) => ({ error: cb.searchParams.get('error'), iss: cb.searchParams.get('iss') });

  it('wrong code_verifier → invalid_grant', async () => {
    const grant = await authorize(issuer, clientId, ada);
    const res = await exchange(issuer, clientId, { ...grant, verifier: pkce().verifier });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('a replayed code → invalid_grant, and what the code issued is revoked', async () => {
    const grant = await authorize(issuer, clientId, ada, { scope: 'todo:read offline_access' });
    const first = (await (await exchange(issuer, clientId, grant)).json()) as TokenSet;
    expect(first.refresh_token).toBeDefined();
    const replay = await exchange(issuer, clientId, grant);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    const refresh = await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('a replayed code ends the grant (OAuth 2.1 §4.1.3): the access token of the first redemption introspects {"active":false}', async () => {
    const grant = await authorize(issuer, clientId, ada, { scope: 'todo:read offline_access' });
    const first = (await (await exchange(issuer, clientId, grant)).json()) as TokenSet;
    expect(await introspection(first.access_token)).toMatchObject({ active: true, client_id: clientId });
    expect(((await (await exchange(issuer, clientId, grant)).json()) as { error: string }).error).toBe('invalid_grant');
    expect(await introspection(first.access_token)).toEqual({ active: false });
    expect(await introspection(first.refresh_token!)).toEqual({ active: false });
    await server.app.store.issuedTokens.flush();
    expect((await server.app.store.issuedTokens.get(String(decodeJwt(first.access_token).payload.jti)))?.revokedAt).toEqual(expect.any(Number));
  });

  it('code_challenge_method=plain → invalid_request at the redirect URI', async () => {
    const cb = await run({ code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) });
    expect(errorOf(cb)).toEqual({ error: 'invalid_request', iss: issuer });
  });

  it('no code_challenge → invalid_request at the redirect URI', async () => {
    const cb = await run({ code_challenge: undefined, code_challenge_method: undefined });
    expect(errorOf(cb)).toEqual({ error: 'invalid_request', iss: issuer });
    expect(cb.searchParams.get('error_description')).toBe('Authorization Server policy requires PKCE to be used for this request');
  });

  it('an unregistered redirect URI → a readable error page, no redirect', async () => {
    const browser = new MiniBrowser(ada);
    const url = authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, redirect_uri: 'https://evil.example/callback' });
    const stopped = await browser.authorize(url, 'https://evil.example').catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(BrowserStopped);
    expect((stopped as BrowserStopped).status).toBe(400);
    expect((stopped as BrowserStopped).html).toContain('<code>invalid_redirect_uri</code>');
  });

  it('another MCP server’s URL as resource → invalid_target', async () => {
    expect(errorOf(await run({ resource: 'https://other.example/mcp' }))).toEqual({ error: 'invalid_target', iss: issuer });
  });

  it('a scope the MCP server does not define → invalid_scope', async () => {
    expect(errorOf(await run({ scope: 'todo:read todo:delete' }))).toEqual({ error: 'invalid_scope', iss: issuer });
  });

  it('an unknown MCP server → 404 page', async () => {
    const res = await fetch(authorizationUrl(`${server.url}/resources/res_99999999999999999`, { client_id: clientId, code_challenge: pkce().challenge }), { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('<code>not_found</code>');
  });

  it('denied consent → access_denied at the redirect URI', async () => {
    const id = await registerClient(server.url, RES, { client_name: 'Denied host' });
    const cb = await new MiniBrowser({ ...ada, decision: 'deny' }).authorize(authorizationUrl(issuer, { client_id: id, code_challenge: pkce().challenge }), CALLBACK);
    expect(errorOf(cb)).toEqual({ error: 'access_denied', iss: issuer });
  });

  it('a form sent without its CSRF token → 403 page, and the sign-in does not advance', async () => {
    const browser = new MiniBrowser(ada);
    browser.dropField = '_csrf';
    const stopped = (await browser.authorize(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge }), CALLBACK).catch((e: unknown) => e)) as BrowserStopped;
    expect(stopped).toBeInstanceOf(BrowserStopped);
    expect(stopped.status).toBe(403);
    expect(stopped.html).toContain('<code>invalid_csrf_token</code>');
  });

  it('the same answer for an unknown email and a wrong password', async () => {
    const wrong = new MiniBrowser({ email: ADA.email, password: 'not-her-password' });
    const unknown = new MiniBrowser({ email: 'nobody@example.com', password: 'whatever' });
    const url = () => authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge });
    const a = (await wrong.authorize(url(), CALLBACK, 5).catch((e: unknown) => e)) as Error;
    const b = (await unknown.authorize(url(), CALLBACK, 5).catch((e: unknown) => e)) as Error;
    expect(a.message).toMatch(/no redirect/);
    expect(b.message).toMatch(/no redirect/);
    const alert = (html: string) => /<p class="alert" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
    expect(wrong.lastPage!.status).toBe(401);
    expect(unknown.lastPage!.status).toBe(401);
    expect(alert(wrong.lastPage!.html)).toBe('The email or password is not correct.');
    expect(alert(unknown.lastPage!.html)).toBe(alert(wrong.lastPage!.html));
  });
});
