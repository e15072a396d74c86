// One token pipeline: whatever grant issued it, an access token for an MCP server has the same header and
// the same claims (plus the user's for a user token), from the same claims function and audit writer.
import { ScalekitClient } from '@scalekit-sdk/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorize, exchange, registerClient, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { ADA, AGENT, decodeJwt, ENV_CLIENT, startTestServer, TEST_SEED, WEB_APP_CALLBACK, type TestServer } from '../helpers/server.js';

let server: TestServer;
const RES = 'res_20000000000000001';
// An MCP server whose tokens carry its own issuer, and an agent allowed to call it.
const BOUND = 'res_20000000000000002';
const BOUND_AGENT = { id: 'm2morg_20000000000000009', secret: 'bound-agent-secret-0123456789' };
// An MCP server whose tokens follow RFC 9068 (token_profile rfc9068), and an agent allowed to call it.
const STRICT = 'res_20000000000000003';
const STRICT_AGENT = { id: 'm2morg_20000000000000008', secret: 'strict-agent-secret-0123456789' };
beforeAll(async () => {
  server = await startTestServer({
    seed: {
      ...TEST_SEED,
      resources: [
        ...TEST_SEED.resources!,
        { id: BOUND, name: 'Notes', resource_id: 'http://localhost:3003/', scopes: [{ name: 'notes:read' }], token_issuer: 'resource' },
        { id: STRICT, name: 'Strict', resource_id: 'http://localhost:3004/', scopes: [{ name: 'strict:read' }], token_profile: 'rfc9068' },
      ],
      clients: [
        ...TEST_SEED.clients!,
        { client_id: BOUND_AGENT.id, organization_id: 'org_20000000000000001', name: 'Notes agent', scopes: ['notes:read'], audience: ['http://localhost:3003/'], plain_secret: BOUND_AGENT.secret },
        { client_id: STRICT_AGENT.id, organization_id: 'org_20000000000000001', name: 'Strict agent', scopes: ['strict:read'], audience: ['http://localhost:3004/'], plain_secret: STRICT_AGENT.secret, custom_claims: [{ key: 'team', value: 'platform' }] },
      ],
    },
  });
});
afterAll(() => server.close());

it('gives a client-credentials token and a code-flow token for the same MCP server the same shape', async () => {
  const issuer = `${server.url}/resources/${RES}`;
  const cc = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret, scope: 'todo:read' }),
  });
  expect(cc.status).toBe(200);
  const machine = decodeJwt(((await cc.json()) as TokenSet).access_token);

  const clientId = await registerClient(server.url, RES);
  const grant = await authorize(issuer, clientId, { email: ADA.email, password: ADA.password }, { scope: 'todo:read' });
  const user = decodeJwt(((await (await exchange(issuer, clientId, grant)).json()) as TokenSet).access_token);

  expect(Object.keys(user.header).sort()).toEqual(Object.keys(machine.header).sort());
  expect(user.header).toEqual(machine.header);
  const registered = ['iss', 'sub', 'client_id', 'aud', 'oid', 'resid', 'scope', 'scopes', 'jti', 'iat', 'nbf', 'exp'];
  expect(Object.keys(machine.payload).filter((k) => registered.includes(k)).sort()).toEqual([...registered].sort());
  // The user token has the same registered claims plus the session; the M2M token has its client's custom claims.
  expect(Object.keys(user.payload).sort()).toEqual([...registered, 'sid'].sort());
  expect(machine.payload.team).toBe('platform');
  for (const claim of ['iss', 'aud', 'resid', 'scope', 'scopes'] as const) expect(user.payload[claim]).toEqual(machine.payload[claim]);
  expect(machine.payload.aud).toEqual(['http://localhost:3002/', RES]);
  for (const token of [machine, user]) {
    expect(token.payload.jti).toMatch(/^tkn_\d{17}$/);
    expect(token.payload.nbf).toBe(token.payload.iat);
  }

  await server.app.store.issuedTokens.flush();
  const audit = (jti: unknown) => server.app.store.issuedTokens.get(String(jti));
  expect(await audit(machine.payload.jti)).toMatchObject({ grantType: 'client_credentials', clientId: AGENT.id, audience: ['http://localhost:3002/', RES] });
  expect(await audit(user.payload.jti)).toMatchObject({ grantType: 'authorization_code', clientId, subject: ADA.id, audience: ['http://localhost:3002/', RES] });

  // The same writer counts them for /metrics.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toContain('scalekit_emulator_tokens_issued_total{grant_type="client_credentials",client_kind="organization"} 1');
  expect(metrics).toContain('scalekit_emulator_tokens_issued_total{grant_type="authorization_code",client_kind="dcr"} 1');
});

