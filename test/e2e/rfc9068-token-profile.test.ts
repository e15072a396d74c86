// RFC 9068 (JWT profile for OAuth 2.0 access tokens), per MCP server: `token_profile: rfc9068` gives every
// grant's token for that server `typ: at+jwt` and the server's own issuer, which oauth4webapi's strict
// validateJwtAccessToken requires; Scalekit's shape (`typ: JWT`, the environment's issuer) stays the default.
import { ScalekitClient } from '@scalekit-sdk/node';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { environmentToken, restCaller, type Rest } from '../helpers/management.js';
import { ADA, AGENT, basic, decodeJwt, ENV_CLIENT, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

const TODO = 'res_20000000000000001'; // Scalekit's profile (the default)
const STRICT = 'res_20000000000000003';
const STRICT_URL = 'http://localhost:3005/';
const STRICT_AGENT = { id: 'm2morg_20000000000000007', secret: 'strict-agent-secret-0123456789' };

let server: TestServer;
let rest: Rest;
beforeAll(async () => {
  server = await startTestServer({
    seed: {
      ...TEST_SEED,
      resources: [
        ...TEST_SEED.resources!,
        { id: STRICT, name: 'Strict', resource_id: STRICT_URL, scopes: [{ name: 'strict:read' }], token_profile: 'rfc9068' },
      ],
      clients: [
        ...TEST_SEED.clients!,
        { client_id: STRICT_AGENT.id, organization_id: 'org_20000000000000001', name: 'Strict agent', scopes: ['strict:read'], audience: [STRICT_URL], plain_secret: STRICT_AGENT.secret },
      ],
    },
  });
  rest = restCaller(server.url, await environmentToken(server.url));
});
afterAll(() => server.close());

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** The authorization server metadata a strict resource server discovers for an issuer (RFC 8414). */
async function metadataOf(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oauth2', ...insecure }));
}

/** What a strict MCP server does with a bearer token: RFC 9068 §4 validation with oauth4webapi. */
async function validate(issuer: string, audience: string, token: string): Promise<oauth.JWTAccessTokenClaims> {
  const request = new Request(`${audience}mcp`, { headers: { authorization: `Bearer ${token}` } });
  return oauth.validateJwtAccessToken(await metadataOf(issuer), request, audience, insecure);
}

async function userTokens(resourceId: string, scope: string): Promise<{ issuer: string; clientId: string; tokens: TokenSet }> {
  const issuer = `${server.url}/resources/${resourceId}`;
  const clientId = await registerClient(server.url, resourceId);
  const grant = await authorize(issuer, clientId, { email: ADA.email, password: ADA.password }, { scope });
  const res = await exchange(issuer, clientId, grant);
  expect(res.status).toBe(200);
  return { issuer, clientId, tokens: (await res.json()) as TokenSet };
}

async function clientCredentials(issuer: string, client: { id: string; secret: string }, extra: Record<string, string> = {}): Promise<string> {
  const res = await tokenCall(issuer, { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, ...extra });
  expect(res.status).toBe(200);
  return ((await res.json()) as TokenSet).access_token;
}

describe('RFC 9068 §2.1 and §4: oauth4webapi validateJwtAccessToken', () => {
  it('accepts a client-credentials token of an rfc9068 MCP server, with the server issuer metadata', async () => {
    const issuer = `${server.url}/resources/${STRICT}`;
    const token = await clientCredentials(issuer, STRICT_AGENT);
    expect(decodeJwt(token).header).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    const claims = await validate(issuer, STRICT_URL, token);
    expect(claims).toMatchObject({ iss: issuer, sub: STRICT_AGENT.id, client_id: STRICT_AGENT.id, aud: [STRICT_URL, STRICT], scope: 'strict:read' });
    // An organization client's token narrowed by `resource` at the environment's endpoint names the URL
    // but no one MCP server (no resid): Scalekit's M2M token, as with token_issuer.
    const atEnvironment = await clientCredentials(server.url, STRICT_AGENT, { resource: STRICT_URL });
    expect(decodeJwt(atEnvironment)).toMatchObject({ header: { typ: 'JWT' }, payload: { iss: server.url, aud: [STRICT_URL] } });
  });

  it('accepts the code-flow and refresh-flow tokens of an rfc9068 MCP server, with auth_time and amr', async () => {
    const { issuer, clientId, tokens } = await userTokens(STRICT, 'strict:read offline_access');
    const claims = await validate(issuer, STRICT_URL, tokens.access_token);
    expect(claims).toMatchObject({ iss: issuer, sub: ADA.id, client_id: clientId, aud: [STRICT_URL, STRICT], amr: ['pwd'] });
    expect(claims.scope).toBe('offline_access strict:read');
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat);

    const refreshed = (await (await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId })).json()) as TokenSet;
    const again = await validate(issuer, STRICT_URL, refreshed.access_token);
    expect(again).toMatchObject({ iss: issuer, sub: ADA.id, auth_time: claims.auth_time, amr: ['pwd'] });
    expect(again.jti).not.toBe(claims.jti);
  });

  it("refuses the default profile's token for its typ, even with that server's issuer", async () => {
    const issuer = `${server.url}/resources/${TODO}`;
    const token = await clientCredentials(issuer, AGENT);
    expect(decodeJwt(token).header.typ).toBe('JWT');
    const err = await validate(issuer, 'http://localhost:3002/', token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(oauth.OperationProcessingError);
    expect(err).toMatchObject({ code: oauth.INVALID_RESPONSE, message: 'unexpected JWT "typ" header parameter value', cause: { header: { typ: 'JWT' } } });
  });
});

