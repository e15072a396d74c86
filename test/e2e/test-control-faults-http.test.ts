// Faults, key rotation and token revocation over HTTP (TEST_CONTROL=1, guarded by TEST_CONTROL_TOKEN), as
// a test suite in another language drives them: /_emulator/faults, /_emulator/keys:rotate,
// /_emulator/tokens:revoke and :expire. Bad input is a 400 naming the field, and changes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AGENT, basic, clientCredentialsToken, decodeJwt, ENV_CLIENT, postForm, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

const CONTROL_TOKEN = 'control-token-0123456789abcdef';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TEST_CONTROL: '1', TEST_CONTROL_TOKEN: CONTROL_TOKEN } });
});
afterAll(() => server.close());
beforeEach(async () => {
  expect((await control('POST', '/_emulator/reset')).status).toBe(200);
});

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${CONTROL_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const agentToken = () => tokenRequest(server.url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret });
const issued = () => clientCredentialsToken(server.url, AGENT);
// Asks the server until the fault holds a request: a wait without sleeping.
async function untilHeld(id: string): Promise<void> {
  for (;;) {
    const faults = (await control('GET', '/_emulator/faults')).body.faults as { id: string; held: number }[];
    if (faults.find((f) => f.id === id)?.held) return;
  }
}
const active = async (token: string) =>
  ((await (await postForm(server.url, '/oauth/introspect', { token }, { authorization: basic(ENV_CLIENT.id, ENV_CLIENT.secret) })).json()) as { active: boolean }).active;

