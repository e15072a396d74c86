// The management service on each engine (../store/engines.ts), without a server: the seed as its
// client, the audit trail, the live key ring and the background retention.
import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseSeed, SeedError, type SeedInput } from '../../src/config/seed.js';
import { createLogger } from '../../src/logger.js';
import { AlreadyExists } from '../../src/management/errors.js';
import { applySeed } from '../../src/management/seed.js';
import { createManagementService, type ManagementService } from '../../src/management/service.js';
import { loadOrCreateKeySet, rotateSigningKey } from '../../src/oidc/signing-keys.js';
import { startRetention } from '../../src/server/retention.js';
import type { Store } from '../../src/store/index.js';
import type { RawDatabase } from '../helpers/databases.js';
import { ENGINES, storePerTest } from '../store/engines.js';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const API = { actor: 'skc_1' };

describe.each(ENGINES)('on $name', (engine) => {
let now = T0;
let store: Store;
let raw: RawDatabase;
let logged: string;
let service: ManagementService;
beforeEach(() => {
  now = T0;
});
const each = storePerTest(engine, () => now);
beforeEach(async () => {
  ({ store, raw } = each);
  logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  service = createManagementService({ store, clock: () => now, log: createLogger('info', sink) });
});
const scalar = (sql: string, params?: unknown[]) => raw.scalar(sql, params);
const column = async (sql: string, params?: unknown[]) => (await raw.all<Record<string, unknown>>(sql, params)).map((row) => Object.values(row)[0]);

const seedWith = (plainSecret: string): SeedInput => ({
  organizations: [{ id: 'org_1', display_name: 'Acme' }],
  clients: [{ client_id: 'm2morg_1', organization_id: 'org_1', name: 'Agent', plain_secret: plainSecret }],
});

describe('the seed, a client of the management service', () => {
  it('replaces the secret it set when its plain_secret changes, and keeps secrets made through the API', async () => {
    await applySeed(service, parseSeed(seedWith('first-seeded-secret-0123')));
    const viaApi = await service.clients.addOrganizationClientSecret(API, 'org_1', 'm2morg_1');
    await applySeed(service, parseSeed(seedWith('second-seeded-secret-0123')));
    expect(await store.secrets.verify('m2morg_1', 'first-seeded-secret-0123')).toBe(false);
    expect(await store.secrets.verify('m2morg_1', 'second-seeded-secret-0123')).toBe(true);
    expect(await store.secrets.verify('m2morg_1', viaApi.plainSecret)).toBe(true);
    expect((await store.secrets.list('m2morg_1')).map((s) => s.createdBy).sort()).toEqual(['seed', 'skc_1']);
  });

  it('changes nothing when applied again with the same plain_secret', async () => {
    await applySeed(service, parseSeed(seedWith('same-seeded-secret-01234')));
    const before = await store.secrets.list('m2morg_1');
    expect((await applySeed(service, parseSeed(seedWith('same-seeded-secret-01234')))).changed).toBe(0);
    expect(await store.secrets.list('m2morg_1')).toEqual(before);
  });

  it('obeys the API\'s rules: a Server URL used twice fails the seed naming the entry, as it fails the API', async () => {
    const twins: SeedInput = {
      resources: [
        { id: 'res_1', name: 'A', resource_id: 'http://localhost:3002/' },
        { id: 'res_2', name: 'B', resource_id: 'http://localhost:3002/' },
      ],
    };
    // The seed file's schema refuses them first (config/seed.ts)...
    expect(() => parseSeed(twins, 'seed.yaml')).toThrow('resources.1.resource_id: is the Server URL of resources.0 (res_1) already');
    // ...and a seed that got past it still goes through the API's rule.
    const seed = parseSeed({ resources: [twins.resources![0]!] });
    seed.resources.push(...parseSeed({ resources: [twins.resources![1]!] }).resources);
    let err: unknown;
    try {
      await applySeed(service, seed, 'seed.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SeedError);
    expect((err as SeedError).message).toBe('Invalid seed seed.yaml:\n  - resources.1: resource res_1 already has resource_id http://localhost:3002/');
    expect(await store.resources.list()).toEqual([]);

    await service.resources.create(API, { name: 'A', serverUrl: 'http://localhost:3002/' });
    await expect(service.resources.create(API, { name: 'B', serverUrl: 'http://localhost:3002/' })).rejects.toThrow(AlreadyExists);
  });

  it('audits its changes with actor "seed", and logs nothing for a seed that failed and wrote nothing', async () => {
    await applySeed(service, parseSeed(seedWith('audited-seeded-secret-01')));
    const events = (await service.audit.list({ pageSize: 100 })).events;
    expect(events.map((e) => [e.type, e.actor]).reverse()).toEqual([
      ['organization.created', 'seed'],
      ['organization_client.created', 'seed'],
      ['client_secret.created', 'seed'],
    ]);
    expect(logged).not.toContain('audited-seeded-secret-01');

    logged = '';
    const broken: SeedInput = { organizations: [{ id: 'org_2', display_name: 'Globex' }], resources: [{ id: 'res_1', name: 'x', resource_id: 'http://a/' }, { id: 'res_2', name: 'y', resource_id: 'http://a/' }] };
    await expect(async () => applySeed(service, parseSeed(broken))).rejects.toThrow(SeedError);
    expect(logged).toBe('');
    expect(await store.organizations.get('org_2')).toBeUndefined();
  });
});

describe('the live key ring', () => {
  it('publishes a rotated key at once, signs with it from its activation, unpublishes the old one at its retire time, and bumps version at each', async () => {
    const keys = await loadOrCreateKeySet(store.signingKeys, { clock: () => now });
    const first = keys.current.kid;
    const v0 = keys.version;

    const next = await rotateSigningKey(store.signingKeys, keys, {
      activateTime: new Date(T0 + 3_600_000).toISOString(),
      retireTime: new Date(T0 + 3_600_000 + 86_400_000).toISOString(),
    });
    expect(keys.all.map((k) => k.kid)).toEqual([first, next]);
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([first, next]);
    expect(keys.current.kid).toBe(first);
    expect(keys.version).toBe(v0 + 1);

    now = T0 + 3_600_000;
    expect(keys.current.kid).toBe(next);
    expect(keys.all.map((k) => k.kid)).toEqual([next, first]);
    expect(keys.version).toBe(v0 + 2);
    expect(keys.version).toBe(v0 + 2); // reading does not move it

    now = T0 + 3_600_000 + 86_400_000;
    expect(keys.all.map((k) => k.kid)).toEqual([next]);
    expect(keys.version).toBe(v0 + 3);
  });

  it('rotates through the service: the old keys retire when the longest-lived token of the environment has expired', async () => {
    const keys = await loadOrCreateKeySet(store.signingKeys, { clock: () => now });
    const managed = createManagementService({ store, clock: () => now, keys });
    await managed.organizations.put(API, { id: 'org_1', displayName: 'Acme' });
    await managed.clients.putOrganizationClient(API, { clientId: 'm2morg_1', organizationId: 'org_1', expiry: 2 * 86_400 });
    const rotated = await managed.keys.rotate(API, { switchAfterSeconds: 600 });
    expect(rotated.activateTime).toBe(new Date(T0 + 600_000).toISOString());
    expect(rotated.retireTime).toBe(new Date(T0 + 600_000 + 2 * 86_400_000).toISOString());
    expect(Object.fromEntries((await managed.keys.list()).map((k) => [k.kid, k.state]))).toEqual({ [keys.all[0]!.kid]: 'current', [rotated.kid]: 'next' });
    expect((await managed.audit.list({ type: 'signing_key.rotated' })).events.map((e) => e.targetId)).toEqual([rotated.kid]);
  });
});

describe('background retention', () => {
  const DAY = 86_400;
  const insertToken = (jti: string, issuedAt: number) =>
    raw.run("INSERT INTO issued_tokens (jti, grant_type, client_id, subject, scopes, audience, issued_at, expires_at) VALUES (?, 'client_credentials', 'm2morg_1', 'm2morg_1', '', '[]', ?, ?)", [jti, issuedAt, issuedAt + 3600]);
  const count = async (table: string) => (await scalar(`SELECT count(*) FROM ${table}`)) as number;

  it('deletes token and audit rows older than the retention, in batches, and expired payloads; keeps the rest', async () => {
    const nowS = Math.floor(T0 / 1000);
    for (let i = 0; i < 7; i++) (await insertToken(`tkn_old${i}`, nowS - 8 * DAY - i));
    await insertToken('tkn_recent', nowS - DAY);
    await store.auditEvents.record({ time: T0 - 8 * DAY * 1000, type: 'organization.created', actor: 'seed', details: {} });
    await store.auditEvents.record({ time: T0 - 1000, type: 'organization.updated', actor: 'seed', details: {} });
    await store.oidcPayloads.upsert('env', 'Session', 'expired', {}, nowS - 1);
    await store.oidcPayloads.upsert('env', 'Session', 'live', {}, nowS + 60);

    const retention = startRetention(store, () => now, { retentionDays: 7, batchSize: 2, pauseMs: 0, intervalMs: 3_600_000 });
    try {
      expect(await retention.sweep()).toBe(7 + 1 + 1);
    } finally {
      retention.stop();
    }
    expect(await column('SELECT jti FROM issued_tokens')).toEqual(['tkn_recent']);
    expect(await column('SELECT type FROM audit_events')).toEqual(['organization.updated']);
    expect(await column('SELECT id FROM oidc_payloads')).toEqual(['live']);
  });

  it('keeps every token and audit row with retention 0, and still deletes expired payloads', async () => {
    await insertToken('tkn_ancient', Math.floor(T0 / 1000) - 400 * DAY);
    await store.oidcPayloads.upsert('env', 'Session', 'expired', {}, Math.floor(T0 / 1000) - 1);
    const retention = startRetention(store, () => now, { retentionDays: 0, intervalMs: 3_600_000 });
    try {
      expect(await retention.sweep()).toBe(1);
    } finally {
      retention.stop();
    }
    expect(await count('issued_tokens')).toBe(1);
    expect(await count('oidc_payloads')).toBe(0);
  });
});
});
