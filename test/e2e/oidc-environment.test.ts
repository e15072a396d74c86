// The environment issuer signs users in to registered web apps (OpenID Connect Core): code flow + PKCE, an
// ID token, /userinfo, RP-initiated logout. Driven by two independent, strict clients: panva's
// openid-client, and @scalekit-sdk/node's getAuthorizationUrl / authenticateWithCode as Scalekit apps call them.
import { ScalekitClient } from '@scalekit-sdk/node';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiniBrowser } from '../helpers/browser.js';
import { ada } from '../helpers/code-flow.js';
import { ADA, ENV_CLIENT, startTestServer, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';

let server: TestServer;
let config: oidc.Configuration;

beforeAll(async () => {
  server = await startTestServer();
  config = await oidc.discovery(new URL(server.url), ENV_CLIENT.id, ENV_CLIENT.secret, undefined, { execute: [oidc.allowInsecureRequests] });
});
afterAll(() => server.close());

async function signIn(browser = new MiniBrowser(ada), extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: WEB_APP_CALLBACK,
    scope: 'openid profile email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const callback = await browser.authorize(url.href, WEB_APP_CALLBACK);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return { tokens, browser, callback };
}

describe('openid-client against the environment issuer', () => {
  it('discovers the issuer and signs Ada in: ID token, access token, refresh token', async () => {
    const { tokens, callback } = await signIn();
    expect(callback.searchParams.get('iss')).toBe(server.url);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: server.url, aud: ENV_CLIENT.id, sub: ADA.id, email: ADA.email, email_verified: true, name: 'Ada Lovelace' });
    expect(tokens.refresh_token).toBeDefined();
    const access = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(access).toMatchObject({ iss: server.url, sub: ADA.id, client_id: ENV_CLIENT.id, aud: [ENV_CLIENT.id], oid: 'org_20000000000000001' });
    expect(access.scopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
  });

  it('answers /userinfo with the claims of the token’s scopes', async () => {
    const { tokens } = await signIn();
    const info = await oidc.fetchUserInfo(config, tokens.access_token, ADA.id);
    expect(info).toEqual({ sub: ADA.id, email: ADA.email, email_verified: true, name: 'Ada Lovelace' });
  });

  it("names in the token response's scope the scopes the access token carries, code grant and refresh (RFC 6749 §5.1)", async () => {
    const scopeOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { scope: string }).scope;
    const { tokens } = await signIn();
    expect(tokens.scope).toBe(scopeOf(tokens.access_token));
    expect(tokens.scope).toBe('openid profile email offline_access');
    const next = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(next.scope).toBe(scopeOf(next.access_token));
  });

  it('refreshes with the refresh token, rotated', async () => {
    const { tokens } = await signIn();
    const next = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.claims()).toMatchObject({ sub: ADA.id, aud: ENV_CLIENT.id });
  });

  it('revokes the refresh token at the environment issuer (RFC 7009): it stops at once, and the grant with it', async () => {
    const { tokens } = await signIn();
    await oidc.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  it('logs out at /oidc/logout and sends the browser to the registered post_logout_redirect_uri', async () => {
    const browser = new MiniBrowser({ ...ada, press: { name: 'logout', value: 'yes' } });
    const { tokens } = await signIn(browser);
    const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:4010/', state: 'bye' });
    expect(logout.origin + logout.pathname).toBe(`${server.url}/oidc/logout`);
    const landed = await browser.authorize(logout.href, 'http://127.0.0.1:4010/');
    expect(landed.searchParams.get('state')).toBe('bye');
    expect(browser.lastPage!.html).toContain('Sign out?');
    // The session is gone: the next authorization asks for the password again.
    const pages = browser.pages.length;
    await signIn(browser);
    expect(browser.pages.slice(pages).some((p) => p.html.includes('type="password"'))).toBe(true);
  });

  it('answers a logout sent as a form (POST) with 405 and a page saying to use GET', async () => {
    const res = await fetch(`${server.url}/oidc/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A4010%2F',
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.text()).toContain('The logout endpoint takes GET requests');
  });
});

describe('@scalekit-sdk/node: getAuthorizationUrl and authenticateWithCode, unchanged', () => {
  it('signs Ada in with PKCE and returns her profile from the ID token; the access token validates', async () => {
    const scalekit = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = scalekit.getAuthorizationUrl(WEB_APP_CALLBACK, {
      state: 'st-1',
      loginHint: ADA.email,
      codeChallenge: await oidc.calculatePKCECodeChallenge(verifier),
      codeChallengeMethod: 'S256',
    });
    const browser = new MiniBrowser(ada);
    const callback = await browser.authorize(url, WEB_APP_CALLBACK);
    expect(browser.pages[0]!.html).toContain(`value="${ADA.email}"`); // login_hint pre-fills the email
    const result = await scalekit.authenticateWithCode(callback.searchParams.get('code')!, WEB_APP_CALLBACK, { codeVerifier: verifier });
    expect(result.user).toMatchObject({ email: ADA.email, name: 'Ada Lovelace', id: ADA.id });
    expect(await scalekit.validateAccessToken(result.accessToken)).toBe(true);
  });
});
