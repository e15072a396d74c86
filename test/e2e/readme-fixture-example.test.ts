// The README's fixture example, verbatim but for the import path: it must keep working.
import { ScalekitClient } from '@scalekit-sdk/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';

let em: Emulator;
beforeAll(async () => { em = await startEmulator({ keys: 'fixed' }); }); // demo seed; or { seed }
afterAll(() => em.close());

it('rejects an expired token', async () => {
  const { url, clientId, clientSecret } = em.environment; // SCALEKIT_ENVIRONMENT_URL, _CLIENT_ID, _CLIENT_SECRET
  const scalekit = new ScalekitClient(url, clientId, clientSecret);
  const token = await em.mintToken({ resource: 'res_10000000000000001', broken: 'expired' });
  await expect(scalekit.validateToken(token, { audience: ['http://localhost:3002/'] })).rejects.toThrow('"exp" claim timestamp check failed');
});
