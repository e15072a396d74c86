// One token pipeline: whatever grant issued it, an access token for an MCP server has the same header and
// the same claims (plus the user's for a user token), from the same claims function and audit writer.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorize, exchange, registerClient, type TokenSet } from '../helpers/code-flow.js';
import { ADA, AGENT, decodeJwt, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const RES = 'res_20000000000000001';
beforeAll(async () => {
  server = await startTestServer();
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

  server.app.store.issuedTokens.flush();
  const audit = (jti: unknown) => server.app.store.issuedTokens.get(String(jti));
  expect(audit(machine.payload.jti)).toMatchObject({ grantType: 'client_credentials', clientId: AGENT.id, audience: ['http://localhost:3002/', RES] });
  expect(audit(user.payload.jti)).toMatchObject({ grantType: 'authorization_code', clientId, subject: ADA.id, audience: ['http://localhost:3002/', RES] });

  // The same writer counts them for /metrics.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toContain('scalekit_emulator_tokens_issued_total{grant_type="client_credentials",client_kind="organization"} 1');
  expect(metrics).toContain('scalekit_emulator_tokens_issued_total{grant_type="authorization_code",client_kind="dcr"} 1');
});
