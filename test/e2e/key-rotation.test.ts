// Key rotation on the emulator's clock: the next key is in /keys at once, signs after the delay, and
// the old key leaves /keys once every token it signed has expired. A Scalekit SDK that fetched /keys
// after the rotation validates tokens of both keys; one that fetched before cannot validate the new
// key's tokens (the SDK never refetches /keys): that is what the delay is for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScalekitClient, ScalekitValidateTokenFailureException } from '@scalekit-sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { clientToken, environmentToken, restCaller } from '../helpers/management.js';
import { decodeJwt } from '../helpers/server.js';

const AGENT = 'm2morg_10000000000000001';
const TODO = 'http://localhost:3002/';

let em: Emulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'key-rotation-'));
  em = await startEmulator({ keys: 'fixed', database: join(dir, 'emulator.sqlite') });
});
afterAll(async () => {
  await em.close();
  rmSync(dir, { recursive: true, force: true });
});

const published = async () => ((await (await fetch(em.urls.keys)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
const agentToken = async () => ((await (await clientToken(em.url, AGENT, em.clientSecret(AGENT))).json()) as { access_token: string }).access_token;

describe('keys rotate with a one-hour switch', () => {
  it('publishes, switches and retires on schedule', async () => {
    const [oldKid] = await published();
    const oldKeyToken = await agentToken();
    const sdkBefore = new ScalekitClient(em.url, em.environment.clientId, em.environment.clientSecret);
    await sdkBefore.validateToken(oldKeyToken, { audience: [TODO] }); // caches /keys as it is now

    // Rotate "an hour ago" on the emulator's clock, so the switch falls at the real now: the tokens
    // the SDK checks below then carry real times (it validates on the real clock).
    em.clock.advance(-3_601_000);
    const api = restCaller(em.url, await environmentToken(em.url, { id: em.environment.clientId, secret: em.environment.clientSecret }));
    const rotated = await api('POST', '/signing-keys:rotate', { switch_after_seconds: 3600 });
    expect(rotated.status).toBe(201);
    const newKid = String(rotated.body.kid);
    expect(await published()).toEqual([oldKid, newKid]);
    expect(decodeJwt(await agentToken()).header.kid).toBe(oldKid);

    const sdkAfter = new ScalekitClient(em.url, em.environment.clientId, em.environment.clientSecret);
    em.clock.reset(); // an hour and a second later
    const newKeyToken = await agentToken();
    expect(decodeJwt(newKeyToken).header.kid).toBe(newKid);
    expect(await published()).toEqual([newKid, oldKid]);
    await expect(sdkAfter.validateToken(oldKeyToken, { audience: [TODO] })).resolves.toMatchObject({ sub: AGENT });
    await expect(sdkAfter.validateToken(newKeyToken, { audience: [TODO] })).resolves.toMatchObject({ sub: AGENT });
    const stale: unknown = await sdkBefore.validateToken(newKeyToken, { audience: [TODO] }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ScalekitValidateTokenFailureException);

    em.clock.set(String(rotated.body.previous_keys_retire_time));
    expect(await published()).toEqual([newKid]);
  });
});