describe('the Scalekit SDK and our own token checks accept both profiles', () => {
  it('@scalekit-sdk/node validateToken accepts each profile with its issuer, and requiredScopes', async () => {
    const scalekit = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
    const strictIssuer = `${server.url}/resources/${STRICT}`;
    const strict = await clientCredentials(strictIssuer, STRICT_AGENT);
    await expect(scalekit.validateToken(strict, { issuer: strictIssuer, audience: [STRICT_URL], requiredScopes: ['strict:read'] })).resolves.toMatchObject({ client_id: STRICT_AGENT.id });
    await expect(scalekit.validateToken(strict, { issuer: server.url })).rejects.toThrow('unexpected "iss" claim value');
    const todo = await clientCredentials(`${server.url}/resources/${TODO}`, AGENT);
    await expect(scalekit.validateToken(todo, { issuer: server.url, audience: ['http://localhost:3002/'], requiredScopes: ['todo:read'] })).resolves.toMatchObject({ client_id: AGENT.id });
  });

  it('/userinfo, introspection and revocation take an at+jwt token', async () => {
    const { issuer, tokens } = await userTokens(STRICT, 'openid strict:read');
    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: ADA.id });

    const strictAgent = { authorization: basic(STRICT_AGENT.id, STRICT_AGENT.secret), 'content-type': 'application/x-www-form-urlencoded' };
    const introspect = async (token: string) =>
      (await (await fetch(`${issuer}/oauth/introspect`, { method: 'POST', headers: strictAgent, body: new URLSearchParams({ token }) })).json()) as Record<string, unknown>;
    const own = await clientCredentials(issuer, STRICT_AGENT);
    expect(await introspect(own)).toMatchObject({ active: true, iss: issuer, client_id: STRICT_AGENT.id, token_type: 'Bearer' });
    const revoked = await fetch(`${issuer}/oauth/revoke`, { method: 'POST', headers: strictAgent, body: new URLSearchParams({ token: own }) });
    expect(revoked.status).toBe(200);
    expect(await introspect(own)).toEqual({ active: false });
  });
});

describe('token_profile in the management API', () => {
  it('creates an rfc9068 MCP server (token_issuer follows), and refuses it with token_issuer env', async () => {
    const created = await rest('POST', '/resources', { resource_type: 'MCP_SERVER', name: 'Strict 2', resource_id: 'http://localhost:4400/', scopes: ['s:read'], token_profile: 'rfc9068' });
    expect(created.status).toBe(201);
    expect(created.body.resource).toMatchObject({ token_profile: 'rfc9068', token_issuer: 'resource' });
    const id = String((created.body.resource as { id: string }).id);
    expect(await server.app.store.resources.get(id)).toMatchObject({ tokenProfile: 'rfc9068', tokenIssuer: 'resource' });

    const conflict = await rest('PATCH', `/resources/${id}`, { token_issuer: 'env' });
    expect(conflict.status).toBe(400);
    expect(conflict.body.message).toBe("resource.token_issuer: must be 'resource' when token_profile is 'rfc9068' (RFC 9068 tokens name the server's own issuer)");
    const unknown = await rest('PATCH', `/resources/${id}`, { token_profile: 'strict' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe("resource.token_profile: must be 'scalekit' or 'rfc9068'");
    expect((await server.app.store.resources.get(id))?.tokenProfile).toBe('rfc9068');

    const back = await rest('PATCH', `/resources/${id}`, { token_profile: 'scalekit', token_issuer: 'env' });
    expect(back.body.resource).toMatchObject({ token_profile: 'scalekit', token_issuer: 'env' });
    const listed = await rest('GET', '/resources?page_size=30');
    expect((listed.body.resources as { id: string; token_profile: string }[]).find((r) => r.id === STRICT)?.token_profile).toBe('rfc9068');
  });
});
