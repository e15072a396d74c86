// Enterprise-managed authorization (ext-auth "Enterprise-Managed Authorization", SEP-990;
// draft-ietf-oauth-identity-assertion-authz-grant): the environment's issuer, as the enterprise identity
// provider, exchanges an ID token it issued for an ID-JAG (RFC 8693); an MCP server's issuer with
// xaa_enabled takes the ID-JAG as an RFC 7523 jwt-bearer grant and answers an access token, no consent
// page. Driven by @modelcontextprotocol/client 2.x, unchanged: discoverAndRequestJwtAuthGrant (step 1)
// inside CrossAppAccessProvider (step 2), connecting to the example Todo MCP server and calling a tool.
// Each refusal over plain HTTP with its exact error; and ID-JAGs from an external identity provider the
// environment trusts (issuer + JWKS URL), its keys served by the test.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, CrossAppAccessProvider, discoverAndRequestJwtAuthGrant, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiniBrowser } from '../helpers/browser.js';
import { ada } from '../helpers/code-flow.js';
import { restCaller, type Rest } from '../helpers/management.js';
import { ADA, basic, clientCredentialsToken, decodeJwt, ENV_CLIENT, postForm, startTestServer, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';
import { startTodoStack, type TodoStack } from '../helpers/todo-stack.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag';
const TODO = 'res_50000000000000001';
const NOTES = 'res_50000000000000002';
const CLOSED = 'res_50000000000000003';

let stack: TodoStack;
let rest: Rest;
let env: { id: string; secret: string };
/** A confidential client of Todo and one of Notes, made over REST. */
let todoClient: { id: string; secret: string };
let notesClient: { id: string; secret: string };

beforeAll(async () => {
  stack = await startTodoStack([
    { resourceId: TODO, name: 'Todo', xaaEnabled: true },
    { resourceId: NOTES, name: 'Notes', xaaEnabled: true },
    { resourceId: CLOSED, name: 'Closed' },
  ]);
  env = { id: stack.em.environment.clientId, secret: stack.em.environment.clientSecret };
  rest = restCaller(stack.em.url, await clientCredentialsToken(stack.em.url, env));
  const make = async (resourceId: string) => {
    const created = await rest('POST', `/resources/${resourceId}/clients`, { name: 'Backend', scopes: [] });
    return { id: (created.body.client as { client_id: string }).client_id, secret: String(created.body.plain_secret) };
  };
  todoClient = await make(TODO);
  notesClient = await make(NOTES);
});
afterAll(() => stack?.close());

const issuerOf = (id: string) => stack.em.urls.resourceIssuer(id);
const serverUrl = (id: string) => `${new URL(stack.mcpUrl[id]!).origin}/`;

/** Step 1 over plain HTTP: the environment's token endpoint, the client authenticating with Basic. */
function requestIdJag(form: Record<string, string>, client = env): Promise<Response> {
  return postForm(stack.em.url, '/oauth/token', { grant_type: TOKEN_EXCHANGE, requested_token_type: ID_JAG, subject_token_type: ID_TOKEN, ...form }, { authorization: basic(client.id, client.secret) });
}

async function idJag(form: Record<string, string> = {}, client = env): Promise<string> {
  const res = await requestIdJag({ subject_token: await stack.em.idToken({ user: ADA.id, clientId: client.id }), audience: issuerOf(TODO), resource: serverUrl(TODO), ...form }, client);
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Step 2 over plain HTTP, at an MCP server's issuer. */
function presentIdJag(serverId: string, assertion: string, client = env, form: Record<string, string> = {}): Promise<Response> {
  return postForm(issuerOf(serverId), '/oauth/token', { grant_type: JWT_BEARER, assertion, ...form }, { authorization: basic(client.id, client.secret) });
}

async function expectError(res: Response, status: number, error: string, description: string): Promise<void> {
  const body = (await res.json()) as { error: string; error_description: string };
  expect({ status: res.status, error: body.error, error_description: body.error_description }).toEqual({ status, error, error_description: description });
  expect(res.headers.get('cache-control')).toBe('no-store');
}

/** An MCP client (SDK 2.x) whose CrossAppAccessProvider asks the environment for an ID-JAG on each token request. */
async function crossAppClient(serverId: string, idToken: string, client: { id: string; secret: string }) {
  const steps: { idJag?: string; scope?: string } = {};
  const provider = new CrossAppAccessProvider({
    assertion: async (ctx) => {
      const result = await discoverAndRequestJwtAuthGrant({
        idpUrl: stack.em.url,
        audience: ctx.authorizationServerUrl,
        resource: ctx.resourceUrl,
        idToken,
        clientId: client.id,
        clientSecret: client.secret,
        ...(ctx.scope ? { scope: ctx.scope } : {}),
        fetchFn: ctx.fetchFn,
      });
      Object.assign(steps, { idJag: result.jwtAuthGrant, scope: result.scope });
      return result.jwtAuthGrant;
    },
    clientId: client.id,
    clientSecret: client.secret,
    expectedIssuer: issuerOf(serverId),
  });
  const mcp = new Client({ name: 'cross-app-access', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl[serverId]!), { authProvider: provider }));
  return { mcp, provider, steps };
}

describe('@modelcontextprotocol/client 2.x: discoverAndRequestJwtAuthGrant + CrossAppAccessProvider, unchanged', () => {
  it('the environment client gets an ID-JAG for Todo from the environment and a token at Todo’s issuer, and calls a tool as Ada', async () => {
    const { mcp, provider, steps } = await crossAppClient(TODO, await stack.em.idToken({ user: ADA.id }), env);
    try {
      const listed = (await mcp.callTool({ name: 'add_todo', arguments: { title: 'Expense report' } })) as { content: { text: string }[] };
      expect(JSON.parse(listed.content[0]!.text)).toMatchObject({ title: 'Expense report' });
    } finally {
      await mcp.close();
    }
    // The ID-JAG the environment issued.
    const assertion = decodeJwt(steps.idJag!);
    expect(assertion.header).toMatchObject({ alg: 'RS256', typ: 'oauth-id-jag+jwt' });
    expect(assertion.payload).toMatchObject({ iss: stack.em.url, sub: ADA.id, aud: issuerOf(TODO), client_id: env.id, resource: serverUrl(TODO), scope: 'todo:read todo:write' });
    expect((assertion.payload.exp as number) - (assertion.payload.iat as number)).toBe(300);
    expect(String(assertion.payload.jti)).toMatch(/^tkn_\d{17}$/);
    // The access token Todo's issuer answered: Scalekit's shape, for Ada, no refresh token.
    const tokens = provider.tokens()!;
    expect(tokens.refresh_token).toBeUndefined();
    expect(decodeJwt(tokens.access_token).payload).toMatchObject({
      iss: stack.em.url,
      sub: ADA.id,
      oid: 'org_30000000000000001',
      aud: [serverUrl(TODO), TODO],
      resid: TODO,
      client_id: env.id,
      scopes: ['todo:read', 'todo:write'],
    });
  });

  it('one of Todo’s own confidential clients asks and presents the ID-JAG itself', async () => {
    const { mcp, provider } = await crossAppClient(TODO, await stack.em.idToken({ user: ADA.id, clientId: todoClient.id }), todoClient);
    try {
      expect((await mcp.listTools()).tools.map((t) => t.name)).toContain('list_todos');
    } finally {
      await mcp.close();
    }
    expect(decodeJwt(provider.tokens()!.access_token).payload).toMatchObject({ sub: ADA.id, client_id: todoClient.id });
  });
});

describe('metadata: what works where', () => {
  it('lists jwt-bearer and the ID-JAG grant profile only where xaa_enabled is on, and the environment says it issues ID-JAGs', async () => {
    const metadata = async (path: string) => (await (await fetch(`${stack.em.url}${path}`)).json()) as Record<string, unknown>;
    const todo = await metadata(`/.well-known/oauth-authorization-server/resources/${TODO}`);
    expect(todo.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', JWT_BEARER]);
    expect(todo.authorization_grant_profiles_supported).toEqual(['urn:ietf:params:oauth:grant-profile:id-jag']);
    const closed = await metadata(`/.well-known/oauth-authorization-server/resources/${CLOSED}`);
    expect(closed.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
    expect(closed).not.toHaveProperty('authorization_grant_profiles_supported');
    const environment = await metadata('/.well-known/oauth-authorization-server');
    expect(environment.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', TOKEN_EXCHANGE]);
    expect(environment.identity_chaining_requested_token_types_supported).toEqual([ID_JAG]);
  });
});

describe('step 1 at the environment’s issuer: refusals', () => {
  it('invalid_request for the wrong token types and a missing audience', async () => {
    const idToken = await stack.em.idToken({ user: ADA.id });
    const base = { subject_token: idToken, audience: issuerOf(TODO) };
    await expectError(
      await requestIdJag({ ...base, requested_token_type: 'urn:ietf:params:oauth:token-type:access_token' }),
      400,
      'invalid_request',
      "unsupported requested_token_type at the environment's issuer: urn:ietf:params:oauth:token-type:access_token (it issues ID-JAGs, urn:ietf:params:oauth:token-type:id-jag; exchange access tokens at the MCP server's own issuer)",
    );
    await expectError(
      await requestIdJag({ ...base, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }),
      400,
      'invalid_request',
      `unsupported subject_token_type: urn:ietf:params:oauth:token-type:access_token (an ID-JAG is had for an ID token, ${ID_TOKEN})`,
    );
    await expectError(await requestIdJag({ subject_token: idToken }), 400, 'invalid_request', "missing required parameter 'audience' (the issuer of the MCP server's authorization server)");
  });

  it('invalid_grant for an ID token issued to another client, expired, forged, or an access token passed as one', async () => {
    const base = { audience: issuerOf(TODO) };
    await expectError(await requestIdJag({ ...base, subject_token: await stack.em.idToken({ user: ADA.id, clientId: todoClient.id }) }), 400, 'invalid_grant', 'the subject_token (ID token) was issued to another client');
    await expectError(await requestIdJag({ ...base, subject_token: 'not-a-jwt' }), 400, 'invalid_grant', 'the subject_token is not a valid ID token of this environment');
    const stale = await stack.em.idToken({ user: ADA.id, expiresIn: 60 });
    stack.em.clock.advance('2m');
    try {
      await expectError(await requestIdJag({ ...base, subject_token: stale }), 400, 'invalid_grant', 'the subject_token (ID token) expired');
    } finally {
      stack.em.clock.reset();
    }
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: ADA.id, aud: env.id })
      .setProtectedHeader({ alg: 'RS256', kid: String(decodeJwt(stale).header.kid) })
      .setIssuer(stack.em.url)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectError(await requestIdJag({ ...base, subject_token: forged }), 400, 'invalid_grant', "the subject_token's signature does not verify with this environment's keys");
    const accessToken = await stack.em.mintToken({ clientId: env.id, subject: ADA.id, audience: [env.id] });
    await expectError(await requestIdJag({ ...base, subject_token: accessToken }), 400, 'invalid_grant', 'the subject_token is not an ID token (its typ is JWT)');
  });

  it('invalid_target for an audience that is no MCP server’s issuer, a resource of another server, a server without xaa_enabled, a client the server does not know', async () => {
    const subject_token = await stack.em.idToken({ user: ADA.id });
    await expectError(await requestIdJag({ subject_token, audience: stack.em.url }), 400, 'invalid_target', `the audience names no MCP server's issuer of this environment (${stack.em.url}/resources/<res_id>)`);
    await expectError(
      await requestIdJag({ subject_token, audience: issuerOf(TODO), resource: serverUrl(NOTES) }),
      400,
      'invalid_target',
      `the resource is not the MCP server whose issuer the audience names (${serverUrl(TODO)})`,
    );
    await expectError(await requestIdJag({ subject_token, audience: issuerOf(CLOSED) }), 400, 'invalid_target', `MCP server ${CLOSED} does not accept ID-JAGs (its xaa_enabled is off)`);
    const notesToken = await stack.em.idToken({ user: ADA.id, clientId: notesClient.id });
    await expectError(
      await requestIdJag({ subject_token: notesToken, audience: issuerOf(TODO) }, notesClient),
      400,
      'invalid_target',
      `the client ${notesClient.id} is not a client of ${TODO} and could not present the ID-JAG there: ask as the environment's client or one of the server's own confidential clients`,
    );
    await expectError(await requestIdJag({ subject_token, audience: issuerOf(TODO), scope: 'todo:read notes:read' }), 400, 'invalid_scope', `requested scope is not a scope of ${TODO}: notes:read`);
  });
});

describe('step 2 at an MCP server’s issuer: refusals (invalid_grant naming why)', () => {
  it('refuses a forged, an expired, a replayed, a revoked and an untyped assertion', async () => {
    const genuine = await idJag();
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(genuine).payload;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'oauth-id-jag+jwt', kid: String(decodeJwt(genuine).header.kid) }).sign(privateKey);
    await expectError(await presentIdJag(TODO, forged), 400, 'invalid_grant', "the assertion's signature does not verify with its issuer's keys");

    expect((await presentIdJag(TODO, genuine)).status).toBe(200);
    await expectError(await presentIdJag(TODO, genuine), 400, 'invalid_grant', 'the assertion was presented before (its jti was used): an ID-JAG is good for one token');

    const stale = await idJag();
    stack.em.clock.advance('6m');
    try {
      await expectError(await presentIdJag(TODO, stale), 400, 'invalid_grant', 'the assertion expired');
    } finally {
      stack.em.clock.reset();
    }
    const revoked = await idJag();
    stack.em.revoke({ jti: String(decodeJwt(revoked).payload.jti) });
    await expectError(await presentIdJag(TODO, revoked), 400, 'invalid_grant', 'the assertion was revoked');

    const accessToken = await stack.em.mintToken({ subject: ADA.id, resource: TODO });
    await expectError(await presentIdJag(TODO, accessToken), 400, 'invalid_grant', 'the assertion is not an ID-JAG (its typ must be oauth-id-jag+jwt)');
    await expectError(await presentIdJag(TODO, 'garbage'), 400, 'invalid_grant', 'the assertion is not a JWT');
  });

  it('refuses one addressed elsewhere: another server’s issuer, another client', async () => {
    await expectError(
      await presentIdJag(NOTES, await idJag()),
      400,
      'invalid_grant',
      "the assertion is addressed to another authorization server (its aud is not this MCP server's issuer)",
    );
    await expectError(await presentIdJag(TODO, await idJag(), todoClient), 400, 'invalid_grant', 'the assertion was issued for another client (its client_id is not the authenticated client)');
    await expectError(await presentIdJag(TODO, await idJag(), env, { resource: serverUrl(NOTES) }), 400, 'invalid_target', `the resource is not this issuer's MCP server (${serverUrl(TODO)})`);
  });

  it('unsupported_grant_type where xaa_enabled is off; a client of another server is unauthorized_client; none without a secret', async () => {
    await expectError(await presentIdJag(CLOSED, await idJag()), 400, 'unsupported_grant_type', 'this MCP server does not accept ID-JAGs: its xaa_enabled is off');
    await expectError(await presentIdJag(TODO, await idJag(), notesClient), 400, 'unauthorized_client', `the client is not allowed to use the ${JWT_BEARER} grant`);
    const noSecret = await postForm(issuerOf(TODO), '/oauth/token', { grant_type: JWT_BEARER, assertion: await idJag(), client_id: env.id });
    await expectError(noSecret, 401, 'invalid_client', 'client_secret is required for this client');
    await expectError(await postForm(stack.em.url, '/oauth/token', { grant_type: JWT_BEARER, assertion: await idJag() }, { authorization: basic(env.id, env.secret) }), 400, 'unsupported_grant_type', "the environment issues ID-JAGs (token exchange); present them at the MCP server's own issuer");
  });

  it('narrows the token to the scope asked, never past the assertion’s', async () => {
    const res = await presentIdJag(TODO, await idJag({ scope: 'todo:read' }), env, { scope: 'todo:read todo:write' });
    expect(res.status).toBe(200);
    expect((await res.json()) as object).toMatchObject({ token_type: 'Bearer', scope: 'todo:read', expires_in: 3600 });
    await expectError(await presentIdJag(TODO, await idJag({ scope: 'todo:read' }), env, { scope: 'todo:write' }), 400, 'invalid_scope', 'the assertion grants none of the requested scopes (it grants: todo:read)');
  });
});

