// The repositories of token exchange and ID-JAGs (migration 013), checked by their rows: per-server
// token-exchange policies, trusted identity providers, and assertions already presented.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import type { ResourceInput } from '../../src/store/resources.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
let dir: string;
let store: Store;
let now: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-grants-'));
  now = T0;
  store = openStore(join(dir, 'emulator.sqlite'), () => now);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rows = (sql: string) => store.db.prepare(sql).all() as Record<string, unknown>[];
const server = (id: string, xaaEnabled?: boolean): ResourceInput => ({
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
  ...(xaaEnabled === undefined ? {} : { xaaEnabled }),
});

describe('resources: xaa_enabled', () => {
  it('is 0 unless set, 1 when set, and read back as a boolean', () => {
    store.resources.upsert(server('res_1'));
    store.resources.upsert(server('res_2', true));
    expect(rows('SELECT id, xaa_enabled FROM resources ORDER BY id')).toEqual([
      { id: 'res_1', xaa_enabled: 0 },
      { id: 'res_2', xaa_enabled: 1 },
    ]);
    expect([store.resources.get('res_1')!.xaaEnabled, store.resources.get('res_2')!.xaaEnabled]).toEqual([false, true]);
    expect(store.resources.upsert(server('res_2', true))).toBe(false);
    expect(store.resources.upsert(server('res_2', false))).toBe(true);
  });
});

describe('token-exchange policies', () => {
  beforeEach(() => ['res_1', 'res_2', 'res_3'].forEach((id) => store.resources.upsert(server(id))));

  it('replaces the servers one accepts from, sorted, without repeats; true only when it changed', () => {
    expect(store.tokenExchangePolicies.replace('res_1', ['res_3', 'res_2', 'res_3'])).toBe(true);
    expect(rows('SELECT * FROM token_exchange_policies ORDER BY accept_from')).toEqual([
      { resource_id: 'res_1', accept_from: 'res_2' },
      { resource_id: 'res_1', accept_from: 'res_3' },
    ]);
    expect(store.tokenExchangePolicies.acceptedFrom('res_1')).toEqual(['res_2', 'res_3']);
    expect(store.tokenExchangePolicies.replace('res_1', ['res_2', 'res_3'])).toBe(false);
    expect(store.tokenExchangePolicies.replace('res_1', [])).toBe(true);
    expect(rows('SELECT * FROM token_exchange_policies')).toEqual([]);
  });

  it('goes with either server', () => {
    store.tokenExchangePolicies.replace('res_1', ['res_2', 'res_3']);
    store.tokenExchangePolicies.replace('res_2', ['res_1']);
    store.resources.remove('res_3');
    store.resources.remove('res_2');
    expect(rows('SELECT * FROM token_exchange_policies')).toEqual([]);
  });
});

describe('trusted identity providers', () => {
  it('replaces the list, keeping the create time of a provider kept; true only when it changed', () => {
    expect(store.trustedIdentityProviders.replace([{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }])).toBe(true);
    now = T0 + 1000;
    expect(store.trustedIdentityProviders.replace([{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }])).toBe(false);
    expect(
      store.trustedIdentityProviders.replace([
        { issuer: 'https://idp.example', jwksUri: 'https://idp.example/keys' },
        { issuer: 'https://other.example', jwksUri: 'https://other.example/jwks' },
      ]),
    ).toBe(true);
    expect(rows('SELECT * FROM trusted_identity_providers ORDER BY issuer')).toEqual([
      { issuer: 'https://idp.example', jwks_uri: 'https://idp.example/keys', create_time: '2025-01-01T00:00:00.000Z' },
      { issuer: 'https://other.example', jwks_uri: 'https://other.example/jwks', create_time: '2025-01-01T00:00:01.000Z' },
    ]);
    expect(store.trustedIdentityProviders.get('https://other.example')).toEqual({ issuer: 'https://other.example', jwksUri: 'https://other.example/jwks', createTime: '2025-01-01T00:00:01.000Z' });
    expect(store.trustedIdentityProviders.replace([])).toBe(true);
    expect(store.trustedIdentityProviders.list()).toEqual([]);
  });
});

describe('used assertions', () => {
  it('takes a jti once per issuer, and forgets it once past its expiry', () => {
    expect(store.usedAssertions.use('https://idp.example', 'j1', 1000, 900)).toBe(true);
    expect(store.usedAssertions.use('https://idp.example', 'j1', 1000, 950)).toBe(false);
    expect(store.usedAssertions.use('https://other.example', 'j1', 1000, 950)).toBe(true);
    expect(rows('SELECT * FROM used_assertions ORDER BY issuer')).toEqual([
      { issuer: 'https://idp.example', jti: 'j1', expires_at: 1000 },
      { issuer: 'https://other.example', jti: 'j1', expires_at: 1000 },
    ]);
    store.usedAssertions.use('https://idp.example', 'j2', 2000, 1000);
    expect(rows('SELECT jti FROM used_assertions')).toEqual([{ jti: 'j2' }]);
  });
});
