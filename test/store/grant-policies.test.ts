// The repositories of token exchange and ID-JAGs (migration 014), on each engine (engines.ts), checked
// by their rows: per-server token-exchange policies, trusted identity providers, and assertions already
// presented (one mark wins, also from two stores on one database at once); resources' xaa_enabled and
// enable_device_flow (015); what a snapshot restore (reset()) puts back and drops.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import type { ResourceInput } from '../../src/store/resources.js';
import { ENGINES, storePerTest } from './engines.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

const server = (id: string, over: Partial<ResourceInput> = {}): ResourceInput => ({
  id,
  name: id,
  description: '',
  resourceType: 'MCP_SERVER',
  serverUrl: `http://${id}.example/`,
  accessTokenExpiry: 3600,
  refreshTokenExpiry: 86400,
  disableDynamicClientRegistration: false,
  enableCimd: false,
  scopes: [],
  ...over,
});

describe.each(ENGINES)('on $name', (engine) => {
let now = T0;
const engineStore = storePerTest(engine, () => now);
let store: Store;
beforeEach(() => {
  now = T0;
  ({ store } = engineStore);
});

const rows = (sql: string) => engineStore.raw.all<Record<string, unknown>>(sql);
/** A second store on the same database: another replica (PostgreSQL), another process (SQLite). */
const replica = () => engineStore.replica();
const resourcesVersion = async () => (await engineStore.raw.get<{ version: number }>("SELECT version FROM store_versions WHERE topic = 'resources'"))!.version;

describe('resources: xaa_enabled and enable_device_flow', () => {
  it('are 0 unless set, 1 when set, read back as booleans, and an upsert changing only them is a change', async () => {
    await store.resources.upsert(server('res_1'));
    await store.resources.upsert(server('res_2', { xaaEnabled: true, enableDeviceFlow: true }));
    expect(await rows('SELECT id, xaa_enabled, enable_device_flow FROM resources ORDER BY id')).toEqual([
      { id: 'res_1', xaa_enabled: 0, enable_device_flow: 0 },
      { id: 'res_2', xaa_enabled: 1, enable_device_flow: 1 },
    ]);
    expect(await store.resources.get('res_1')).toMatchObject({ xaaEnabled: false, enableDeviceFlow: false });
    expect(await store.resources.get('res_2')).toMatchObject({ xaaEnabled: true, enableDeviceFlow: true });
    expect(await store.resources.upsert(server('res_2', { xaaEnabled: true, enableDeviceFlow: true }))).toBe(false);
    expect(await store.resources.upsert(server('res_2', { xaaEnabled: false, enableDeviceFlow: true }))).toBe(true);
    expect(await store.resources.upsert(server('res_2', { xaaEnabled: false, enableDeviceFlow: false }))).toBe(true);
    expect(await store.resources.get('res_2')).toMatchObject({ xaaEnabled: false, enableDeviceFlow: false });
  });

  it('refuses an enable_device_flow other than 0 or 1', async () => {
    await store.resources.upsert(server('res_1'));
    await expect(engineStore.raw.run("UPDATE resources SET enable_device_flow = 2 WHERE id = 'res_1'")).rejects.toMatchObject({
      code: engine.name === 'sqlite' ? 'SQLITE_CONSTRAINT_CHECK' : '23514',
    });
  });
});

describe('token-exchange policies', () => {
  beforeEach(async () => {
    for (const id of ['res_1', 'res_2', 'res_3']) await store.resources.upsert(server(id));
  });

  it('replaces the servers one accepts from, sorted, without repeats; true only when it changed', async () => {
    expect(await store.tokenExchangePolicies.replace('res_1', ['res_3', 'res_2', 'res_3'])).toBe(true);
    expect(await rows('SELECT * FROM token_exchange_policies ORDER BY accept_from')).toEqual([
      { resource_id: 'res_1', accept_from: 'res_2' },
      { resource_id: 'res_1', accept_from: 'res_3' },
    ]);
    expect(await store.tokenExchangePolicies.acceptedFrom('res_1')).toEqual(['res_2', 'res_3']);
    expect(await store.tokenExchangePolicies.replace('res_1', ['res_2', 'res_3'])).toBe(false);
    expect(await store.tokenExchangePolicies.replace('res_1', [])).toBe(true);
    expect(await rows('SELECT * FROM token_exchange_policies')).toEqual([]);
  });

  it('moves the MCP servers’ version on a change (every replica hears of it), not on a replace that changes nothing', async () => {
    const before = await resourcesVersion();
    await store.tokenExchangePolicies.replace('res_1', ['res_2']);
    expect(await resourcesVersion()).toBe(before + 1);
    await store.tokenExchangePolicies.replace('res_1', ['res_2']);
    expect(await resourcesVersion()).toBe(before + 1);
  });

  it('lands with the rest of a transaction, or not at all', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.tokenExchangePolicies.replace('res_1', ['res_2']);
        expect(await tx.tokenExchangePolicies.acceptedFrom('res_1')).toEqual(['res_2']);
        throw new Error('roll back');
      }),
    ).rejects.toThrow(new Error('roll back'));
    expect(await store.tokenExchangePolicies.acceptedFrom('res_1')).toEqual([]);
  });

  it('goes with either server', async () => {
    await store.tokenExchangePolicies.replace('res_1', ['res_2', 'res_3']);
    await store.tokenExchangePolicies.replace('res_2', ['res_1']);
    await store.resources.remove('res_3');
    await store.resources.remove('res_2');
    expect(await rows('SELECT * FROM token_exchange_policies')).toEqual([]);
  });
});