describe('an ID token from a real sign-in at the environment (openid-client)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const token = await clientCredentialsToken(server.url, ENV_CLIENT);
    expect((await restCaller(server.url, token)('PATCH', '/resources/res_20000000000000001', { xaa_enabled: true })).status).toBe(200);
  });
  afterAll(() => server?.close());

  it('is exchanged for an ID-JAG and that for Ada’s token at Todo’s issuer', async () => {
    const config = await oidc.discovery(new URL(server.url), ENV_CLIENT.id, ENV_CLIENT.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: WEB_APP_CALLBACK, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await new MiniBrowser(ada).authorize(url.href, WEB_APP_CALLBACK);
    const signedIn = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    const todoIssuer = `${server.url}/resources/res_20000000000000001`;
    const exchanged = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: signedIn.id_token!, subject_token_type: ID_TOKEN, requested_token_type: ID_JAG, audience: todoIssuer, resource: 'http://localhost:3002/' });
    expect(exchanged).toMatchObject({ issued_token_type: ID_JAG, token_type: 'n_a', expires_in: 300, scope: 'todo:read todo:write' });
    const res = await postForm(server.url, '/resources/res_20000000000000001/oauth/token', { grant_type: JWT_BEARER, assertion: exchanged.access_token }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) });
    expect(res.status).toBe(200);
    const { access_token: accessToken } = (await res.json()) as { access_token: string };
    expect(decodeJwt(accessToken).payload).toMatchObject({ sub: ADA.id, aud: ['http://localhost:3002/', 'res_20000000000000001'], client_id: ENV_CLIENT.id });
    // The environment is not an authorization server for its own ID-JAGs (the draft's §7.3).
    expect((await postForm(server.url, '/oauth/token', { grant_type: JWT_BEARER, assertion: exchanged.access_token }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) })).status).toBe(400);
  });
});

