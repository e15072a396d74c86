// The README's faults example ("Faults, key rotation and revocation"), verbatim inside a test that gives
// it `em`, a `jti` and a `getToken()`, and then checks what the lines did.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { clientCredentialsToken } from '../helpers/server.js';

let em: Emulator;
beforeAll(async () => { em = await startEmulator({ keys: 'fixed' }); });
afterAll(() => em.close());

it('runs as the README shows it', async () => {
  const agent = { id: 'm2morg_10000000000000001', secret: em.clientSecret('m2morg_10000000000000001') };
  const jti = String(decodeJwt(await clientCredentialsToken(em.url, agent)).jti);
  let answered: Response | undefined;
  const getToken = async () => {
    answered = await fetch(em.urls.token, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: agent.id, client_secret: agent.secret }) });
  };

  // --- README, verbatim ---
  em.faults.fail('/oauth/token', { status: 503, error: 'temporarily_unavailable', times: 2 }); // then it works again
  em.faults.fail('/oauth/token', { status: 429, error: 'slow_down', retryAfter: 1, times: 1 }); // then a 429, Retry-After: 1
  em.faults.delay('/keys', 3000);                 // every /keys request waits 3 s, until cleared
  em.faults.clear();

  const stall = em.faults.stall('/oauth/token'); // held until released
  const token = getToken();                      // your code under test asks for a token
  await em.waitForRequest((r) => r.path === '/oauth/token' && !r.status); // it arrived, unanswered
  stall.release();                               // it goes on; stall.fired, .held, .remaining count
  await token;

  const { kid } = await em.rotateKeys(); // /keys publishes both keys; new tokens carry the new kid at once
  await em.revoke({ jti });                    // or { clientId } or { userId }: introspection says inactive, grants end
  await em.expire({ userId: 'usr_10000000000000001' }); // their expiry moves to now; grants and consents stay
  // --- end ---

  expect(answered!.status).toBe(200); // held, released, answered
  expect([stall.fired, stall.held, stall.remaining]).toEqual([1, 0, 0]);
  expect(decodeProtectedHeader(await clientCredentialsToken(em.url, agent)).kid).toBe(kid);
  expect(em.faults.list().map((f) => f.id)).toEqual([stall.id]); // released, listed until cleared
});
