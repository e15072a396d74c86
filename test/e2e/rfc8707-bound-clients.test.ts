// A client created under one MCP server is bound to it (RFC 8707, RFC 9700 §2.3): at the environment's
// issuer and at another server's, for the code, refresh and client_credentials grants, it gets tokens for
// its own server only; naming no resource at the environment's issuer, it gets one for its own server, and
// the consent page names the server the token is for (issue 13, item 6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedInput } from '../../src/config/seed.js';
import { BrowserStopped, MiniBrowser } from '../helpers/browser.js';
import { ada, authorizationUrl, authorize, CALLBACK, pkce, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { clientToken, environmentToken, restCaller, type Rest } from '../helpers/management.js';
import { basic, decodeJwt, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const TODO = { id: 'res_20000000000000001', url: 'http://localhost:3002/' };
const NOTES = { id: 'res_20000000000000002', url: 'http://localhost:4100/' };
const SEED: SeedInput = {
  ...TEST_SEED,
  resources: [
    ...TEST_SEED.resources!,
    { id: NOTES.id, name: 'Notes', resource_id: NOTES.url, scopes: [{ name: 'notes:read', description: 'Read notes' }, { name: 'notes:admin', description: 'Administer notes' }] },
  ],
};

let server: TestServer;
let api: Rest;
/** A code-flow client created through REST for Todo. */
let web: { id: string; secret: string };

beforeAll(async () => {
  server = await startTestServer({ seed: SEED });
  api = restCaller(server.url, await environmentToken(server.url));
  web = await createTodoClient({ name: 'Todo web app', redirect_uris: [CALLBACK] });
});
afterAll(() => server.close());

async function createTodoClient(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const created = await api('POST', `/resources/${TODO.id}/clients`, body);
  expect(created.status).toBe(201);
  return { id: String((created.body.client as { client_id: string }).client_id), secret: String(created.body.plain_secret) };
}

const asWeb = () => ({ authorization: basic(web.id, web.secret) });
const errorOf = async (res: Response) => ({ status: res.status, body: (await res.json()) as { error: string; error_description?: string } });
const consentTitle = (browser: MiniBrowser) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(browser.pages.find((p) => p.html.includes('name="decision"'))?.html ?? '')?.[1]?.replace(/<[^>]+>/g, '');

/** Redeems a code of the Todo web app (a confidential client: its secret by Basic) at an issuer. */
const redeem = (issuer: string, grant: { code: string; verifier: string }, extra: Record<string, string> = {}) =>
  tokenCall(issuer, { grant_type: 'authorization_code', code: grant.code, code_verifier: grant.verifier, redirect_uri: CALLBACK, ...extra }, asWeb());

describe('at the environment’s issuer, the authorization-code grant', () => {
  it('refuses another MCP server as resource with invalid_target at the redirect URI, before any page', async () => {
    const browser = new MiniBrowser(ada);
    const callback = await browser.authorize(
      authorizationUrl(server.url, { client_id: web.id, code_challenge: pkce().challenge, resource: NOTES.url, scope: 'notes:admin' }),
      CALLBACK,
    );
    expect(callback.searchParams.get('error')).toBe('invalid_target');
    expect(callback.searchParams.get('error_description')).toBe(`the client may only ask for tokens for its own MCP server (${TODO.url})`);
    expect(callback.searchParams.get('iss')).toBe(server.url);
    expect(browser.pages).toEqual([]);
  });

  it('refuses the environment’s own URL as resource (a token for the app itself) with invalid_target', async () => {
    const callback = await new MiniBrowser(ada).authorize(authorizationUrl(server.url, { client_id: web.id, code_challenge: pkce().challenge, resource: server.url }), CALLBACK);
    expect(callback.searchParams.get('error')).toBe('invalid_target');
  });

  it('names no resource: the consent page names Todo, and the token is for Todo with Todo’s scopes', async () => {
    const grant = await authorize(server.url, web.id, ada, { scope: undefined });
    expect(consentTitle(grant.browser)).toBe('Todo web app wants to access Todo');
    const res = await redeem(server.url, grant);
    expect(res.status).toBe(200);
    const { payload } = decodeJwt(((await res.json()) as TokenSet).access_token);
    expect(payload).toMatchObject({ iss: server.url, client_id: web.id, aud: [TODO.url, TODO.id], resid: TODO.id, scopes: ['todo:read', 'todo:write'] });
  });

  it('names Todo: the consent page says so too', async () => {
    const browser = new MiniBrowser(ada);
    const id = (await createTodoClient({ name: 'Second web app', redirect_uris: [CALLBACK] })).id;
    await authorize(server.url, id, ada, { resource: TODO.url, scope: 'todo:read' }, browser);
    expect(consentTitle(browser)).toBe('Second web app wants to access Todo');
  });

  it('refuses another MCP server as resource at the code exchange with invalid_target', async () => {
    const grant = await authorize(server.url, web.id, ada, { scope: 'todo:read' });
    const res = await errorOf(await redeem(server.url, grant, { resource: NOTES.url }));
    expect([res.status, res.body.error]).toEqual([400, 'invalid_target']);
  });
});

describe('the refresh grant', () => {
  it('refuses another MCP server as resource with invalid_target, at the environment’s issuer', async () => {
    const grant = await authorize(server.url, web.id, ada, { scope: 'todo:read offline_access' });
    const tokens = (await (await redeem(server.url, grant)).json()) as TokenSet;
    expect(tokens.refresh_token).toBeDefined();
    const res = await tokenCall(server.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, resource: NOTES.url }, asWeb());
    expect((await errorOf(res)).body.error).toBe('invalid_target');
    // And the refresh token still works for Todo.
    const again = await tokenCall(server.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, asWeb());
    expect(decodeJwt(((await again.json()) as TokenSet).access_token).payload.resid).toBe(TODO.id);
  });
});

describe('at another MCP server’s issuer', () => {
  it('the authorization endpoint does not know the client: a readable invalid_client page, no redirect', async () => {
    const url = authorizationUrl(`${server.url}/resources/${NOTES.id}`, { client_id: web.id, code_challenge: pkce().challenge, scope: 'notes:admin' });
    const stopped = (await new MiniBrowser(ada).authorize(url, CALLBACK).catch((e: unknown) => e)) as BrowserStopped;
    expect(stopped).toBeInstanceOf(BrowserStopped);
    expect(stopped.status).toBe(400);
    expect(stopped.html).toContain('<code>invalid_client</code>');
  });
});

describe('the client_credentials grant', () => {
  it('gives a Todo client created with Notes in its audience Todo tokens only, at every issuer', async () => {
    const agent = await createTodoClient({ name: 'Todo agent', scopes: ['todo:read'], audience: [TODO.url, NOTES.url] });
    const atEnvironment = await clientToken(server.url, agent.id, agent.secret, { resource: NOTES.url });
    expect(await errorOf(atEnvironment)).toEqual({ status: 400, body: { error: 'invalid_target', error_description: 'the requested resource is not this MCP server' } });
    const atNotes = await fetch(`${server.url}/resources/${NOTES.id}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: agent.id, client_secret: agent.secret }),
    });
    expect(await errorOf(atNotes)).toEqual({ status: 400, body: { error: 'invalid_target', error_description: 'the client may only ask for tokens for its own MCP server' } });
    const own = await clientToken(server.url, agent.id, agent.secret);
    expect(decodeJwt(((await own.json()) as TokenSet).access_token).payload).toMatchObject({ resid: TODO.id, aud: [TODO.url, TODO.id] });
  });
});
