// The fixture's controls over what the emulator issued: revoke or expire a token by its jti, a client's
// tokens, a user's grants; rotate the signing key now. What changed is read back as a client sees it:
// introspection, the refresh grant, /keys, the Scalekit SDK, the audit log.
import { ScalekitClient, ScalekitValidateTokenFailureException } from '@scalekit-sdk/node';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlInputError, startEmulator, type Emulator } from '../../src/index.js';
import { clientCredentialsToken } from '../helpers/server.js';

const AGENT = 'm2morg_10000000000000001';
const RES = 'res_10000000000000001';
const USER = 'demo@example.com';
const TODO = 'http://localhost:3002/';

let em: Emulator;
beforeAll(async () => {
  em = await startEmulator({ keys: 'fixed' });
});
afterAll(() => em.close());
beforeEach(() => em.reset());

const agentToken = () => clientCredentialsToken(em.url, { id: AGENT, secret: em.clientSecret(AGENT) });
const environmentToken = () => clientCredentialsToken(em.url, { id: em.environment.clientId, secret: em.environment.clientSecret });
const active = async (token: string, issuer = em.url) => {
  const res = await fetch(`${issuer}/oauth/introspect`, {
    method: 'POST',
    body: new URLSearchParams({ token, client_id: em.environment.clientId, client_secret: em.environment.clientSecret }),
  });
  return ((await res.json()) as { active: boolean }).active;
};
const refresh = (refreshToken: string, clientId: string) =>
  fetch(`${em.urls.resourceIssuer(RES)}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }) });
const userTokens = async () => {
  const tokens = await em.authorize({ resource: RES, user: USER, scopes: ['todo:read', 'offline_access'] });
  return { ...tokens, clientId: String(decodeJwt(tokens.access_token).client_id) };
};

describe('revoke', () => {
  it('one access token by its jti: introspection says inactive, the client’s other tokens stay active', async () => {
    const [revoked, kept] = [await agentToken(), await agentToken()];
    expect(await em.revoke({ jti: String(decodeJwt(revoked).jti) })).toEqual({ accessTokens: 1, grants: 0 });
    expect([await active(revoked), await active(kept)]).toEqual([false, true]);
    // Offline validation cannot see it, as with Scalekit.
    const scalekit = new ScalekitClient(em.url, em.environment.clientId, em.environment.clientSecret);
    await expect(scalekit.validateToken(revoked, { audience: [TODO] })).resolves.toMatchObject({ sub: AGENT });
  });

  it('a refresh token by its jti (the token itself) ends its grant: refresh fails, the consent is gone', async () => {
    const { access_token, refresh_token, clientId } = await userTokens();
    expect(await em.revoke({ jti: refresh_token! })).toEqual({ accessTokens: 0, grants: 1 });
    const res = await refresh(refresh_token!, clientId);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect(await active(access_token)).toBe(false);
  });

  it('every token of a client, whichever grant issued them', async () => {
    const tokens = [await agentToken(), await agentToken(), await em.mintToken({ clientId: AGENT })];
    expect(await em.revoke({ clientId: AGENT })).toEqual({ accessTokens: 3, grants: 0 });
    for (const token of tokens) expect(await active(token)).toBe(false);
  });

  it('a user’s grants: consents revoked through the management service (audited), refresh tokens and access tokens ended', async () => {
    const { access_token, refresh_token, clientId } = await userTokens();
    const minted = await em.mintToken({ subject: 'usr_10000000000000001' });
    expect(await em.revoke({ userId: 'usr_10000000000000001' })).toEqual({ accessTokens: 2, grants: 1 });
    expect([await active(access_token), await active(minted)]).toEqual([false, false]);
    expect((await refresh(refresh_token!, clientId)).status).toBe(400);
    const events = (await (await fetch(`${em.url}/api/v1/audit-events?type=user_consent`, { headers: { authorization: `Bearer ${await environmentToken()}` } })).json()) as {
      events: { type: string; actor: string; client_id: string }[];
    };
    expect(events.events).toEqual([expect.objectContaining({ type: 'user_consent.revoked', actor: 'test-control', client_id: clientId })]);
  });
});

describe('expire', () => {
  it('an access token by its jti: inactive at introspection from now, the others untouched', async () => {
    const [expired, kept] = [await agentToken(), await agentToken()];
    expect(await em.expire({ jti: String(decodeJwt(expired).jti) })).toEqual({ accessTokens: 1, refreshTokens: 0 });
    expect([await active(expired), await active(kept)]).toEqual([false, true]);
  });

  it('a user’s tokens: refresh fails, but the grant stays, so the next authorization asks no consent', async () => {
    const { access_token, refresh_token, clientId } = await userTokens();
    expect(await em.expire({ userId: 'usr_10000000000000001' })).toEqual({ accessTokens: 1, refreshTokens: 1 });
    expect(await active(access_token)).toBe(false);
    const res = await refresh(refresh_token!, clientId);
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    const grants = (await (await fetch(`${em.url}/api/v1/user_consents?resource_id=${RES}`, { headers: { authorization: `Bearer ${await environmentToken()}` } })).json()) as {
      consents: unknown[];
    };
    expect(grants.consents).toHaveLength(1);
  });

  it('a client’s refresh tokens', async () => {
    const { refresh_token, clientId } = await userTokens();
    expect(await em.expire({ clientId })).toEqual({ accessTokens: 1, refreshTokens: 1 });
    expect((await refresh(refresh_token!, clientId)).status).toBe(400);
  });
});

describe('bad input: a ControlInputError naming the field, and nothing changes', () => {
  it('an unknown jti, client or user', async () => {
    const token = await agentToken();
    await expect(em.revoke({ jti: 'tkn_404' })).rejects.toThrow(new ControlInputError('jti', 'no live access or refresh token tkn_404 in this emulator'));
    await expect(em.expire({ clientId: 'm2morg_404' })).rejects.toThrow(new ControlInputError('client_id', 'no client m2morg_404 in this emulator'));
    await expect(em.revoke({ userId: 'usr_404' })).rejects.toThrow(new ControlInputError('user_id', 'no user usr_404 in this emulator'));
    expect(await active(token)).toBe(true);
  });
});

describe('rotateKeys', () => {
  it('publishes both keys, signs new tokens with the new kid at once; an SDK that cached /keys before rejects them', async () => {
    const before = await agentToken();
    const cached = new ScalekitClient(em.url, em.environment.clientId, em.environment.clientSecret);
    await cached.validateToken(before, { audience: [TODO] }); // fetches /keys once, for good
    const oldKid = decodeProtectedHeader(before).kid;

    const rotated = await em.rotateKeys();
    expect(rotated.kid).toMatch(/^snk_\d{17}$/);
    expect(Date.parse(rotated.activateTime)).toBeLessThanOrEqual(em.clock.now());
    const kids = ((await (await fetch(em.urls.keys)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(kids).toEqual([rotated.kid, oldKid]);

    const after = await agentToken();
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);
    const error: unknown = await cached.validateToken(after, { audience: [TODO] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScalekitValidateTokenFailureException);
    expect((error as Error).message).toBe('no applicable key found in the JSON Web Key Set');
    const fresh = new ScalekitClient(em.url, em.environment.clientId, em.environment.clientSecret);
    await expect(fresh.validateToken(after, { audience: [TODO] })).resolves.toMatchObject({ sub: AGENT });
    await expect(fresh.validateToken(before, { audience: [TODO] })).resolves.toMatchObject({ sub: AGENT });
    // The code flow signs with it too (oidc-provider is rebuilt with the new ring).
    expect(decodeProtectedHeader((await userTokens()).access_token).kid).toBe(rotated.kid);
  });

  it('is undone by reset(): the start key signs again and is the only one published', async () => {
    const start = decodeProtectedHeader(await agentToken()).kid;
    await em.rotateKeys();
    await em.reset();
    expect(decodeProtectedHeader(await agentToken()).kid).toBe(start);
    expect(((await (await fetch(em.urls.keys)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([start]);
  });
});
