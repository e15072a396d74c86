import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { AGENT, ENV_CLIENT, startTestServer, tokenRequest, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('RFC 8414 / OIDC Discovery: environment metadata', () => {
  it('serves the same document at openid-configuration and oauth-authorization-server', async () => {
    const a = await fetch(`${server.url}/.well-known/openid-configuration`);
    const b = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await a.json()).toEqual(await b.json());
  });

  it("names Scalekit's endpoints under the environment issuer", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth/authorize`,
      token_endpoint: `${server.url}/oauth/token`,
      jwks_uri: `${server.url}/keys`,
      userinfo_endpoint: `${server.url}/userinfo`,
      end_session_endpoint: `${server.url}/oidc/logout`,
      revocation_endpoint: `${server.url}/oauth/revoke`,
      introspection_endpoint: `${server.url}/oauth/introspect`,
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(doc.grant_types_supported).toContain('client_credentials');
    expect(doc.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
    expect(doc).not.toHaveProperty('registration_endpoint');
  });
});

describe('GET /keys', () => {
  it('publishes one RS256 key with a snk_ kid and public parts only, with cache headers', async () => {
    const res = await fetch(`${server.url}/keys`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    const key = body.keys[0]!;
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ use: 'sig', kty: 'RSA', alg: 'RS256', e: 'AQAB' });
    expect(key.kid).toMatch(/^snk_\d{17}$/);
    expect(Buffer.from(String(key.n), 'base64url')).toHaveLength(256); // RSA 2048
  });

  it('verifies a token issued by the token endpoint', async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret });
    const { access_token } = (await res.json()) as { access_token: string };
    const jwks = createLocalJWKSet((await (await fetch(`${server.url}/keys`)).json()) as { keys: [] });
    const { protectedHeader } = await jwtVerify(access_token, jwks, { issuer: server.url });
    expect(protectedHeader.alg).toBe('RS256');
  });
});

describe('GET /health', () => {
  it('answers 200 with the database open and keys loaded', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok', keys: 1 });
  });
});

describe('provider dispatch', () => {
  it('hands /oauth/authorize to oidc-provider, which rejects an unknown client with a readable page', async () => {
    const res = await fetch(`${server.url}/oauth/authorize?client_id=nobody&response_type=code&redirect_uri=http://127.0.0.1/cb`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const text = await res.text();
    expect(text).toContain('invalid_client');
    expect(text).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('leaves unknown paths to Fastify (404 JSON, not the provider)', async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('sends authorization_code token requests to the provider (invalid_grant for an unknown code)', async () => {
    const res = await tokenRequest(server.url, {
      grant_type: 'authorization_code',
      code: 'not-a-code',
      code_verifier: 'a'.repeat(43),
      redirect_uri: WEB_APP_CALLBACK,
      client_id: ENV_CLIENT.id,
      client_secret: ENV_CLIENT.secret,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'grant request is invalid' });
  });

  it('authenticates the provider’s clients against the stored secret hashes (invalid_client for a wrong secret)', async () => {
    const res = await tokenRequest(server.url, {
      grant_type: 'authorization_code',
      code: 'not-a-code',
      code_verifier: 'a'.repeat(43),
      redirect_uri: WEB_APP_CALLBACK,
      client_id: ENV_CLIENT.id,
      client_secret: `${ENV_CLIENT.secret}-wrong`,
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });
});
