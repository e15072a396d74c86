// Deterministic runs: startEmulator({ ids: 'sequential' }) gives the same ids, jtis, kids and secrets on
// every run (a snapshot of one run equals the next), per emulator and again after reset(); and
// waitForRequest lets a test wait for what the emulator receives instead of sleeping.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { environmentToken } from '../helpers/management.js';
import { clientCredentialsToken } from '../helpers/server.js';

const AGENT = 'm2morg_10000000000000001';
const RES = 'res_10000000000000001';

/** What a test suite might snapshot: the credentials, ids and token claims one scenario produces. */
async function scenario(em: Emulator) {
  const token = () => clientCredentialsToken(em.url, { id: AGENT, secret: em.clientSecret(AGENT) });
  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${em.url}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await environmentToken(em.url, { id: em.environment.clientId, secret: em.environment.clientSecret })}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const first = await token();
  const { client, plain_secret } = (await api('/organizations/org_10000000000000001/clients', { name: 'Snapshot agent', scopes: ['todo:read'] })) as {
    client: { client_id: string };
    plain_secret: string;
  };
  const { user } = (await api('/organizations/org_10000000000000001/users', { email: 'grace@example.com' })) as { user: { id: string } };
  const dcr = (await (
    await fetch(`${em.url}/api/v1/resources/${RES}/clients:register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'client_secret_post' }),
    })
  ).json()) as { client_id: string; client_secret: string };
  const userToken = (await em.authorize({ resource: RES, scopes: ['todo:read'] })).access_token;
  return {
    environment: em.environment.clientId,
    environmentSecret: em.environment.clientSecret,
    seededSecret: em.clientSecret(AGENT),
    kid: decodeProtectedHeader(first).kid,
    jtis: [decodeJwt(first).jti, decodeJwt(await token()).jti, decodeJwt(userToken).jti],
    sid: decodeJwt(userToken).sid,
    client: client.client_id,
    secret: plain_secret,
    user: user.id,
    dcr: [dcr.client_id, dcr.client_secret],
  };
}

describe("startEmulator({ ids: 'sequential' })", () => {
  it('two runs of one scenario produce the same ids, jtis, kid and secrets, in the Scalekit formats', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const em = await startEmulator({ ids: 'sequential' }); // generated keys: the kid is sequential too
      try {
        runs.push(await scenario(em));
      } finally {
        await em.close();
      }
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]).toEqual({
      environment: 'skc_90000000000000001',
      environmentSecret: expect.stringMatching(/^[\w-]{43}$/),
      seededSecret: expect.stringMatching(/^[\w-]{43}$/),
      kid: 'snk_90000000000000001',
      // The agent's, then (after two environment tokens for the API calls) the user's and the agent's again.
      jtis: ['tkn_90000000000000001', 'tkn_90000000000000005', 'tkn_90000000000000004'],
      sid: 'ses_90000000000000001',
      client: 'm2morg_90000000000000001',
      secret: expect.stringMatching(/^[\w-]{43}$/),
      user: 'usr_90000000000000001',
      dcr: [expect.stringMatching(/^m2m_9\d{16}$/), expect.stringMatching(/^[\w-]{43}$/)],
    });
    expect(new Set([runs[0]!.environmentSecret, runs[0]!.seededSecret, runs[0]!.secret, runs[0]!.dcr[1]]).size).toBe(4);
  });

  it('starts the sequences again at reset(), and two emulators in one process never share one', async () => {
    const a = await startEmulator({ ids: 'sequential', keys: 'fixed' });
    const b = await startEmulator({ ids: 'sequential', keys: 'fixed' });
    try {
      const before = await scenario(a);
      expect((await scenario(b)).jtis).toEqual(before.jtis); // b's sequence did not move with a's
      await a.reset();
      expect(await scenario(a)).toEqual(before);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('is off by default: ids and secrets are random', async () => {
    const [a, b] = [await startEmulator({ keys: 'fixed' }), await startEmulator({ keys: 'fixed' })];
    try {
      expect(a.environment.clientId).toMatch(/^skc_\d{17}$/);
      expect(a.environment.clientId).not.toBe(b.environment.clientId);
      expect(a.clientSecret(AGENT)).not.toBe(b.clientSecret(AGENT));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('waitForRequest', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await startEmulator({ keys: 'fixed' });
  });
  afterAll(() => em.close());

  it('resolves with a request already received, and with one still to come', async () => {
    await fetch(em.urls.keys);
    expect(await em.waitForRequest((r) => r.path === '/keys')).toMatchObject({ method: 'GET', path: '/keys', status: 200 });
    const next = em.waitForRequest((r) => r.path === '/.well-known/openid-configuration');
    await fetch(em.urls.openidConfiguration);
    expect(await next).toMatchObject({ path: '/.well-known/openid-configuration' });
  });

  it('sees a request again once answered, so a test can wait for its status', async () => {
    em.faults.stall('/oauth/token', { times: 1 });
    const answered = em.waitForRequest((r) => r.path === '/oauth/token' && r.status === 401);
    const pending = fetch(em.urls.token, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: AGENT, client_secret: 'wrong' }) });
    const arrived = await em.waitForRequest((r) => r.path === '/oauth/token');
    expect(arrived.status).toBeUndefined();
    em.faults.list()[0]!.release();
    expect(await answered).toMatchObject({ path: '/oauth/token', status: 401, params: { grant_type: 'client_credentials', client_id: AGENT } });
    expect((await pending).status).toBe(401);
  });

  it('rejects after its timeout, naming the last requests', async () => {
    await expect(em.waitForRequest((r) => r.path === '/never', { timeout: 20 })).rejects.toThrow(/^waitForRequest: no matching request within 20 ms \(the last ones: .*GET \/keys 200/);
  });

  it('rejects when its predicate throws, and the request is answered all the same', async () => {
    const wait = em.waitForRequest((r) => {
      if (r.path === '/health') throw new Error('predicate failed');
      return false;
    });
    const rejected = expect(wait).rejects.toThrow('predicate failed');
    expect((await fetch(`${em.url}/health`)).status).toBe(200);
    await rejected;
  });
});
