// RFC 6749 §2.3.1 client authentication, by the steps it takes: an unknown client id and a known one
// with a wrong secret must be indistinguishable, in the answer and in the work done (which is what
// timing measures; the timing itself is measured by bench/client-auth-timing.mjs, not here).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticateClient, type ClientCredentials } from '../../src/oidc/client-auth.js';
import { OAuthError } from '../../src/oidc/errors.js';
import { openStore, type Store } from '../../src/store/index.js';

const KNOWN = 'm2morg_30000000000000001';
const SECRET = 'known-client-secret-0123456789';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'client-auth-'));
  store = await openStore(join(dir, 'emulator.sqlite'));
  await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
  await store.clients.upsert({
    clientId: KNOWN,
    kind: 'organization',
    organizationId: 'org_1',
    name: 'Agent',
    description: '',
    scopes: ['todo:read'],
    audience: [],
    customClaims: [],
    expiry: 3600,
    redirectUris: [],
  });
  await store.secrets.create(KNOWN, SECRET);
  await store.secrets.create(KNOWN);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store as authenticateClient sees it, logging each repository call with its arguments' shape. */
function recording(): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const watch = <T extends object>(name: string, repo: T): T =>
    new Proxy(repo, {
      get(target, method: string) {
        const fn = Reflect.get(target, method) as unknown;
        if (typeof fn !== 'function') return fn;
        return (...args: unknown[]) => {
          calls.push(`${name}.${method}(${args.map((a) => typeof a).join(', ')})`);
          return (fn as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { store: { ...store, clients: watch('clients', store.clients), secrets: watch('secrets', store.secrets) }, calls };
}

async function attempt(credentials: ClientCredentials): Promise<{ calls: string[]; answer: unknown }> {
  const { store: watched, calls } = recording();
  try {
    return { calls, answer: (await authenticateClient(watched, credentials, 'http://issuer')).clientId };
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthError);
    const e = err as OAuthError;
    return { calls, answer: { status: e.status, body: e.toJSON(), headers: e.headers } };
  }
}

describe('RFC 6749 §2.3.1: an unknown client and a wrong secret', () => {
  for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
    it(`take the same steps and get the same invalid_client answer (${method})`, async () => {
      const unknown = await attempt({ clientId: 'm2morg_39999999999999999', clientSecret: SECRET, method });
      const wrongSecret = await attempt({ clientId: KNOWN, clientSecret: `${SECRET}x`, method });
      expect(wrongSecret).toEqual(unknown);
      expect(unknown.calls).toEqual(['secrets.verify(string, string)']);
      expect(unknown.answer).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
    });
  }

  it('the right secret is verified first, then the client is read', async () => {
    expect(await attempt({ clientId: KNOWN, clientSecret: SECRET, method: 'client_secret_post' })).toEqual({
      calls: ['secrets.verify(string, string)', 'clients.get(string)'],
      answer: KNOWN,
    });
  });
});
