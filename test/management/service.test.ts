// The management service on a real SQLite file, without a server: the seed as its client, the
// audit trail, the live key ring and the background retention.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSeed, SeedError, type SeedInput } from '../../src/config/seed.js';
import { createLogger } from '../../src/logger.js';
import { AlreadyExists } from '../../src/management/errors.js';
import { applySeed } from '../../src/management/seed.js';
import { createManagementService, type ManagementService } from '../../src/management/service.js';
import { loadOrCreateKeySet, rotateSigningKey } from '../../src/oidc/signing-keys.js';
import { startRetention } from '../../src/server/retention.js';
import { openStore, type Store } from '../../src/store/index.js';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const API = { actor: 'skc_1' };

let dir: string;
let now: number;
let store: Store;
let logged: string;
let service: ManagementService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mgmt-service-'));
  now = T0;
  store = openStore(join(dir, 'emulator.sqlite'), () => now);
  logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  service = createManagementService({ store, clock: () => now, log: createLogger('info', sink) });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const seedWith = (plainSecret: string): SeedInput => ({
  organizations: [{ id: 'org_1', display_name: 'Acme' }],
  clients: [{ client_id: 'm2morg_1', organization_id: 'org_1', name: 'Agent', plain_secret: plainSecret }],
});

describe('the seed, a client of the management service', () => {
  it('replaces the secret it set when its plain_secret changes, and keeps secrets made through the API', () => {
    applySeed(service, parseSeed(seedWith('first-seeded-secret-0123')));
    const viaApi = service.clients.addOrganizationClientSecret(API, 'org_1', 'm2morg_1');
    applySeed(service, parseSeed(seedWith('second-seeded-secret-0123')));
    expect(store.secrets.verify('m2morg_1', 'first-seeded-secret-0123')).toBe(false);
    expect(store.secrets.verify('m2morg_1', 'second-seeded-secret-0123')).toBe(true);
    expect(store.secrets.verify('m2morg_1', viaApi.plainSecret)).toBe(true);
    expect(store.secrets.list('m2morg_1').map((s) => s.createdBy).sort()).toEqual(['seed', 'skc_1']);
  });

  it('changes nothing when applied again with the same plain_secret', () => {
    applySeed(service, parseSeed(seedWith('same-seeded-secret-01234')));
    const before = store.secrets.list('m2morg_1');
    expect(applySeed(service, parseSeed(seedWith('same-seeded-secret-01234'))).changed).toBe(0);
    expect(store.secrets.list('m2morg_1')).toEqual(before);
  });

  it('obeys the API\'s rules: a Server URL used twice fails the seed naming the entry, as it fails the API', () => {
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
      applySeed(service, seed, 'seed.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SeedError);
    expect((err as SeedError).message).toBe('Invalid seed seed.yaml:\n  - resources.1: resource res_1 already has resource_id http://localhost:3002/');
    expect(store.resources.list()).toEqual([]);

    service.resources.create(API, { name: 'A', serverUrl: 'http://localhost:3002/' });
    expect(() => service.resources.create(API, { name: 'B', serverUrl: 'http://localhost:3002/' })).toThrow(AlreadyExists);
  });

  it('audits its changes with actor "seed", and logs nothing for a seed that failed and wrote nothing', () => {
    applySeed(service, parseSeed(seedWith('audited-seeded-secret-01')));
    const events = service.audit.list({ pageSize: 100 }).events;
    expect(events.map((e) => [e.type, e.actor]).reverse()).toEqual([
      ['organization.created', 'seed'],
      ['organization_client.created', 'seed'],
      ['client_secret.created', 'seed'],
    ]);
    expect(logged).not.toContain('audited-seeded-secret-01');

    logged = '';
    const broken: SeedInput = { organizations: [{ id: 'org_2', display_name: 'Globex' }], resources: [{ id: 'res_1', name: 'x', resource_id: 'http://a/' }, { id: 'res_2', name: 'y', resource_id: 'http://a/' }] };
    expect(() => applySeed(service, parseSeed(broken))).toThrow(SeedError);
    expect(logged).toBe('');
    expect(store.organizations.get('org_2')).toBeUndefined();
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
    managed.organizations.put(API, { id: 'org_1', displayName: 'Acme' });
    managed.clients.putOrganizationClient(API, { clientId: 'm2morg_1', organizationId: 'org_1', expiry: 2 * 86_400 });
    const rotated = await managed.keys.rotate(API, { switchAfterSeconds: 600 });
    expect(rotated.activateTime).toBe(new Date(T0 + 600_000).toISOString());
    expect(rotated.retireTime).toBe(new Date(T0 + 600_000 + 2 * 86_400_000).toISOString());
    expect(Object.fromEntries(managed.keys.list().map((k) => [k.kid, k.state]))).toEqual({ [keys.all[0]!.kid]: 'current', [rotated.kid]: 'next' });
    expect(managed.audit.list({ type: 'signing_key.rotated' }).events.map((e) => e.targetId)).toEqual([rotated.kid]);
  });
});

describe('background retention', () => {
  const DAY = 86_400;
  const insertToken = (jti: string, issuedAt: number) =>
    store.db
      .prepare("INSERT INTO issued_tokens (jti, grant_type, client_id, subject, scopes, audience, issued_at, expires_at) VALUES (?, 'client_credentials', 'm2morg_1', 'm2morg_1', '', '[]', ?, ?)")
      .run(jti, issuedAt, issuedAt + 3600);
  const count = (table: string) => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

  it('deletes token and audit rows older than the retention, in batches, and expired payloads; keeps the rest', async () => {
    const nowS = Math.floor(T0 / 1000);
    for (let i = 0; i < 7; i++) insertToken(`tkn_old${i}`, nowS - 8 * DAY - i);
    insertToken('tkn_recent', nowS - DAY);
    store.auditEvents.record({ time: T0 - 8 * DAY * 1000, type: 'organization.created', actor: 'seed', details: {} });
    store.auditEvents.record({ time: T0 - 1000, type: 'organization.updated', actor: 'seed', details: {} });
    store.oidcPayloads.upsert('env', 'Session', 'expired', {}, nowS - 1);
    store.oidcPayloads.upsert('env', 'Session', 'live', {}, nowS + 60);

    const retention = startRetention(store, () => now, { retentionDays: 7, batchSize: 2, pauseMs: 0, intervalMs: 3_600_000 });
    try {
      expect(await retention.sweep()).toBe(7 + 1 + 1);
    } finally {
      retention.stop();
    }
    expect(store.db.prepare('SELECT jti FROM issued_tokens').pluck().all()).toEqual(['tkn_recent']);
    expect(store.db.prepare('SELECT type FROM audit_events').pluck().all()).toEqual(['organization.updated']);
    expect(store.db.prepare('SELECT id FROM oidc_payloads').pluck().all()).toEqual(['live']);
  });

  it('keeps every token and audit row with retention 0, and still deletes expired payloads', async () => {
    insertToken('tkn_ancient', Math.floor(T0 / 1000) - 400 * DAY);
    store.oidcPayloads.upsert('env', 'Session', 'expired', {}, Math.floor(T0 / 1000) - 1);
    const retention = startRetention(store, () => now, { retentionDays: 0, intervalMs: 3_600_000 });
    try {
      expect(await retention.sweep()).toBe(1);
    } finally {
      retention.stop();
    }
    expect(count('issued_tokens')).toBe(1);
    expect(count('oidc_payloads')).toBe(0);
  });
});
