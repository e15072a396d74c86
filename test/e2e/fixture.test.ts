// The in-process fixture, as a user's test suite uses it.
import { ScalekitClient } from '@scalekit-sdk/node';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, withEmulator, type BrokenKind, type Emulator } from '../../src/index.js';
import { authorizationUrl, pkce, registerClient } from '../helpers/code-flow.js';
import { FormSteps } from '../helpers/form-steps.js';

const TODO = 'http://localhost:3002/';
const AGENT = 'm2morg_10000000000000001';

let em: Emulator;
let scalekit: ScalekitClient;
beforeAll(async () => {
  em = await startEmulator({ keys: 'fixed' });
  scalekit = new ScalekitClient(em.environment.url, em.environment.clientId, em.environment.clientSecret);
});
afterAll(() => em.close());

const tokenFor = async (target: Emulator, form: Record<string, string>) =>
  fetch(target.urls.token, { method: 'POST', body: new URLSearchParams(form) });

describe('startEmulator()', () => {
  it('starts bare with the demo seed, its URLs and credentials usable at once', async () => {
    const res = await tokenFor(em, { grant_type: 'client_credentials', client_id: AGENT, client_secret: em.clientSecret(AGENT) });
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    await expect(scalekit.validateToken(access_token, { audience: [TODO], requiredScopes: ['todo:read'] })).resolves.toBeTruthy();
    expect(em.urls.resourceIssuer('res_10000000000000001')).toBe(`${em.url}/resources/res_10000000000000001`);
    expect(await em.protectedResourceMetadata('res_10000000000000001')).toEqual({
      authorization_servers: [`${em.url}/resources/res_10000000000000001`],
      bearer_methods_supported: ['header'],
      resource: TODO,
      resource_documentation: 'http://localhost:3002/docs',
      scopes_supported: ['todo:read', 'todo:write'],
    });
  });

  it('runs several emulators in one process, fully independent', async () => {
    const a = await startEmulator({ keys: 'fixed' });
    const b = await startEmulator();
    try {
      expect(a.url).not.toBe(b.url);
      expect(a.environment.clientId).not.toBe(b.environment.clientId);
      const kidA = ((await (await fetch(a.urls.keys)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
      const kidB = ((await (await fetch(b.urls.keys)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
      expect(kidA).not.toBe(kidB);
      // a's secret is not b's
      const res = await tokenFor(b, { grant_type: 'client_credentials', client_id: AGENT, client_secret: a.clientSecret(AGENT) });
      expect(res.status).toBe(401);
      a.clock.advance('1d');
      expect(Math.abs(b.clock.now() - Date.now())).toBeLessThan(1000);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('withEmulator closes the emulator even when the test throws', async () => {
    let url = '';
    await expect(
      withEmulator({ keys: 'fixed' }, async (e) => {
        url = e.url;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(fetch(`${url}/health`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });
});

describe('mintToken()', () => {
  it('mints a token the Scalekit SDK accepts, for a client and a resource, shaped as the token endpoint issues one', async () => {
    const token = await em.mintToken({ clientId: AGENT, resource: 'res_10000000000000001', scopes: ['todo:read'], claims: { team: 'qa' } });
    const claims = await scalekit.validateToken<Record<string, unknown>>(token, { audience: [TODO], requiredScopes: ['todo:read'] });
    // Compared with what the server issues for the same client and MCP server, not with literals.
    const res = await fetch(`${em.urls.resourceIssuer('res_10000000000000001')}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: AGENT, client_secret: em.clientSecret(AGENT), scope: 'todo:read' }),
    });
    const issued = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    for (const claim of ['iss', 'sub', 'client_id', 'aud', 'oid', 'resid', 'scope', 'scopes'] as const) expect(claims[claim]).toEqual(issued[claim]);
    expect(Object.keys(claims).sort()).toEqual([...Object.keys(issued), 'team'].sort());
    expect(claims.team).toBe('qa');
  });

  it('honours expiresIn as seconds or a duration', async () => {
    for (const [expiresIn, seconds] of [[90, 90], ['15m', 900]] as const) {
      const p = decodeJwt(await em.mintToken({ expiresIn }));
      expect(p.exp! - p.iat!).toBe(seconds);
    }
  });

  const verify = async (token: string) => {
    const jwks = createLocalJWKSet((await (await fetch(em.urls.keys)).json()) as { keys: [] });
    return jwtVerify(token, jwks, { issuer: em.url, audience: TODO });
  };

  it.each<[BrokenKind, RegExp]>([
    ['expired', /"exp" claim timestamp check failed/],
    ['not-yet-valid', /"nbf" claim timestamp check failed/],
    ['wrong-audience', /unexpected "aud" claim value/],
    ['wrong-issuer', /unexpected "iss" claim value/],
    ['bad-signature', /signature verification failed/],
    ['unknown-kid', /no applicable key found/],
    ['alg-none', /^Unsupported "alg" value for a JSON Web Key Set$/],
  ])('broken: %s is rejected by a standard verifier', async (broken, message) => {
    await expect(verify(await em.mintToken({ clientId: AGENT, broken }))).rejects.toThrow(message);
  });

  it('broken: missing-scopes verifies but fails the SDK scope check', async () => {
    const token = await em.mintToken({ clientId: AGENT, broken: 'missing-scopes' });
    await verify(token);
    expect(decodeJwt(token)).not.toHaveProperty('scopes');
    await expect(scalekit.validateToken(token, { audience: [TODO], requiredScopes: ['todo:read'] })).rejects.toThrow(/scope/i);
  });

  it('unknown-kid is signed with a key /keys never lists', async () => {
    const token = await em.mintToken({ broken: 'unknown-kid' });
    const { keys } = (await (await fetch(em.urls.keys)).json()) as { keys: { kid: string }[] };
    expect(keys.map((k) => k.kid)).not.toContain(decodeProtectedHeader(token).kid);
  });

  it('rejects an unknown resource with a clear error', async () => {
    await expect(em.mintToken({ resource: 'res_404' })).rejects.toThrow(/no MCP server res_404/);
  });
});

describe('clock', () => {
  it("moves the iat/exp of issued tokens, so an SDK sees them expire without sleeping", async () => {
    em.clock.set(Date.now() - 2 * 3600_000); // two hours ago
    try {
      const res = await tokenFor(em, { grant_type: 'client_credentials', client_id: AGENT, client_secret: em.clientSecret(AGENT) });
      const { access_token } = (await res.json()) as { access_token: string };
      expect(decodeJwt(access_token).exp! * 1000).toBeLessThan(Date.now());
      await expect(scalekit.validateToken(access_token, { audience: [TODO] })).rejects.toThrow(/exp/);
    } finally {
      em.clock.reset();
    }
  });

  it('advance() parses durations and rejects nonsense', () => {
    const before = em.clock.now();
    expect(em.clock.advance('2h') - before).toBeGreaterThanOrEqual(2 * 3600_000);
    em.clock.reset();
    expect(() => em.clock.advance('soon')).toThrow(/not a duration/);
  });
});

describe('requests() and reset()', () => {
  it('records requests with parameters but never secrets', async () => {
    await em.reset();
    await tokenFor(em, { grant_type: 'client_credentials', client_id: AGENT, client_secret: em.clientSecret(AGENT), scope: 'todo:read' });
    const [req] = em.requests();
    expect(req).toMatchObject({ method: 'POST', path: '/oauth/token', status: 200, params: { grant_type: 'client_credentials', client_id: AGENT, scope: 'todo:read' } });
    expect(JSON.stringify(em.requests())).not.toContain(em.clientSecret(AGENT));
  });

  it('reset() forgets requests and clock moves, and keeps the seeded secrets', async () => {
    await tokenFor(em, { grant_type: 'client_credentials', client_id: AGENT, client_secret: em.clientSecret(AGENT) });
    em.clock.advance('1h');
    await em.reset();
    expect(em.requests()).toEqual([]);
    expect(Math.abs(em.clock.now() - Date.now())).toBeLessThan(1000);
    const res = await tokenFor(em, { grant_type: 'client_credentials', client_id: AGENT, client_secret: em.clientSecret(AGENT) });
    expect(res.status).toBe(200);
  });
});

describe('reset() and the sign-in pause', () => {
  it('ends a pause that wrong passwords caused, so the next test can sign the user in', async () => {
    const res = 'res_10000000000000001';
    // A fresh DCR client each time: reset() removes what was registered since start.
    const steps = async () => {
      const client = await registerClient(em.url, res);
      const s = new FormSteps();
      await s.open(authorizationUrl(`${em.url}/resources/${res}`, { client_id: client, code_challenge: pkce().challenge }));
      await s.submit('/identify', { email: 'demo@example.com', method: 'password' });
      return s;
    };
    const guessing = await steps();
    for (let i = 0; i < 5; i++) expect((await guessing.post('/login', { password: `wrong-${i}` })).status).toBe(401);
    expect((await guessing.post('/login', { password: 'emulator-password' })).status).toBe(429);
    await em.reset();
    expect((await (await steps()).post('/login', { password: 'emulator-password' })).status).toBe(303);
  });
});

describe('authorize()', () => {
  it('runs the real code flow for a user and returns tokens the Scalekit SDK accepts', async () => {
    const tokens = await em.authorize({ scopes: ['todo:read', 'offline_access'] });
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(tokens.refresh_token).toBeDefined();
    const claims = await scalekit.validateToken<Record<string, unknown>>(tokens.access_token, { audience: [TODO], requiredScopes: ['todo:read'] });
    expect(claims).toMatchObject({ sub: 'usr_10000000000000001', aud: [TODO, 'res_10000000000000001'], resid: 'res_10000000000000001' });
    expect(claims.client_id).toMatch(/^m2m_\d{17}$/);
    // It went through the server: the request log shows the authorization and the code exchange.
    const paths = em.requests().map((r) => r.path);
    expect(paths).toContain('/resources/res_10000000000000001/oauth/authorize');
    expect(paths).toContain('/resources/res_10000000000000001/oauth/token');
  });

  it('moves with the fixture clock, whatever the grant', async () => {
    em.clock.set(Date.now() - 2 * 3600_000);
    try {
      const { access_token } = await em.authorize({ scopes: ['todo:read'] });
      expect(decodeJwt(access_token).exp! * 1000).toBeLessThan(Date.now());
      await expect(scalekit.validateToken(access_token, { audience: [TODO] })).rejects.toThrow('"exp" claim timestamp check failed');
    } finally {
      em.clock.reset();
    }
  });

  it('moves the ID token with the fixture clock too (re-stamped and signed with the key that signed it)', async () => {
    const jwks = createLocalJWKSet((await (await fetch(`${em.url}/keys`)).json()) as { keys: [] });
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const moved = em.clock.set(Date.now() - 2 * 3600_000);
    try {
      const { id_token, access_token } = await em.authorize({ scopes: ['openid', 'todo:read'] });
      const after = em.clock.now();
      const { payload, protectedHeader } = await jwtVerify(id_token!, jwks, { currentDate: new Date(moved) });
      expect(protectedHeader).toEqual({ alg: 'RS256', kid: decodeProtectedHeader(access_token).kid });
      // Both were stamped while the clock ran from `moved` to `after` (two reads, maybe a second's
      // boundary apart). oidc-provider stamps the ID token in whole real seconds, so moved by whole
      // seconds it may land one second to either side of the moved clock's reading.
      expect(decodeJwt(access_token).iat).toBeGreaterThanOrEqual(seconds(moved));
      expect(decodeJwt(access_token).iat).toBeLessThanOrEqual(seconds(after));
      expect(payload.iat).toBeGreaterThanOrEqual(seconds(moved) - 1);
      expect(payload.iat).toBeLessThanOrEqual(seconds(after) + 1);
      await expect(jwtVerify(id_token!, jwks)).rejects.toThrow('"exp" claim timestamp check failed');
    } finally {
      em.clock.reset();
    }
    // On the real clock the provider's own ID token is handed out as it is.
    const before = seconds(Date.now());
    const { id_token } = await em.authorize({ scopes: ['openid', 'todo:read'] });
    expect(decodeJwt(id_token!).iat).toBeGreaterThanOrEqual(before);
    expect(decodeJwt(id_token!).iat).toBeLessThanOrEqual(seconds(Date.now()));
  });

  it('names what it cannot find', async () => {
    await expect(em.authorize({ user: 'nobody@example.com' })).rejects.toThrow('no user nobody@example.com in this emulator');
    await expect(em.authorize({ resource: 'res_404' })).rejects.toThrow('no MCP server res_404 in this emulator');
    await expect(em.authorize({ scopes: ['todo:delete'] })).rejects.toThrow('authorization failed: invalid_scope');
  });

  it('keeps working after reset()', async () => {
    await em.authorize();
    await em.reset();
    expect((await em.authorize()).access_token).toBeTruthy();
  });
});

describe('approveDevice() and denyDevice()', () => {
  const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
  let device: Emulator;
  let issuer: string;
  let cli: string;
  beforeAll(async () => {
    device = await startEmulator({
      keys: 'fixed',
      seed: {
        resources: [{ id: 'res_10000000000000001', name: 'Todo', resource_id: TODO, enable_device_flow: true, scopes: [{ name: 'todo:read', description: 'Read' }] }],
        users: [
          { id: 'usr_10000000000000001', email: 'demo@example.com', name: 'Demo' },
          { id: 'usr_10000000000000002', email: 'ada@example.com', name: 'Ada' },
        ],
      },
    });
    issuer = device.urls.resourceIssuer('res_10000000000000001');
    cli = await registerClient(device.url, 'res_10000000000000001', { client_name: 'CLI', grant_types: [DEVICE_GRANT], redirect_uris: [] });
  });
  afterAll(() => device.close());

  const start = async () => {
    const res = await fetch(`${issuer}/oauth/device/code`, { method: 'POST', body: new URLSearchParams({ client_id: cli }) });
    return (await res.json()) as { device_code: string; user_code: string };
  };
  const poll = async (deviceCode: string) => {
    const res = await fetch(`${issuer}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: cli }) });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  it('approveDevice(userCode) signs the first user in on the real user-code page and allows access: the device’s next poll gets a token the Scalekit SDK accepts', async () => {
    const { device_code, user_code } = await start();
    await device.approveDevice(user_code);
    const { status, body } = await poll(device_code);
    expect(status).toBe(200);
    const sdk = new ScalekitClient(device.environment.url, device.environment.clientId, device.environment.clientSecret);
    const claims = await sdk.validateToken<Record<string, unknown>>(body.access_token!, { audience: [TODO], requiredScopes: ['todo:read'] });
    expect(claims).toMatchObject({ sub: 'usr_10000000000000001', client_id: cli, resid: 'res_10000000000000001' });
    expect(device.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toContain('GET /resources/res_10000000000000001/device 200');
    // Neither code is recorded: the device code is the device's credential, the user code grants it.
    expect(JSON.stringify(device.requests())).not.toContain(device_code);
    expect(JSON.stringify(device.requests())).not.toContain(user_code);
  });

  it('{ user } by email or id; the user code as typed (any case, any separator)', async () => {
    const { device_code, user_code } = await start();
    await device.approveDevice(user_code.toLowerCase().replace('-', ' '), { user: 'ada@example.com' });
    expect(decodeJwt((await poll(device_code)).body.access_token!).sub).toBe('usr_10000000000000002');
  });

  it('denyDevice(userCode): the device’s next poll is access_denied', async () => {
    const { device_code, user_code } = await start();
    await device.denyDevice(user_code);
    expect(await poll(device_code)).toEqual({ status: 400, body: { error: 'access_denied', error_description: 'End-User aborted interaction' } });
  });

  it('names what it cannot do: an unknown code or user, a code that expired on the fixture clock', async () => {
    await expect(device.approveDevice('BCDF-GHJK')).rejects.toThrow('no device authorization with user code BCDF-GHJK in this emulator');
    const { user_code } = await start();
    await expect(device.approveDevice(user_code, { user: 'nobody@example.com' })).rejects.toThrow('no user nobody@example.com in this emulator');
    device.clock.advance('601s');
    try {
      await expect(device.approveDevice(user_code)).rejects.toThrow(/^the device authorization was not approved: HTTP 400: .*That code has expired\./);
    } finally {
      device.clock.reset();
    }
  });
});