describe('an external identity provider the environment trusts (issuer + JWKS URL)', () => {
  const IDP = 'https://idp.example.test';
  let idp: Server;
  let jwksRequests = 0;
  let keys: { kid: string; privateKey: PrivateKey; jwk: JWK }[] = [];
  let jwksUri: string;

  const newKey = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  };
  const assertion = (claims: Record<string, unknown>, key = keys[0]!, audience = issuerOf(TODO)) =>
    new SignJWT({ client_id: env.id, resource: serverUrl(TODO), scope: 'todo:read', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'oauth-id-jag+jwt' })
      .setIssuer(IDP)
      .setAudience(audience)
      .setJti(crypto.randomUUID())
      .setIssuedAt(Math.floor(stack.em.clock.now() / 1000))
      .setExpirationTime(Math.floor(stack.em.clock.now() / 1000) + 300)
      .sign(key.privateKey);

  beforeAll(async () => {
    keys = [await newKey('idp-1')];
    idp = createServer((req, res) => {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise((resolve) => idp?.close(resolve)));

  it('is set over REST (audited), refused naming the field, and its loopback JWKS refused by the SSRF guard unless ALLOW_INSECURE_JWKS', async () => {
    const refused = await rest('PUT', '/environment/trusted-identity-providers', { trusted_identity_providers: [{ issuer: stack.em.url, jwks_uri: jwksUri }] });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('trusted_identity_providers[0].issuer: is the environment itself or one of its issuers, trusted already');
    const put = await rest('PUT', '/environment/trusted-identity-providers', { trusted_identity_providers: [{ issuer: IDP, jwks_uri: jwksUri }] });
    expect(put.status).toBe(200);
    expect(put.body.trusted_identity_providers).toEqual([{ issuer: IDP, jwks_uri: jwksUri, create_time: expect.any(String) }]);
    expect((await rest('GET', '/environment/trusted-identity-providers')).body).toEqual(put.body);
    const audit = await rest('GET', '/audit-events?type=trusted_identity_providers.updated');
    expect((audit.body.events as { details: unknown }[])[0]!.details).toEqual({ trusted_identity_providers: [{ issuer: IDP, jwks_uri: jwksUri }] });
    // This emulator fetches no JWKS from a loopback address.
    await expectError(await presentIdJag(TODO, await assertion({ sub: ADA.id })), 400, 'invalid_grant', `the JWKS of ${IDP} is at a private, loopback or link-local address`);
    expect(jwksRequests).toBe(0);
  });

  describe('with ALLOW_INSECURE_JWKS (its JWKS on 127.0.0.1)', () => {
    let trusting: TodoStack;
    let asEnv: { id: string; secret: string };
    const present = (token: string, form: Record<string, string> = {}) =>
      postForm(trusting.em.urls.resourceIssuer(TODO), '/oauth/token', { grant_type: JWT_BEARER, assertion: token, ...form }, { authorization: basic(asEnv.id, asEnv.secret) });
    /** An ID-JAG of the external provider, for the trusting emulator's Todo server. */
    const external = (claims: Record<string, unknown>, key = keys[0]!) =>
      new SignJWT({ client_id: asEnv.id, resource: `${new URL(trusting.mcpUrl[TODO]!).origin}/`, scope: 'todo:read', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'oauth-id-jag+jwt' })
        .setIssuer(IDP)
        .setAudience(trusting.em.urls.resourceIssuer(TODO))
        .setJti(crypto.randomUUID())
        .setIssuedAt(Math.floor(trusting.em.clock.now() / 1000))
        .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : Math.floor(trusting.em.clock.now() / 1000) + 300)
        .sign(key.privateKey);
    const subjectOf = async (res: Response) => {
      const body = (await res.json()) as { access_token?: string; error_description?: string };
      expect(res.status, body.error_description).toBe(200);
      return decodeJwt(body.access_token!).payload;
    };

    beforeAll(async () => {
      trusting = await startTodoStack([{ resourceId: TODO, name: 'Todo', xaaEnabled: true }], { allowInsecureJwks: true });
      asEnv = { id: trusting.em.environment.clientId, secret: trusting.em.environment.clientSecret };
      const token = await clientCredentialsToken(trusting.em.url, asEnv);
      expect((await restCaller(trusting.em.url, token)('PUT', '/environment/trusted-identity-providers', { trusted_identity_providers: [{ issuer: IDP, jwks_uri: jwksUri }] })).status).toBe(200);
      jwksRequests = 0;
    });
    afterAll(() => trusting?.close());

    it('finds the person by email, or by a usr_ sub; makes a new person by email once; fetches the JWKS once', async () => {
      expect(await subjectOf(await present(await external({ sub: 'idp-ada', email: ADA.email })))).toMatchObject({ sub: ADA.id, client_id: asEnv.id, scopes: ['todo:read'] });
      expect((await subjectOf(await present(await external({ sub: ADA.id })))).sub).toBe(ADA.id);
      const grace = await subjectOf(await present(await external({ sub: 'idp-grace', email: 'Grace@Example.com' })));
      expect(String(grace.sub)).toMatch(/^usr_\d{17}$/);
      expect((await subjectOf(await present(await external({ sub: 'idp-grace', email: 'grace@example.com' })))).sub).toBe(grace.sub);
      const token = await clientCredentialsToken(trusting.em.url, asEnv);
      const users = await restCaller(trusting.em.url, token)('GET', '/users');
      expect((users.body.users as { id: string; email: string }[]).find((u) => u.id === grace.sub)?.email).toBe('grace@example.com');
      expect(jwksRequests).toBe(1);
    });

    it('refuses naming why: no person, another resource, an unknown scope, no jti, a shared-key algorithm, an untrusted issuer', async () => {
      const refuse = async (res: Response, description: string) => {
        expect({ status: res.status, ...((await res.json()) as object) }).toEqual({ status: 400, error: 'invalid_grant', error_description: description });
      };
      await refuse(await present(await external({ sub: 'idp-nobody' })), 'the assertion names no user of this environment: its sub is no usr_ id here and it carries no email');
      await refuse(await present(await external({ sub: 'idp-odd', email: 'odd@' })), "the assertion's email cannot name a user: user.email: must be an email address");
      await refuse(await present(await external({ sub: ADA.id, exp: Math.floor(trusting.em.clock.now() / 1000) + 7200 })), 'the assertion is good for more than an hour: an ID-JAG must be short-lived');
      await refuse(await present(await external({ sub: ADA.id, resource: 'http://localhost:9/' })), `the assertion is for another resource, not this MCP server (${new URL(trusting.mcpUrl[TODO]!).origin}/)`);
      await refuse(await present(await external({ sub: ADA.id, scope: 'todo:read admin' })), 'the assertion names scopes this MCP server does not have: admin');
      const noJti = await new SignJWT({ sub: ADA.id, client_id: asEnv.id })
        .setProtectedHeader({ alg: 'ES256', kid: keys[0]!.kid, typ: 'oauth-id-jag+jwt' })
        .setIssuer(IDP)
        .setAudience(trusting.em.urls.resourceIssuer(TODO))
        .setIssuedAt(Math.floor(trusting.em.clock.now() / 1000))
        .setExpirationTime(Math.floor(trusting.em.clock.now() / 1000) + 300)
        .sign(keys[0]!.privateKey);
      await refuse(await present(noJti), 'the assertion has no jti claim');
      const hmac = await new SignJWT({ sub: ADA.id, client_id: asEnv.id, jti: 'x' })
        .setProtectedHeader({ alg: 'HS256', typ: 'oauth-id-jag+jwt' })
        .setIssuer(IDP)
        .setAudience(trusting.em.urls.resourceIssuer(TODO))
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!'));
      await refuse(await present(hmac), 'the assertion is signed with an algorithm not accepted here');
      const stranger = await new SignJWT({ sub: ADA.id, client_id: asEnv.id, jti: 'y' })
        .setProtectedHeader({ alg: 'ES256', kid: keys[0]!.kid, typ: 'oauth-id-jag+jwt' })
        .setIssuer('https://stranger.example.test')
        .setAudience(trusting.em.urls.resourceIssuer(TODO))
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(keys[0]!.privateKey);
      await refuse(await present(stranger), "the assertion's issuer is not trusted here: https://stranger.example.test");
    });

    it('takes a key the provider rotated in once its keys may be fetched again (30 s), and no sooner', async () => {
      await subjectOf(await present(await external({ sub: ADA.id })));
      const before = jwksRequests;
      keys = [await newKey('idp-2'), ...keys];
      const rotated = await external({ sub: ADA.id }, keys[0]);
      const early = await present(rotated);
      expect({ status: early.status, ...((await early.json()) as object) }).toEqual({ status: 400, error: 'invalid_grant', error_description: "the assertion's signature does not verify with its issuer's keys" });
      trusting.em.clock.advance('31s');
      try {
        expect((await subjectOf(await present(await external({ sub: ADA.id }, keys[0])))).sub).toBe(ADA.id);
      } finally {
        trusting.em.clock.reset();
      }
      expect(jwksRequests).toBe(before + 1);
    });
  });
});