describe('/_emulator/faults', () => {
  it('POST arms the fault of the issue: the token endpoint answers 503 twice, then works; GET shows how often it fired; DELETE clears', async () => {
    const armed = await control('POST', '/_emulator/faults', { endpoint: '/oauth/token', status: 503, error: 'temporarily_unavailable', times: 2 });
    expect(armed).toEqual({
      status: 201,
      body: { id: 'fault_1', endpoint: '/oauth/token', status: 503, error: 'temporarily_unavailable', times: 2, remaining: 2, fired: 0, held: 0 },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await agentToken()).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(await control('GET', '/_emulator/faults')).toEqual({ status: 200, body: { faults: [{ ...armed.body, remaining: 0, fired: 2 }] } });
    expect(await control('DELETE', '/_emulator/faults')).toEqual({ status: 200, body: { cleared: 1 } });
    expect((await control('GET', '/_emulator/faults')).body).toEqual({ faults: [] });
  });

  it('{"endpoint": "/keys", "stall": true} holds /keys until POST …/release', async () => {
    const { body: fault } = await control('POST', '/_emulator/faults', { endpoint: '/keys', stall: true });
    const pending = fetch(`${server.url}/keys`);
    await untilHeld(String(fault.id));
    const released = await control('POST', `/_emulator/faults/${String(fault.id)}/release`);
    expect(released).toMatchObject({ status: 200, body: { id: fault.id, fired: 1, held: 0, remaining: 0 } });
    expect((await pending).status).toBe(200);
  });

  it('{"endpoint": "/keys", "delay_ms": 100} answers /keys after the delay', async () => {
    await control('POST', '/_emulator/faults', { endpoint: '/keys', delay_ms: 100, times: 1 });
    const started = performance.now();
    expect((await fetch(`${server.url}/keys`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('DELETE /_emulator/faults/<id> clears one; an unknown id is 404', async () => {
    const { body: first } = await control('POST', '/_emulator/faults', { endpoint: '/userinfo', status: 500 });
    await control('POST', '/_emulator/faults', { endpoint: '/keys', status: 500 });
    expect(await control('DELETE', `/_emulator/faults/${String(first.id)}`)).toMatchObject({ status: 200, body: { cleared: 1, fault: { id: first.id } } });
    expect(((await control('GET', '/_emulator/faults')).body.faults as { endpoint: string }[]).map((f) => f.endpoint)).toEqual(['/keys']);
    expect(await control('DELETE', '/_emulator/faults/fault_99')).toEqual({ status: 404, body: { error: 'not_found', error_description: 'no fault fault_99' } });
    expect((await control('POST', '/_emulator/faults/fault_99/release')).status).toBe(404);
  });

  it('POST /_emulator/reset clears every fault', async () => {
    await control('POST', '/_emulator/faults', { endpoint: '/oauth/token', status: 503 });
    await control('POST', '/_emulator/reset');
    expect((await agentToken()).status).toBe(200);
  });

  it.each([
    [{ endpoint: '/oauth/tokens', status: 503 }, /^endpoint: \/oauth\/tokens is not an endpoint a fault can target; one of /],
    [{ endpoint: '/oauth/token', status: 503, times: -1 }, /^times: must be 1 or more$/],
    [{ endpoint: '/oauth/token', delay_ms: -5 }, /^delay_ms: must be 0 or more$/],
    [{ endpoint: '/oauth/token', delay_ms: '5s' }, /^delay_ms: must be a number$/],
    [{ endpoint: '/oauth/token' }, /^status: a fault needs a status, a delay_ms or stall: true$/],
    [{ endpoint: '/keys', stall: true, delay_ms: 10 }, /^stall: takes neither delay_ms nor status: a stalled request waits until released, then goes on unharmed$/],
    [{ endpoint: '/keys', stall: true, status: 503 }, /^stall: takes neither delay_ms nor status/],
    [{ endpoint: '/oauth/token', status: 503, colour: 'red' }, /^body: Unrecognized key: "colour"$/],
    [{ status: 503 }, /^endpoint: is required/],
  ])('400 invalid_request naming the field for %j, and nothing armed', async (fault, message) => {
    const res = await control('POST', '/_emulator/faults', fault);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(message);
    expect((await control('GET', '/_emulator/faults')).body).toEqual({ faults: [] });
  });

  it('needs the TEST_CONTROL_TOKEN like every /_emulator/* route', async () => {
    const res = await fetch(`${server.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"endpoint":"/keys","status":500}' });
    expect(res.status).toBe(401);
    expect((await fetch(`${server.url}/keys`)).status).toBe(200);
  });
});

describe('POST /_emulator/keys:rotate', () => {
  it('publishes a new key that signs the next token; the old one stays in /keys', async () => {
    const oldKid = decodeJwt(await issued()).header.kid;
    const rotated = await control('POST', '/_emulator/keys:rotate');
    expect(rotated).toMatchObject({ status: 201, body: { kid: expect.stringMatching(/^snk_\d{17}$/), activate_time: expect.any(String), previous_keys_retire_time: expect.any(String) } });
    const kids = ((await (await fetch(`${server.url}/keys`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(kids).toEqual([rotated.body.kid, oldKid]);
    expect(decodeJwt(await issued()).header.kid).toBe(rotated.body.kid);
    expect((await control('POST', '/_emulator/keys:rotate', { switch_after_seconds: 5 })).body.error_description).toBe('body: Unrecognized key: "switch_after_seconds"');
  });
});

describe('POST /_emulator/tokens:revoke and :expire', () => {
  it('revoke {"jti"} makes introspection say inactive; expire {"client_id"} ends the others', async () => {
    const [revoked, expired] = [await issued(), await issued()];
    expect(await control('POST', '/_emulator/tokens:revoke', { jti: decodeJwt(revoked).payload.jti })).toEqual({ status: 200, body: { revoked: { access_tokens: 1, grants: 0 } } });
    expect([await active(revoked), await active(expired)]).toEqual([false, true]);
    expect(await control('POST', '/_emulator/tokens:expire', { client_id: AGENT.id })).toEqual({ status: 200, body: { expired: { access_tokens: 1, refresh_tokens: 0 } } });
    expect(await active(expired)).toBe(false);
  });

  it.each([
    ['/_emulator/tokens:revoke', { jti: 'tkn_404' }, 'jti: no live access or refresh token tkn_404 in this emulator'],
    ['/_emulator/tokens:revoke', { client_id: 'm2morg_404' }, 'client_id: no client m2morg_404 in this emulator'],
    ['/_emulator/tokens:expire', { user_id: 'usr_404' }, 'user_id: no user usr_404 in this emulator'],
    ['/_emulator/tokens:expire', {}, 'body: name exactly one of jti, client_id, user_id'],
    ['/_emulator/tokens:revoke', { jti: 'tkn_1', client_id: AGENT.id }, 'body: name exactly one of jti, client_id, user_id'],
  ])('%s %j: 400 naming the field', async (path, body, description) => {
    const token = await issued();
    expect(await control('POST', path, body)).toEqual({ status: 400, body: { error: 'invalid_request', error_description: description } });
    expect(await active(token)).toBe(true);
  });
});
