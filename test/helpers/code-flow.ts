// The steps of an authorization-code flow as a client takes them, over real HTTP: register (DCR), build
// the authorization URL with PKCE, let the MiniBrowser sign in and consent, exchange the code, refresh.
import { createHash, randomBytes } from 'node:crypto';
import { MiniBrowser, type PersonAnswers } from './browser.js';
import { ADA, startTestServer, type TestServer } from './server.js';

export const CALLBACK = 'http://127.0.0.1:45789/callback';

/** The seeded user, as she answers the login page. */
export const ada: PersonAnswers = { email: ADA.email, password: ADA.password };

/** A test server with the test seed, the issuer of one of its MCP servers, and a client registered there by DCR. */
export async function startCodeFlowServer(resourceId = 'res_20000000000000001'): Promise<{ server: TestServer; issuer: string; clientId: string }> {
  const server = await startTestServer();
  return { server, issuer: `${server.url}/resources/${resourceId}`, clientId: await registerClient(server.url, resourceId) };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function register(envUrl: string, resourceId: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${envUrl}/api/v1/resources/${resourceId}/clients:register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/callback'], client_name: 'Test MCP host', ...body }),
  });
}

export async function registerClient(envUrl: string, resourceId: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await register(envUrl, resourceId, body);
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

export function authorizationUrl(issuer: string, params: Record<string, string | undefined>): string {
  const url = new URL(`${issuer}/oauth/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', redirect_uri: CALLBACK, code_challenge_method: 'S256', state: 'state-1', ...params })) {
    if (v !== undefined) url.searchParams.set(k, v);
  }
  return url.href;
}

export interface CodeGrant {
  callback: URL;
  code: string;
  verifier: string;
}

/** Runs the authorization in a MiniBrowser (a new one unless given) and returns the callback. */
export async function authorize(
  issuer: string,
  clientId: string,
  person: PersonAnswers,
  params: Record<string, string | undefined> = {},
  browser = new MiniBrowser(person),
): Promise<CodeGrant & { browser: MiniBrowser }> {
  const { verifier, challenge } = pkce();
  const callback = await browser.authorize(authorizationUrl(issuer, { client_id: clientId, code_challenge: challenge, ...params }), params.redirect_uri ?? CALLBACK);
  return { callback, code: callback.searchParams.get('code') ?? '', verifier, browser };
}

export function tokenCall(issuer: string, form: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) body.set(k, v);
  return fetch(`${issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

export function exchange(issuer: string, clientId: string, grant: CodeGrant, extra: Record<string, string | undefined> = {}): Promise<Response> {
  return tokenCall(issuer, { grant_type: 'authorization_code', code: grant.code, code_verifier: grant.verifier, redirect_uri: CALLBACK, client_id: clientId, ...extra });
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope?: string;
  token_type: string;
}

/** A person's tokens (with a refresh token) from a new confidential client (client_secret_post) of an MCP server. */
export async function confidentialClientTokens(
  envUrl: string,
  resourceId: string,
  person: PersonAnswers,
  scope = 'todo:read offline_access',
): Promise<TokenSet & { clientId: string; clientSecret: string }> {
  const reg = (await (await register(envUrl, resourceId, { token_endpoint_auth_method: 'client_secret_post' })).json()) as { client_id: string; client_secret: string };
  const issuer = `${envUrl}/resources/${resourceId}`;
  const grant = await authorize(issuer, reg.client_id, person, { scope });
  const res = await exchange(issuer, reg.client_id, grant, { client_secret: reg.client_secret });
  if (res.status !== 200) throw new Error(`code exchange failed: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as TokenSet), clientId: reg.client_id, clientSecret: reg.client_secret };
}

/**
 * A consent page in progress: `person` signs in and consents to `granted`, then the same browser asks for
 * `asked` and stops on the consent page it is shown. Its interaction id (the page's `<uid>`) and HTML.
 */
export async function consentPageInProgress(
  issuer: string,
  clientId: string,
  person: PersonAnswers,
  granted: string,
  asked: string,
): Promise<{ uid: string; html: string }> {
  const { browser } = await authorize(issuer, clientId, person, { scope: granted });
  // Signed in already, the browser goes straight to the consent page: the redirect, then the page.
  await browser.authorize(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge, scope: asked }), CALLBACK, 2).catch(() => undefined);
  const page = browser.lastPage!;
  const uid = /\/interaction\/([^/?]+)$/.exec(page.url)?.[1];
  if (!uid || !page.html.includes('/consent"')) throw new Error(`not a consent page: ${page.url}`);
  return { uid, html: page.html };
}