it('gives every token for an MCP server with token_issuer resource that server\'s issuer, from every grant and endpoint', async () => {
  const issuer = `${server.url}/resources/${BOUND}`;
  const clientId = await registerClient(server.url, BOUND);
  const grant = await authorize(issuer, clientId, { email: ADA.email, password: ADA.password }, { scope: 'openid notes:read offline_access' });
  const tokens = (await (await exchange(issuer, clientId, grant)).json()) as TokenSet;
  const refreshed = (await (await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId })).json()) as TokenSet;
  const agent = { grant_type: 'client_credentials', client_id: BOUND_AGENT.id, client_secret: BOUND_AGENT.secret };
  const atServer = (await (await tokenCall(issuer, agent)).json()) as TokenSet;
  const atEnvironment = (await (await tokenCall(server.url, { ...agent, resource: 'http://localhost:3003/' })).json()) as TokenSet;

  for (const token of [tokens, refreshed, atServer]) {
    expect(decodeJwt(token.access_token).payload).toMatchObject({ iss: issuer, resid: BOUND, aud: ['http://localhost:3003/', BOUND] });
  }
  // Narrowed by `resource` at the environment endpoint, the token names the audience but no one server: env issuer.
  expect(decodeJwt(atEnvironment.access_token).payload).toMatchObject({ iss: server.url, aud: ['http://localhost:3003/'] });

  // The Scalekit SDK checks the server's issuer; the Todo server's tokens keep the environment's.
  const scalekit = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
  await expect(scalekit.validateToken(tokens.access_token, { issuer, audience: ['http://localhost:3003/'] })).resolves.toMatchObject({ sub: ADA.id });
  await expect(scalekit.validateToken(tokens.access_token, { issuer: server.url })).rejects.toThrow('unexpected "iss" claim value');
  const todo = (await (await tokenCall(server.url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret })).json()) as TokenSet;
  expect(decodeJwt(todo.access_token).payload.iss).toBe(server.url);
  // A resource server of this environment (here /userinfo) accepts the server's issuer as ours.
  expect((await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
});

it('gives the client-credentials and code-flow tokens of an rfc9068 MCP server the same header and claims, from every grant', async () => {
  const issuer = `${server.url}/resources/${STRICT}`;
  const agent = { grant_type: 'client_credentials', client_id: STRICT_AGENT.id, client_secret: STRICT_AGENT.secret };
  const machine = decodeJwt(((await (await tokenCall(issuer, agent)).json()) as TokenSet).access_token);
  const clientId = await registerClient(server.url, STRICT);
  const grant = await authorize(issuer, clientId, { email: ADA.email, password: ADA.password }, { scope: 'strict:read offline_access' });
  const tokens = (await (await exchange(issuer, clientId, grant)).json()) as TokenSet;
  const user = decodeJwt(tokens.access_token);
  const refreshed = decodeJwt(((await (await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId })).json()) as TokenSet).access_token);

  expect(machine.header).toEqual({ alg: 'RS256', kid: expect.stringMatching(/^snk_/), typ: 'at+jwt' });
  for (const token of [user, refreshed]) expect(token.header).toEqual(machine.header);
  const registered = ['iss', 'sub', 'client_id', 'aud', 'oid', 'resid', 'scope', 'scopes', 'jti', 'iat', 'nbf', 'exp'];
  expect(Object.keys(machine.payload).sort()).toEqual([...registered, 'team'].sort());
  // A user's token adds the session and how the person signed in (RFC 9068 §2.2.1), whichever grant.
  for (const token of [user, refreshed]) expect(Object.keys(token.payload).sort()).toEqual([...registered, 'sid', 'auth_time', 'amr'].sort());
  for (const claim of ['iss', 'aud', 'resid'] as const) expect(user.payload[claim]).toEqual(machine.payload[claim]);
  expect(machine.payload).toMatchObject({ iss: issuer, aud: ['http://localhost:3004/', STRICT] });
  await server.app.store.issuedTokens.flush();
  expect(await server.app.store.issuedTokens.get(String(refreshed.payload.jti))).toMatchObject({ grantType: 'refresh_token', clientId, subject: ADA.id });
});