describe('trusted identity providers', () => {
  it('replaces the list, keeping the create time of a provider kept; true only when it changed', async () => {
    expect(await store.trustedIdentityProviders.replace([{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }])).toBe(true);
    now = T0 + 1000;
    expect(await store.trustedIdentityProviders.replace([{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }])).toBe(false);
    expect(
      await store.trustedIdentityProviders.replace([
        { issuer: 'https://idp.example', jwksUri: 'https://idp.example/keys' },
        { issuer: 'https://other.example', jwksUri: 'https://other.example/jwks' },
      ]),
    ).toBe(true);
    expect(await rows('SELECT * FROM trusted_identity_providers ORDER BY issuer')).toEqual([
      { issuer: 'https://idp.example', jwks_uri: 'https://idp.example/keys', create_time: '2025-01-01T00:00:00.000Z' },
      { issuer: 'https://other.example', jwks_uri: 'https://other.example/jwks', create_time: '2025-01-01T00:00:01.000Z' },
    ]);
    expect(await store.trustedIdentityProviders.get('https://other.example')).toEqual({ issuer: 'https://other.example', jwksUri: 'https://other.example/jwks', createTime: '2025-01-01T00:00:01.000Z' });
    expect(await store.trustedIdentityProviders.get('https://nobody.example')).toBeUndefined();
    expect(await store.trustedIdentityProviders.replace([])).toBe(true);
    expect(await store.trustedIdentityProviders.list()).toEqual([]);
  });

  it('is read by another store on the same database at once (nothing kept in memory)', async () => {
    const other = await replica();
    expect(await other.trustedIdentityProviders.list()).toEqual([]);
    await store.trustedIdentityProviders.replace([{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }]);
    expect((await other.trustedIdentityProviders.get('https://idp.example'))?.jwksUri).toBe('https://idp.example/jwks');
  });
});

describe('used assertions', () => {
  it('takes a jti once per issuer, and forgets it once past its expiry', async () => {
    expect(await store.usedAssertions.use('https://idp.example', 'j1', 1000, 900)).toBe(true);
    expect(await store.usedAssertions.use('https://idp.example', 'j1', 1000, 950)).toBe(false);
    expect(await store.usedAssertions.use('https://other.example', 'j1', 1000, 950)).toBe(true);
    expect(await rows('SELECT * FROM used_assertions ORDER BY issuer')).toEqual([
      { issuer: 'https://idp.example', jti: 'j1', expires_at: 1000 },
      { issuer: 'https://other.example', jti: 'j1', expires_at: 1000 },
    ]);
    await store.usedAssertions.use('https://idp.example', 'j2', 2000, 1000);
    expect(await rows('SELECT jti FROM used_assertions')).toEqual([{ jti: 'j2' }]);
  });

  it('lets one of many presentations at once win, from two stores on one database', async () => {
    const other = await replica();
    const presented = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : other).usedAssertions.use('https://idp.example', 'j1', 1000, 900)));
    expect(presented.filter(Boolean)).toHaveLength(1);
    expect(await rows('SELECT * FROM used_assertions')).toEqual([{ issuer: 'https://idp.example', jti: 'j1', expires_at: 1000 }]);
  });
});

describe('a snapshot restore (a fixture\'s reset)', () => {
  it('puts back the policies and providers it copied, and drops assertions presented and device polls since', async () => {
    for (const id of ['res_1', 'res_2', 'res_3']) await store.resources.upsert(server(id));
    await store.tokenExchangePolicies.replace('res_1', ['res_2']);
    await store.trustedIdentityProviders.replace([{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }]);
    const snapshot = await store.snapshots.take();
    await store.tokenExchangePolicies.replace('res_1', ['res_3']);
    await store.tokenExchangePolicies.replace('res_2', ['res_1']);
    await store.trustedIdentityProviders.replace([{ issuer: 'https://other.example', jwksUri: 'https://other.example/jwks' }]);
    await store.usedAssertions.use('https://idp.example', 'j1', T0 / 1000 + 60, T0 / 1000);
    await store.deviceCodePolls.record('res_1', 'a'.repeat(64), T0, T0 / 1000 + 3600, { intervalSeconds: 5, stepSeconds: 5, slackMs: 500 });
    await snapshot.restore();
    expect(await rows('SELECT * FROM token_exchange_policies')).toEqual([{ resource_id: 'res_1', accept_from: 'res_2' }]);
    expect(await rows('SELECT issuer, jwks_uri FROM trusted_identity_providers')).toEqual([{ issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' }]);
    expect(await rows('SELECT * FROM used_assertions')).toEqual([]);
    expect(await rows('SELECT * FROM device_code_polls')).toEqual([]);
  });
});
});
