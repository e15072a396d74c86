// @scalekit-sdk/node, unchanged, against the emulator: new ScalekitClient(url, id, secret).validateToken.
import { ScalekitClient, ScalekitValidateTokenFailureException } from '@scalekit-sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, ENV_CLIENT, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

let server: TestServer;
let scalekit: ScalekitClient;
beforeAll(async () => {
  server = await startTestServer();
  scalekit = new ScalekitClient(server.url, ENV_CLIENT.id, ENV_CLIENT.secret);
});
afterAll(() => server.close());

async function agentToken(scope?: string): Promise<string> {
  const res = await tokenRequest(server.url, {
    grant_type: 'client_credentials',
    client_id: AGENT.id,
    client_secret: AGENT.secret,
    ...(scope ? { scope } : {}),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('@scalekit-sdk/node validateToken', () => {
  it('accepts our token with audience and requiredScopes, and returns its claims', async () => {
    const claims = await scalekit.validateToken<Record<string, unknown>>(await agentToken('todo:read'), {
      audience: ['http://localhost:3002/'],
      requiredScopes: ['todo:read'],
    });
    expect(claims).toMatchObject({ sub: AGENT.id, oid: 'org_20000000000000001', scopes: ['todo:read'] });
  });

  it('accepts it with the issuer checked too', async () => {
    await expect(scalekit.validateToken(await agentToken(), { issuer: server.url, audience: ['http://localhost:3002/'] })).resolves.toBeTruthy();
  });

  it('rejects it for another audience', async () => {
    await expect(scalekit.validateToken(await agentToken(), { audience: ['http://localhost:4000/'] })).rejects.toThrow(
      new ScalekitValidateTokenFailureException('unexpected "aud" claim value'),
    );
  });

  it('rejects it when a required scope is missing', async () => {
    await expect(
      scalekit.validateToken(await agentToken('todo:read'), { audience: ['http://localhost:3002/'], requiredScopes: ['todo:write'] }),
    ).rejects.toThrow(/missing required scopes/i);
  });

  it('validateAccessToken answers true for ours and false for a tampered one', async () => {
    const token = await agentToken();
    expect(await scalekit.validateAccessToken(token, { audience: ['http://localhost:3002/'] })).toBe(true);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scopes: ['admin'] })).toString('base64url')}.${s}`;
    expect(await scalekit.validateAccessToken(tampered, { audience: ['http://localhost:3002/'] })).toBe(false);
  });

  it("the SDK's own environment-client login (CoreClient.authenticateClient) gets a token from /oauth/token", async () => {
    // The SDK calls this lazily before its first management RPC; it is public on coreClient.
    const core = (scalekit as unknown as { coreClient: { authenticateClient(): Promise<void>; accessToken: string | null } }).coreClient;
    await core.authenticateClient();
    expect(core.accessToken).toMatch(/^eyJ/);
    const claims = await scalekit.validateToken<Record<string, unknown>>(core.accessToken!);
    expect(claims).toMatchObject({ client_id: ENV_CLIENT.id, scope: 'openid' });
  });
});