it('gives the tokens of token exchange and of an ID-JAG the same header and claims as every grant, from the same writer', async () => {
  const strictIssuer = `${server.url}/resources/${STRICT}`;
  const caller = { actor: 'test' };
  await server.app.management.resources.update(caller, STRICT, { xaaEnabled: true, tokenExchange: { acceptFrom: [RES] } });
  const machine = decodeJwt(((await (await tokenCall(strictIssuer, { grant_type: 'client_credentials', client_id: STRICT_AGENT.id, client_secret: STRICT_AGENT.secret })).json()) as TokenSet).access_token);

  // Token exchange: Ada's token for Todo, presented by Todo's own confidential client at Strict's issuer.
  const todoBackend = await server.app.management.clients.createResourceClient(caller, RES, { name: 'Todo backend' });
  const todoIssuer = `${server.url}/resources/${RES}`;
  const host = await registerClient(server.url, RES);
  const grant = await authorize(todoIssuer, host, { email: ADA.email, password: ADA.password }, { scope: 'todo:read' });
  const subject = ((await (await exchange(todoIssuer, host, grant)).json()) as TokenSet).access_token;
  const exchanged = await tokenCall(strictIssuer, {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subject,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    client_id: todoBackend.client.clientId,
    client_secret: todoBackend.plainSecret,
  });
  expect(exchanged.status).toBe(200);
  const delegated = decodeJwt(((await exchanged.json()) as TokenSet).access_token);

  // An ID-JAG: Ada signs in at the environment (its ID token), which then vouches for her at Strict.
  const signIn = await authorize(server.url, ENV_CLIENT.id, { email: ADA.email, password: ADA.password }, { scope: 'openid', redirect_uri: WEB_APP_CALLBACK });
  const signedIn = (await (await tokenCall(server.url, { grant_type: 'authorization_code', code: signIn.code, code_verifier: signIn.verifier, redirect_uri: WEB_APP_CALLBACK, client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret })).json()) as TokenSet;
  const idJag = (await (
    await tokenCall(server.url, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: signedIn.id_token!,
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
      audience: strictIssuer,
      client_id: ENV_CLIENT.id,
      client_secret: ENV_CLIENT.secret,
    })
  ).json()) as TokenSet;
  const vouched = decodeJwt(((await (await tokenCall(strictIssuer, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: idJag.access_token, client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret })).json()) as TokenSet).access_token);

  const registered = ['iss', 'sub', 'client_id', 'aud', 'oid', 'resid', 'scope', 'scopes', 'jti', 'iat', 'nbf', 'exp'];
  for (const token of [delegated, vouched]) {
    expect(token.header).toEqual(machine.header);
    for (const claim of ['iss', 'aud', 'resid'] as const) expect(token.payload[claim]).toEqual(machine.payload[claim]);
    expect(token.payload.sub).toBe(ADA.id);
  }
  // Exchanged: the person's session carried over (a Scalekit-profile subject token says nothing of how they
  // signed in, so no auth_time or amr), and who acts; vouched for: no session here.
  expect(Object.keys(delegated.payload).sort()).toEqual([...registered, 'sid', 'act'].sort());
  expect(Object.keys(vouched.payload).sort()).toEqual([...registered].sort());

  await server.app.store.issuedTokens.flush();
  const audit = (jti: unknown) => server.app.store.issuedTokens.get(String(jti));
  expect(await audit(delegated.payload.jti)).toMatchObject({ grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', clientId: todoBackend.client.clientId, subject: ADA.id });
  expect(await audit(vouched.payload.jti)).toMatchObject({ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer', clientId: ENV_CLIENT.id, subject: ADA.id });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toContain('scalekit_emulator_tokens_issued_total{grant_type="urn:ietf:params:oauth:grant-type:token-exchange",client_kind="resource"} 1');
  expect(metrics).toContain('scalekit_emulator_tokens_issued_total{grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",client_kind="environment"} 1');
});
