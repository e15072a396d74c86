// The store's contract, by its rows: every repository behaves alike on each engine (engines.ts:
// SQLite always, PostgreSQL when a server is there). What only SQLite can show (its files on disk, its
// page limit, a second connection before a commit) is in sqlite/repositories.test.ts.
import { createHash, createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientInput } from '../../src/store/clients.js';
import { derivedId, ID_PREFIXES, isId, newId, randomIds, sequentialIds, type IdKind } from '../../src/store/ids.js';
import type { Store } from '../../src/store/index.js';
import type { ResourceInput } from '../../src/store/resources.js';
import type { RawDatabase } from '../helpers/databases.js';
import { ENGINES, openOn, type OpenedStore } from './engines.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const T1 = Date.parse('2025-01-02T00:00:00.000Z');

describe.each(ENGINES)('on $name', (engine) => {
let now: number;
let opened: OpenedStore;
let store: Store;
let raw: RawDatabase;

beforeAll(() => engine.setUp());
afterAll(() => engine.tearDown());

beforeEach(async () => {
  now = T0;
  opened = await openOn(await engine.fresh(), () => now);
  ({ store, raw } = opened);
});

afterEach(async () => {
  await opened.close();
  await engine.clean();
});

const rows = (sql: string, ...params: unknown[]) => raw.all<Record<string, unknown>>(sql, params);
const scalar = (sql: string, ...params: unknown[]) => raw.scalar(sql, params);
/** The engine's code for a broken constraint. */
const constraint = (sqlite: string, postgres: string) => (engine.name === 'sqlite' ? sqlite : postgres);

describe('organizations', () => {
  it('upsert of a new organization returns true and stores the row', async () => {
    expect(await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' })).toBe(true);
    expect(await rows('SELECT * FROM organizations')).toEqual([
      { id: 'org_1', display_name: 'Acme', create_time: '2025-01-01T00:00:00.000Z', update_time: '2025-01-01T00:00:00.000Z' },
    ]);
  });

  it('get returns the organization, undefined for an unknown id', async () => {
    await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
    expect(await store.organizations.get('org_1')).toEqual({
      id: 'org_1',
      displayName: 'Acme',
      createTime: '2025-01-01T00:00:00.000Z',
      updateTime: '2025-01-01T00:00:00.000Z',
    });
    expect(await store.organizations.get('org_2')).toBeUndefined();
  });

  it('upsert with the same display name returns false and keeps update_time', async () => {
    await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
    now = T1;
    expect(await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' })).toBe(false);
    expect(await scalar('SELECT update_time FROM organizations WHERE id = ?', 'org_1')).toBe('2025-01-01T00:00:00.000Z');
  });

  it('upsert with a new display name returns true, renames and bumps only update_time', async () => {
    await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
    now = T1;
    expect(await store.organizations.upsert({ id: 'org_1', displayName: 'Acme Corp' })).toBe(true);
    expect(await rows('SELECT * FROM organizations')).toEqual([
      { id: 'org_1', display_name: 'Acme Corp', create_time: '2025-01-01T00:00:00.000Z', update_time: '2025-01-02T00:00:00.000Z' },
    ]);
  });

  it('list returns the organizations in creation order', async () => {
    await store.organizations.upsert({ id: 'org_9', displayName: 'First' });
    now = T1;
    await store.organizations.upsert({ id: 'org_1', displayName: 'Second' });
    expect((await store.organizations.list()).map((o) => o.id)).toEqual(['org_9', 'org_1']);
  });
});

describe('resources', () => {
  const todo = (over: Partial<ResourceInput> = {}): ResourceInput => ({
    id: 'res_1',
    name: 'Todo',
    description: 'The todo MCP server',
    resourceType: 'MCP_SERVER',
    serverUrl: 'http://localhost:3002/',
    accessTokenExpiry: 3600,
    refreshTokenExpiry: 86400,
    disableDynamicClientRegistration: false,
    enableCimd: true,
    scopes: [
      { name: 'todo:write', description: 'Write', enabled: true },
      { name: 'todo:read', description: 'Read', enabled: false },
      { name: 'todo:admin', description: '', enabled: true },
    ],
    ...over,
  });

  it('upsert of a new resource returns true and stores the row with its flags as 0/1', async () => {
    expect(await store.resources.upsert(todo())).toBe(true);
    expect(await rows('SELECT * FROM resources')).toEqual([
      {
        id: 'res_1',
        name: 'Todo',
        description: 'The todo MCP server',
        resource_type: 'MCP_SERVER',
        resource_id: 'http://localhost:3002/',
        access_token_expiry: 3600,
        refresh_token_expiry: 86400,
        disable_dynamic_client_registration: 0,
        enable_cimd: 1,
        token_issuer: 'env',
        token_profile: 'scalekit',
        xaa_enabled: 0,
        create_time: '2025-01-01T00:00:00.000Z',
        update_time: '2025-01-01T00:00:00.000Z',
        enable_device_flow: 0,
      },
    ]);
  });

  it('get returns the resource with its scopes in the given order', async () => {
    await store.resources.upsert(todo());
    expect(await store.resources.get('res_1')).toEqual({
      ...todo(),
      enableDeviceFlow: false,
      tokenIssuer: 'env',
      tokenProfile: 'scalekit',
      xaaEnabled: false,
      createTime: '2025-01-01T00:00:00.000Z',
      updateTime: '2025-01-01T00:00:00.000Z',
    });
  });

  it('stores scopes with positions 0..n-1 in the given order', async () => {
    await store.resources.upsert(todo());
    expect(await rows('SELECT name, description, enabled, position FROM resource_scopes ORDER BY position')).toEqual([
      { name: 'todo:write', description: 'Write', enabled: 1, position: 0 },
      { name: 'todo:read', description: 'Read', enabled: 0, position: 1 },
      { name: 'todo:admin', description: '', enabled: 1, position: 2 },
    ]);
  });

  it('upsert with new scopes replaces the old ones entirely', async () => {
    await store.resources.upsert(todo());
    await store.resources.upsert(todo({ scopes: [{ name: 'todo:delete', description: 'Delete', enabled: true }] }));
    expect(await rows('SELECT resource_id, name FROM resource_scopes')).toEqual([{ resource_id: 'res_1', name: 'todo:delete' }]);
    expect((await store.resources.get('res_1'))?.scopes).toEqual([{ name: 'todo:delete', description: 'Delete', enabled: true }]);
  });

  it('upsert with reordered scopes returns true and stores the new order', async () => {
    await store.resources.upsert(todo());
    const reordered = [...todo().scopes].reverse();
    expect(await store.resources.upsert(todo({ scopes: reordered }))).toBe(true);
    expect((await store.resources.get('res_1'))?.scopes.map((s) => s.name)).toEqual(['todo:admin', 'todo:read', 'todo:write']);
  });

  it('upsert of an identical resource returns false and keeps update_time', async () => {
    await store.resources.upsert(todo());
    now = T1;
    expect(await store.resources.upsert(todo())).toBe(false);
    expect(await scalar('SELECT update_time FROM resources')).toBe('2025-01-01T00:00:00.000Z');
  });

  it('upsert with a changed field returns true, keeps create_time and bumps update_time', async () => {
    await store.resources.upsert(todo());
    now = T1;
    expect(await store.resources.upsert(todo({ accessTokenExpiry: 60 }))).toBe(true);
    expect(await rows('SELECT access_token_expiry, create_time, update_time FROM resources')).toEqual([
      { access_token_expiry: 60, create_time: '2025-01-01T00:00:00.000Z', update_time: '2025-01-02T00:00:00.000Z' },
    ]);
  });

  it('get returns undefined for an unknown id', async () => {
    expect(await store.resources.get('res_404')).toBeUndefined();
  });

  it('list returns every resource with its scopes', async () => {
    await store.resources.upsert(todo());
    now = T1;
    await store.resources.upsert(todo({ id: 'res_2', scopes: [] }));
    expect((await store.resources.list()).map((r) => [r.id, r.scopes.length])).toEqual([
      ['res_1', 3],
      ['res_2', 0],
    ]);
  });

  describe('reads kept in memory', () => {
    it('serves a write at once: get and list after an update and after a remove', async () => {
      await store.resources.upsert(todo());
      expect((await store.resources.get('res_1'))?.accessTokenExpiry).toBe(3600);
      expect(await store.resources.list()).toHaveLength(1);
      await store.resources.upsert(todo({ accessTokenExpiry: 60 }));
      expect((await store.resources.get('res_1'))?.accessTokenExpiry).toBe(60);
      expect((await store.resources.list())[0]?.accessTokenExpiry).toBe(60);
      await store.resources.remove('res_1');
      expect(await store.resources.get('res_1')).toBeUndefined();
      expect(await store.resources.list()).toEqual([]);
    });

    it('keeps nothing read inside a transaction that rolls back', async () => {
      await store.resources.upsert(todo());
      expect((await store.resources.get('res_1'))?.name).toBe('Todo');
      await expect(
        store.transaction(async (tx) => {
          await tx.resources.upsert(todo({ name: 'Renamed' }));
          expect((await tx.resources.get('res_1'))?.name).toBe('Renamed');
          expect((await tx.resources.list())[0]?.name).toBe('Renamed');
          throw new Error('roll back');
        }),
      ).rejects.toThrow(new Error('roll back'));
      expect((await store.resources.get('res_1'))?.name).toBe('Todo');
      expect((await store.resources.list())[0]?.name).toBe('Todo');
    });

    it('hands out frozen resources, so no caller can change what the next one reads', async () => {
      await store.resources.upsert(todo());
      const resource = (await store.resources.get('res_1'))!;
      expect(() => {
        (resource as { name: string }).name = 'x';
      }).toThrow(TypeError);
      expect(() => resource.scopes.push({ name: 'x', description: '', enabled: true })).toThrow(TypeError);
      expect((await store.resources.get('res_1'))?.name).toBe('Todo');
    });

    it('drops them when the table is written behind its back (a snapshot restore)', async () => {
      await store.resources.upsert(todo());
      const snapshot = await store.snapshots.take();
      await store.resources.upsert(todo({ name: 'Renamed' }));
      expect((await store.resources.get('res_1'))?.name).toBe('Renamed');
      await snapshot.restore();
      expect((await store.resources.get('res_1'))?.name).toBe('Todo');
    });
  });
});

describe('clients', () => {
  const agent = (over: Partial<ClientInput> = {}): ClientInput => ({
    clientId: 'm2morg_1',
    kind: 'organization',
    organizationId: 'org_1',
    name: 'Agent',
    description: 'An agent',
    scopes: ['todo:read', 'todo:write'],
    audience: ['http://localhost:3002/'],
    customClaims: [{ key: 'team', value: 'blue' }],
    expiry: 3600,
    redirectUris: ['http://localhost/cb'],
    ...over,
  });

  beforeEach(async () => {
    await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
  });

  it('upsert of a new client returns true and stores array fields as JSON arrays', async () => {
    expect(await store.clients.upsert(agent())).toBe(true);
    expect(await rows('SELECT * FROM clients')).toEqual([
      {
        client_id: 'm2morg_1',
        kind: 'organization',
        organization_id: 'org_1',
        resource_id: null,
        name: 'Agent',
        description: 'An agent',
        scopes: '["todo:read","todo:write"]',
        audience: '["http://localhost:3002/"]',
        custom_claims: '[{"key":"team","value":"blue"}]',
        expiry: 3600,
        redirect_uris: '["http://localhost/cb"]',
        metadata: '{}',
        metadata_expires_at: null,
        create_time: '2025-01-01T00:00:00.000Z',
        update_time: '2025-01-01T00:00:00.000Z',
        last_used_time: null,
      },
    ]);
  });

  it('markUsed dates the client to the day: written again only a day later, and by the commit of a token issued to it', async () => {
    await store.clients.upsert(agent());
    const lastUsed = async () => (await rows('SELECT last_used_time FROM clients'))[0];
    const at = Date.parse('2025-01-02T10:00:00.000Z');
    await store.clients.markUsed('m2morg_1', at);
    expect(await lastUsed()).toEqual({ last_used_time: '2025-01-02T10:00:00.000Z' });
    await store.clients.markUsed('m2morg_1', at + 3_600_000);
    expect(await lastUsed()).toEqual({ last_used_time: '2025-01-02T10:00:00.000Z' });
    const token = { jti: 'tkn_used', grantType: 'client_credentials', clientId: 'm2morg_1', subject: 'm2morg_1', scopes: [], audience: [] };
    await store.issuedTokens.record({ ...token, issuedAt: (at + 86_400_000 + 1000) / 1000, expiresAt: (at + 90_000_000) / 1000 });
    expect(await lastUsed()).toEqual({ last_used_time: '2025-01-03T10:00:01.000Z' });
    // A client row left untouched by upsert: the seed applied again changes nothing.
    expect(await store.clients.upsert(agent())).toBe(false);
  });

  it('get returns the client with its arrays parsed back', async () => {
    await store.clients.upsert(agent());
    expect(await store.clients.get('m2morg_1')).toEqual({
      ...agent(),
      metadata: {},
      createTime: '2025-01-01T00:00:00.000Z',
      updateTime: '2025-01-01T00:00:00.000Z',
    });
  });

  it('get of a client without organization or resource has neither key', async () => {
    await store.clients.upsert(agent({ clientId: 'skc_1', kind: 'environment', organizationId: undefined }));
    const client = await store.clients.get('skc_1');
    expect(client).toBeDefined();
    expect(client).not.toHaveProperty('organizationId');
    expect(client).not.toHaveProperty('resourceId');
  });

  it('upsert of an identical client returns false and does not touch update_time', async () => {
    await store.clients.upsert(agent());
    now = T1;
    expect(await store.clients.upsert(agent())).toBe(false);
    expect(await scalar('SELECT update_time FROM clients')).toBe('2025-01-01T00:00:00.000Z');
  });

  it('upsert of the same custom claims built with keys in another order returns false', async () => {
    await store.clients.upsert(agent());
    now = T1;
    expect(await store.clients.upsert(agent({ customClaims: [{ value: 'blue', key: 'team' }] }))).toBe(false);
  });

  it('upsert with a changed array returns true and bumps only update_time', async () => {
    await store.clients.upsert(agent());
    now = T1;
    expect(await store.clients.upsert(agent({ scopes: ['todo:read'] }))).toBe(true);
    expect(await rows('SELECT scopes, create_time, update_time FROM clients')).toEqual([
      { scopes: '["todo:read"]', create_time: '2025-01-01T00:00:00.000Z', update_time: '2025-01-02T00:00:00.000Z' },
    ]);
  });

  it('upsert of a client whose organization does not exist throws and writes nothing', async () => {
    await expect(store.clients.upsert(agent({ organizationId: 'org_404' }))).rejects.toMatchObject({ code: constraint('SQLITE_CONSTRAINT_FOREIGNKEY', '23503') });
    expect(await scalar('SELECT count(*) FROM clients')).toBe(0);
  });

  it('listByKind returns only clients of that kind', async () => {
    await store.clients.upsert(agent());
    await store.clients.upsert(agent({ clientId: 'skc_1', kind: 'environment', organizationId: undefined }));
    expect((await store.clients.listByKind('environment')).map((c) => c.clientId)).toEqual(['skc_1']);
    expect((await store.clients.listByKind('organization')).map((c) => c.clientId)).toEqual(['m2morg_1']);
    expect(await store.clients.listByKind('dcr')).toEqual([]);
  });

  it('remove deletes the client and its secrets, true only when a row was removed', async () => {
    await store.clients.upsert(agent());
    await store.secrets.create('m2morg_1');
    expect(await store.clients.remove('m2morg_1')).toBe(true);
    expect(await store.clients.remove('m2morg_1')).toBe(false);
    expect(await scalar('SELECT count(*) FROM clients')).toBe(0);
    expect(await scalar('SELECT count(*) FROM client_secrets')).toBe(0);
  });
});

describe('secrets', () => {
  const PLAIN = 'plain-secret-value-0123456789-wxyz';

  beforeEach(async () => {
    await store.clients.upsert({
      clientId: 'skc_1',
      kind: 'environment',
      name: 'Env',
      description: '',
      scopes: ['openid'],
      audience: [],
      customClaims: [],
      expiry: 86399,
      redirectUris: [],
    });
  });

  /** HMAC-SHA256 under the install key (SQLite: emulator.keys.json beside the database; PostgreSQL: install_keys). */
  const keyed = (plain: string) => createHmac('sha256', store.installKeys.secretHashKey).update(plain, 'utf8').digest('hex');
  const sha256 = (plain: string) => createHash('sha256').update(plain, 'utf8').digest('hex');

  it('setStatus INACTIVE stops a secret verifying, ACTIVE brings it back; the row says so', async () => {
    const { plainSecret, secret } = await store.secrets.create('skc_1');
    now = T1;
    expect(await store.secrets.setStatus('skc_1', secret.id, 'INACTIVE')).toMatchObject({ id: secret.id, status: 'INACTIVE', updateTime: '2025-01-02T00:00:00.000Z' });
    expect(await rows('SELECT status FROM client_secrets WHERE id = ?', secret.id)).toEqual([{ status: 'INACTIVE' }]);
    expect(await store.secrets.verify('skc_1', plainSecret)).toBe(false);
    expect((await store.secrets.setStatus('skc_1', secret.id, 'ACTIVE'))?.status).toBe('ACTIVE');
    expect(await store.secrets.verify('skc_1', plainSecret)).toBe(true);
    expect(await store.secrets.setStatus('skc_1', 'sks_1', 'INACTIVE')).toBeUndefined();
    expect(await store.secrets.setStatus('other', secret.id, 'INACTIVE')).toBeUndefined();
  });

  it('stores a generated secret as the SHA-256 hex digest, scheme sha256', async () => {
    const { plainSecret } = await store.secrets.create('skc_1');
    expect(await rows('SELECT secret_hash, hash_scheme FROM client_secrets')).toEqual([{ secret_hash: sha256(plainSecret), hash_scheme: 'sha256' }]);
  });

  it('stores an operator-chosen secret as HMAC-SHA256 under the install key, scheme hmac-sha256', async () => {
    await store.secrets.create('skc_1', PLAIN);
    expect(await rows('SELECT secret_hash, hash_scheme FROM client_secrets')).toEqual([{ secret_hash: keyed(PLAIN), hash_scheme: 'hmac-sha256' }]);
  });

  it('stores the last four characters as secret_suffix', async () => {
    const created = await store.secrets.create('skc_1', PLAIN);
    expect(await scalar('SELECT secret_suffix FROM client_secrets')).toBe('wxyz');
    expect(created.secret.secretSuffix).toBe('wxyz');
  });

  it('create returns the plain secret and an ACTIVE sks_ secret', async () => {
    const created = await store.secrets.create('skc_1', PLAIN);
    expect(created.plainSecret).toBe(PLAIN);
    expect(created.secret).toMatchObject({ clientId: 'skc_1', status: 'ACTIVE', createTime: '2025-01-01T00:00:00.000Z' });
    expect(isId('secret', created.secret.id)).toBe(true);
  });

  it('create without a value generates a random 43-character base64url secret', async () => {
    const a = (await store.secrets.create('skc_1')).plainSecret;
    const b = (await store.secrets.create('skc_1')).plainSecret;
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('verify is true for the plain secret', async () => {
    await store.secrets.create('skc_1', PLAIN);
    expect(await store.secrets.verify('skc_1', PLAIN)).toBe(true);
  });

  it('verify is false for a wrong secret, another client or an unknown client', async () => {
    await store.secrets.create('skc_1', PLAIN);
    expect(await store.secrets.verify('skc_1', `${PLAIN}x`)).toBe(false);
    expect(await store.secrets.verify('skc_1', PLAIN.toUpperCase())).toBe(false);
    expect(await store.secrets.verify('skc_2', PLAIN)).toBe(false);
  });

  it('verify is false for an INACTIVE secret', async () => {
    await store.secrets.create('skc_1', PLAIN);
    await raw.run("UPDATE client_secrets SET status = 'INACTIVE'");
    expect(await store.secrets.verify('skc_1', PLAIN)).toBe(false);
  });

  it('verify is false once expire_time has passed', async () => {
    await store.secrets.create('skc_1', PLAIN);
    await raw.run('UPDATE client_secrets SET expire_time = ?', ['2025-01-01T12:00:00.000Z']);
    expect(await store.secrets.verify('skc_1', PLAIN)).toBe(true);
    now = T1;
    expect(await store.secrets.verify('skc_1', PLAIN)).toBe(false);
  });

  it('checks made at once each get their own answer (PostgreSQL shares one query among them): right, wrong, another client’s, removed, inactive, expired', async () => {
    await store.clients.upsert({ clientId: 'skc_2', kind: 'environment', name: 'Env 2', description: '', scopes: [], audience: [], customClaims: [], expiry: 86399, redirectUris: [] });
    const random = await store.secrets.create('skc_1'); // sha256 scheme
    await store.secrets.create('skc_1', PLAIN); // keyed scheme
    const other = await store.secrets.create('skc_2');
    const removed = await store.secrets.create('skc_2');
    const inactive = await store.secrets.create('skc_2');
    const expiring = await store.secrets.create('skc_2');
    await store.secrets.remove('skc_2', removed.secret.id);
    await store.secrets.setStatus('skc_2', inactive.secret.id, 'INACTIVE');
    await raw.run('UPDATE client_secrets SET expire_time = ? WHERE id = ?', [new Date(now - 1000).toISOString(), expiring.secret.id]);
    const asked: [string, string, boolean][] = [
      ['skc_1', random.plainSecret, true],
      ['skc_1', PLAIN, true],
      ['skc_2', other.plainSecret, true],
      ['skc_2', random.plainSecret, false], // skc_1's secret presented by skc_2
      ['skc_1', other.plainSecret, false],
      ['skc_2', PLAIN, false],
      ['skc_1', 'not-a-secret-of-anyone-0123456789', false],
      ['skc_2', removed.plainSecret, false],
      ['skc_2', inactive.plainSecret, false],
      ['skc_2', expiring.plainSecret, false],
      ['skc_3', random.plainSecret, false],
    ];
    const answers = await Promise.all(asked.map(([clientId, plain]) => store.secrets.verify(clientId, plain)));
    expect(answers).toEqual(asked.map(([, , expected]) => expected));
  });

  it('a check fails at once after its secret was removed, also when checks of it were made just before', async () => {
    const { plainSecret, secret } = await store.secrets.create('skc_1');
    expect(await Promise.all([store.secrets.verify('skc_1', plainSecret), store.secrets.verify('skc_1', plainSecret)])).toEqual([true, true]);
    await store.secrets.remove('skc_1', secret.id);
    expect(await store.secrets.verify('skc_1', plainSecret)).toBe(false);
  });

  it('ensure adds the secret the first time and returns undefined after, leaving one row', async () => {
    expect((await store.secrets.ensure('skc_1', PLAIN))?.plainSecret).toBe(PLAIN);
    expect(await store.secrets.ensure('skc_1', PLAIN)).toBeUndefined();
    expect(await scalar('SELECT count(*) FROM client_secrets')).toBe(1);
  });

  it('replaceAll leaves exactly one secret: the given one', async () => {
    const old1 = (await store.secrets.create('skc_1')).plainSecret;
    const old2 = (await store.secrets.create('skc_1')).plainSecret;
    await store.secrets.replaceAll('skc_1', PLAIN);
    expect(await scalar('SELECT count(*) FROM client_secrets WHERE client_id = ?', 'skc_1')).toBe(1);
    expect(await store.secrets.verify('skc_1', PLAIN)).toBe(true);
    expect(await store.secrets.verify('skc_1', old1)).toBe(false);
    expect(await store.secrets.verify('skc_1', old2)).toBe(false);
  });

  it('replaceAll with the secret already held keeps its row and returns undefined', async () => {
    const { secret } = await store.secrets.create('skc_1', PLAIN);
    await store.secrets.create('skc_1');
    expect(await store.secrets.replaceAll('skc_1', PLAIN)).toBeUndefined();
    expect((await store.secrets.list('skc_1')).map((s) => s.id)).toEqual([secret.id]);
  });

  it('list returns the secrets of one client without any hash or plain value', async () => {
    await store.secrets.create('skc_1', PLAIN);
    const listed = await store.secrets.list('skc_1');
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(PLAIN);
    expect(JSON.stringify(listed)).not.toContain(keyed(PLAIN));
    expect(await store.secrets.list('skc_2')).toEqual([]);
  });
});

describe('environment scopes', () => {
  it('upsert stores a row (names unique), changes only description and flag, and says when it changed', async () => {
    expect(await store.environmentScopes.upsert({ id: 'scope_1', name: 'reports:read', description: 'Read', enabled: true })).toBe(true);
    expect(await rows('SELECT * FROM environment_scopes')).toEqual([
      { id: 'scope_1', name: 'reports:read', description: 'Read', enabled: 1, create_time: '2025-01-01T00:00:00.000Z', update_time: '2025-01-01T00:00:00.000Z' },
    ]);
    expect(await store.environmentScopes.upsert({ id: 'scope_1', name: 'reports:read', description: 'Read', enabled: true })).toBe(false);
    now = T1;
    expect(await store.environmentScopes.upsert({ id: 'scope_1', name: 'reports:read', description: 'Read', enabled: false })).toBe(true);
    expect(await store.environmentScopes.findByName('reports:read')).toMatchObject({ id: 'scope_1', enabled: false, updateTime: '2025-01-02T00:00:00.000Z' });
    await expect(store.environmentScopes.upsert({ id: 'scope_2', name: 'reports:read', description: '', enabled: true })).rejects.toMatchObject({
      code: constraint('SQLITE_CONSTRAINT_UNIQUE', '23505'),
    });
    expect(await store.environmentScopes.remove('scope_1')).toBe(true);
    expect(await store.environmentScopes.remove('scope_1')).toBe(false);
    expect(await store.environmentScopes.list()).toEqual([]);
  });
});

describe('users', () => {
  const PASSWORD = 'correct horse battery staple';
  const alice = { id: 'usr_1', email: 'alice@example.com', name: 'Alice', password: PASSWORD };

  it('upsert of a new user returns true and stores the password as scrypt$..., never plain', async () => {
    expect(await store.users.upsert(alice)).toBe(true);
    const hash = (await scalar('SELECT password_hash FROM users')) as string;
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(hash).not.toContain(PASSWORD);
  });

  it('verifyPassword is true for the password', async () => {
    await store.users.upsert(alice);
    expect(await store.users.verifyPassword('usr_1', PASSWORD)).toBe(true);
  });

  it('verifyPassword is false for a wrong password or an unknown user', async () => {
    await store.users.upsert(alice);
    expect(await store.users.verifyPassword('usr_1', `${PASSWORD}!`)).toBe(false);
    expect(await store.users.verifyPassword('usr_2', PASSWORD)).toBe(false);
  });

  it('verifyPassword is false for a user without a password', async () => {
    await store.users.upsert({ id: 'usr_1', email: 'alice@example.com', name: 'Alice' });
    expect(await scalar('SELECT password_hash FROM users')).toBeNull();
    expect(await store.users.verifyPassword('usr_1', '')).toBe(false);
  });

  it('upsert with the same password returns false and keeps the stored hash and update_time', async () => {
    await store.users.upsert(alice);
    const before = await rows('SELECT password_hash, update_time FROM users');
    now = T1;
    expect(await store.users.upsert(alice)).toBe(false);
    expect(await rows('SELECT password_hash, update_time FROM users')).toEqual(before);
  });

  it('upsert without a password keeps the stored one', async () => {
    await store.users.upsert(alice);
    const { password: _password, ...withoutPassword } = alice;
    expect(await store.users.upsert({ ...withoutPassword, name: 'Alice B.' })).toBe(true);
    expect(await store.users.verifyPassword('usr_1', PASSWORD)).toBe(true);
  });

  it('upsert with a new password returns true and only the new password verifies', async () => {
    await store.users.upsert(alice);
    expect(await store.users.upsert({ ...alice, password: 'another password' })).toBe(true);
    expect(await store.users.verifyPassword('usr_1', 'another password')).toBe(true);
    expect(await store.users.verifyPassword('usr_1', PASSWORD)).toBe(false);
  });

  it('stores the email in lower case and findByEmail finds it in any case', async () => {
    await store.users.upsert({ ...alice, email: 'Alice@Example.COM' });
    expect(await scalar('SELECT email FROM users')).toBe('alice@example.com');
    expect((await store.users.findByEmail('ALICE@example.com'))?.id).toBe('usr_1');
  });

  // src/store/users.ts compares the stored (lower-cased) email with the input as given, so a
  // mixed-case email is "changed" on every upsert: update_time moves and seeds are never idempotent.
  it('upsert of the same mixed-case email twice returns false the second time', async () => {
    await store.users.upsert({ ...alice, email: 'Alice@Example.com' });
    now = T1;
    expect(await store.users.upsert({ ...alice, email: 'Alice@Example.com' })).toBe(false);
  });

  it('get returns the user without any password field', async () => {
    await store.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
    await store.users.upsert({ ...alice, organizationId: 'org_1' });
    expect(await store.users.get('usr_1')).toEqual({
      id: 'usr_1',
      email: 'alice@example.com',
      name: 'Alice',
      organizationId: 'org_1',
      createTime: '2025-01-01T00:00:00.000Z',
      updateTime: '2025-01-01T00:00:00.000Z',
    });
  });

  it('a second user with the same email in another case is rejected', async () => {
    await store.users.upsert(alice);
    await expect(store.users.upsert({ ...alice, id: 'usr_2', email: 'ALICE@example.com' })).rejects.toMatchObject({ code: constraint('SQLITE_CONSTRAINT_UNIQUE', '23505') });
    expect(await scalar('SELECT count(*) FROM users')).toBe(1);
  });
});

describe('issued tokens', () => {
  const token = {
    jti: 'tkn_1',
    grantType: 'client_credentials',
    clientId: 'm2morg_1',
    subject: 'm2morg_1',
    scopes: ['todo:read', 'todo:write'],
    audience: ['http://localhost:3002/'],
    issuedAt: 1_735_689_600,
    expiresAt: 1_735_693_200,
  };

  it('get returns a recorded token (flushing the queue first)', async () => {
    void store.issuedTokens.record(token);
    expect(await store.issuedTokens.get('tkn_1')).toEqual(token);
  });

  it('count includes recorded tokens not yet written', async () => {
    void store.issuedTokens.record(token);
    void store.issuedTokens.record({ ...token, jti: 'tkn_2' });
    expect(await store.issuedTokens.count()).toBe(2);
  });

  it('flush writes the row, with scopes space-separated and audience as JSON', async () => {
    void store.issuedTokens.record(token);
    await store.issuedTokens.flush();
    expect(await rows('SELECT * FROM issued_tokens')).toEqual([
      {
        jti: 'tkn_1',
        grant_type: 'client_credentials',
        client_id: 'm2morg_1',
        subject: 'm2morg_1',
        scopes: 'todo:read todo:write',
        audience: '["http://localhost:3002/"]',
        issued_at: 1_735_689_600,
        expires_at: 1_735_693_200,
        revoked_at: null,
        grant_id: null,
      },
    ]);
  });

  it('recorded tokens are written by the next event-loop turn without an explicit flush', async () => {
    const recorded = store.issuedTokens.record(token);
    await new Promise((resolve) => setImmediate(resolve));
    // SQLite has committed in that turn; PostgreSQL's batch left in it and is committed when it settles
    // (without a flush it never would).
    if (engine.name === 'postgres') await recorded;
    expect(await scalar('SELECT count(*) FROM issued_tokens')).toBe(1);
  });

  it('rows recorded in one turn are committed together: all are visible when the first resolves', async () => {
    const first = store.issuedTokens.record(token);
    const rest = [2, 3, 4].map((n) => store.issuedTokens.record({ ...token, jti: `tkn_${n}` }));
    await first;
    expect(await scalar('SELECT count(*) FROM issued_tokens')).toBe(4); // read on another connection
    await Promise.all(rest);
  });

  it('record rejects, naming why, when the row cannot be written', async () => {
    await store.close();
    await expect(store.issuedTokens.record(token)).rejects.toThrow(new Error('the database is closed'));
    await raw.close();
    opened = await openOn(opened.location, () => now);
    ({ store, raw } = opened);
  });

  it('a row that breaks a constraint (a jti issued twice) fails its own record only, not its batch', async () => {
    await store.issuedTokens.record(token);
    const duplicate = store.issuedTokens.record(token);
    const other = store.issuedTokens.record({ ...token, jti: 'tkn_2' });
    await expect(duplicate).rejects.toMatchObject({ code: constraint('SQLITE_CONSTRAINT_PRIMARYKEY', '23505') });
    await other;
    expect(await rows('SELECT jti FROM issued_tokens ORDER BY jti')).toEqual([{ jti: 'tkn_1' }, { jti: 'tkn_2' }]);
  });

  it('close writes what is still queued', async () => {
    void store.issuedTokens.record(token);
    await store.close();
    await raw.close();
    opened = await openOn(opened.location, () => now);
    ({ store, raw } = opened);
    expect(await store.issuedTokens.count()).toBe(1);
  });

  it('a token with no scopes reads back with an empty scope list', async () => {
    void store.issuedTokens.record({ ...token, scopes: [] });
    expect((await store.issuedTokens.get('tkn_1'))?.scopes).toEqual([]);
  });

  it('get returns undefined for an unknown jti', async () => {
    expect(await store.issuedTokens.get('tkn_404')).toBeUndefined();
  });

  it('revoke marks the matching live rows, by jti, client, subject or grant; returns how many', async () => {
    void store.issuedTokens.record(token);
    void store.issuedTokens.record({ ...token, jti: 'tkn_2', grantId: 'g1', subject: 'usr_1' });
    void store.issuedTokens.record({ ...token, jti: 'tkn_3', clientId: 'm2morg_2', subject: 'usr_1' });
    expect(await store.issuedTokens.revoke({ jti: 'tkn_1' }, 100)).toBe(1);
    expect(await store.issuedTokens.revoke({ clientId: 'm2morg_1' }, 200)).toBe(1); // tkn_1 keeps its time
    expect(await store.issuedTokens.revoke({ subject: 'usr_1' }, 300)).toBe(1);
    expect(await store.issuedTokens.revoke({ grantId: 'g1' }, 400)).toBe(0);
    void store.issuedTokens.record({ ...token, jti: 'tkn_4', expiresAt: 500 });
    expect(await store.issuedTokens.revoke({ jti: 'tkn_4' }, 500)).toBe(0); // expired by then
    expect(await rows('SELECT jti, revoked_at FROM issued_tokens ORDER BY jti')).toEqual([
      { jti: 'tkn_1', revoked_at: 100 },
      { jti: 'tkn_2', revoked_at: 200 },
      { jti: 'tkn_3', revoked_at: 300 },
      { jti: 'tkn_4', revoked_at: null },
    ]);
    expect((await store.issuedTokens.get('tkn_1'))?.revokedAt).toBe(100);
  });

  it('expire moves the expiry of the matching live rows to the given time, never later, and skips revoked ones', async () => {
    void store.issuedTokens.record(token);
    void store.issuedTokens.record({ ...token, jti: 'tkn_2', expiresAt: 1_000 });
    void store.issuedTokens.record({ ...token, jti: 'tkn_3' });
    await store.issuedTokens.revoke({ jti: 'tkn_3' }, 900);
    expect(await store.issuedTokens.expire({ clientId: 'm2morg_1' }, 1_735_690_000)).toBe(1);
    expect(await rows('SELECT jti, expires_at, revoked_at FROM issued_tokens ORDER BY jti')).toEqual([
      { jti: 'tkn_1', expires_at: 1_735_690_000, revoked_at: null },
      { jti: 'tkn_2', expires_at: 1_000, revoked_at: null },
      { jti: 'tkn_3', expires_at: 1_735_693_200, revoked_at: 900 },
    ]);
  });
});

describe('oidc payloads', () => {
  const NOW = 1_000_000;

  it('find returns the stored payload', async () => {
    await store.oidcPayloads.upsert('env', 'Session', 's1', { accountId: 'usr_1', kind: 'Session' }, NOW + 60);
    expect(await store.oidcPayloads.find('env', 'Session', 's1', NOW)).toEqual({ accountId: 'usr_1', kind: 'Session' });
  });

  it('find returns undefined for an unknown id, another model or another namespace', async () => {
    await store.oidcPayloads.upsert('env', 'Session', 's1', { a: 1 }, null);
    expect(await store.oidcPayloads.find('env', 'Session', 's2', NOW)).toBeUndefined();
    expect(await store.oidcPayloads.find('env', 'Grant', 's1', NOW)).toBeUndefined();
    expect(await store.oidcPayloads.find('res_1', 'Session', 's1', NOW)).toBeUndefined();
  });

  it('upsert of an existing id replaces the payload and expiry (one row)', async () => {
    await store.oidcPayloads.upsert('env', 'Session', 's1', { v: 1 }, NOW + 60);
    await store.oidcPayloads.upsert('env', 'Session', 's1', { v: 2 }, NOW + 120);
    expect(await rows('SELECT payload, expires_at FROM oidc_payloads')).toEqual([{ payload: '{"v":2}', expires_at: NOW + 120 }]);
  });

  it('upsert stores grantId, uid and userCode in their own columns', async () => {
    await store.oidcPayloads.upsert('env', 'DeviceCode', 'd1', { grantId: 'g1', uid: 'u1', userCode: 'ABCD', n: 3 }, null);
    expect(await rows('SELECT grant_id, uid, user_code, expires_at, consumed_at FROM oidc_payloads')).toEqual([
      { grant_id: 'g1', uid: 'u1', user_code: 'ABCD', expires_at: null, consumed_at: null },
    ]);
  });

  it('find after consume returns the payload with consumed set to the consume time', async () => {
    await store.oidcPayloads.upsert('env', 'AuthorizationCode', 'c1', { grantId: 'g1' }, NOW + 60);
    await store.oidcPayloads.consume('env', 'AuthorizationCode', 'c1', NOW + 5);
    expect(await store.oidcPayloads.find('env', 'AuthorizationCode', 'c1', NOW + 10)).toEqual({ grantId: 'g1', consumed: NOW + 5 });
    expect(await scalar('SELECT consumed_at FROM oidc_payloads')).toBe(NOW + 5);
  });

  it('upsertSuccessor stores the new refresh token and names it in the replaced one’s successor_id', async () => {
    await store.oidcPayloads.upsert('env', 'RefreshToken', 'r1', { grantId: 'g1' }, NOW + 600);
    await store.oidcPayloads.consume('env', 'RefreshToken', 'r1', NOW);
    await store.oidcPayloads.upsertSuccessor('env', 'RefreshToken', 'r1', 'r2', { grantId: 'g1' }, NOW + 600);
    expect(await store.oidcPayloads.find('env', 'RefreshToken', 'r2', NOW)).toEqual({ grantId: 'g1' });
    expect(await store.oidcPayloads.successorOf('env', 'RefreshToken', 'r1')).toBe('r2');
    expect(await store.oidcPayloads.successorOf('env', 'RefreshToken', 'r2')).toBeUndefined();
    expect(await store.oidcPayloads.successorOf('res_1', 'RefreshToken', 'r1')).toBeUndefined();
    expect(await scalar("SELECT successor_id FROM oidc_payloads WHERE id = 'r1'")).toBe('r2');
  });

  it('find returns no consumed key for a payload never consumed', async () => {
    await store.oidcPayloads.upsert('env', 'AuthorizationCode', 'c1', { grantId: 'g1' }, NOW + 60);
    expect(await store.oidcPayloads.find('env', 'AuthorizationCode', 'c1', NOW)).not.toHaveProperty('consumed');
  });

  it('find does not return a row whose expires_at is in the past or now', async () => {
    await store.oidcPayloads.upsert('env', 'Session', 'past', { a: 1 }, NOW - 1);
    await store.oidcPayloads.upsert('env', 'Session', 'edge', { a: 1 }, NOW);
    expect(await store.oidcPayloads.find('env', 'Session', 'past', NOW)).toBeUndefined();
    expect(await store.oidcPayloads.find('env', 'Session', 'edge', NOW)).toBeUndefined();
  });

  it('find returns a row without expiry at any time', async () => {
    await store.oidcPayloads.upsert('env', 'Client', 'c1', { a: 1 }, null);
    expect(await store.oidcPayloads.find('env', 'Client', 'c1', Number.MAX_SAFE_INTEGER)).toEqual({ a: 1 });
  });

  it('findByUid returns the live payload with that uid, undefined once expired', async () => {
    await store.oidcPayloads.upsert('env', 'Interaction', 'i1', { uid: 'u1', prompt: 'login' }, NOW + 60);
    expect(await store.oidcPayloads.findByUid('env', 'Interaction', 'u1', NOW)).toEqual({ uid: 'u1', prompt: 'login' });
    expect(await store.oidcPayloads.findByUid('env', 'Interaction', 'u1', NOW + 60)).toBeUndefined();
    expect(await store.oidcPayloads.findByUid('other', 'Interaction', 'u1', NOW)).toBeUndefined();
  });

  it('findByUserCode returns the payload with that user code', async () => {
    await store.oidcPayloads.upsert('env', 'DeviceCode', 'd1', { userCode: 'ABCD-EFGH' }, NOW + 60);
    expect(await store.oidcPayloads.findByUserCode('env', 'DeviceCode', 'ABCD-EFGH', NOW)).toEqual({ userCode: 'ABCD-EFGH' });
  });

  it('destroy deletes only that row', async () => {
    await store.oidcPayloads.upsert('env', 'Session', 's1', { a: 1 }, null);
    await store.oidcPayloads.upsert('env', 'Session', 's2', { a: 2 }, null);
    await store.oidcPayloads.destroy('env', 'Session', 's1');
    expect(await rows('SELECT id FROM oidc_payloads')).toEqual([{ id: 's2' }]);
  });

  it('revokeByGrantId deletes the codes and tokens of that grant in that namespace only; the grant and an interaction naming it stay', async () => {
    await store.oidcPayloads.upsert('env', 'Grant', 'g1', { grantId: 'g1' }, null);
    await store.oidcPayloads.upsert('env', 'Interaction', 'i1', { grantId: 'g1', uid: 'i1' }, NOW + 60);
    await store.oidcPayloads.upsert('env', 'AuthorizationCode', 'c1', { grantId: 'g1' }, NOW + 60);
    await store.oidcPayloads.upsert('env', 'RefreshToken', 'r1', { grantId: 'g1' }, NOW + 600);
    await store.oidcPayloads.upsert('env', 'RefreshToken', 'r2', { grantId: 'g2' }, NOW + 600);
    await store.oidcPayloads.upsert('res_1', 'RefreshToken', 'r1', { grantId: 'g1' }, NOW + 600);
    await store.oidcPayloads.revokeByGrantId('env', 'g1');
    expect(await rows('SELECT ns, model, id FROM oidc_payloads ORDER BY ns, model, id')).toEqual([
      { ns: 'env', model: 'Grant', id: 'g1' },
      { ns: 'env', model: 'Interaction', id: 'i1' },
      { ns: 'env', model: 'RefreshToken', id: 'r2' },
      { ns: 'res_1', model: 'RefreshToken', id: 'r1' },
    ]);
  });

  it('sweep deletes expired rows (expires_at <= now), keeps the rest and returns the count', async () => {
    await store.oidcPayloads.upsert('env', 'Session', 'past', { a: 1 }, NOW - 1);
    await store.oidcPayloads.upsert('env', 'Session', 'edge', { a: 1 }, NOW);
    await store.oidcPayloads.upsert('env', 'Session', 'live', { a: 1 }, NOW + 1);
    await store.oidcPayloads.upsert('env', 'Client', 'forever', { a: 1 }, null);
    expect(await store.oidcPayloads.sweep(NOW)).toBe(2);
    expect(await rows('SELECT id FROM oidc_payloads ORDER BY id')).toEqual([{ id: 'forever' }, { id: 'live' }]);
  });

  it('findInAnyIssuer finds a live payload by model and id whatever its namespace', async () => {
    await store.oidcPayloads.upsert('res_1', 'RefreshToken', 'r1', { clientId: 'm2m_1' }, NOW + 60);
    expect(await store.oidcPayloads.findInAnyIssuer('RefreshToken', 'r1', NOW)).toEqual({ ns: 'res_1', payload: { clientId: 'm2m_1' } });
    expect(await store.oidcPayloads.findInAnyIssuer('RefreshToken', 'r1', NOW + 60)).toBeUndefined();
    expect(await store.oidcPayloads.findInAnyIssuer('Grant', 'r1', NOW)).toBeUndefined();
  });

  it('grantsOf lists the grants of a client or a user in every namespace, from the grants and from their tokens', async () => {
    await store.oidcPayloads.upsert('env', 'Grant', 'g1', { clientId: 'c1', accountId: 'usr_1' }, null);
    await store.oidcPayloads.upsert('res_1', 'RefreshToken', 'r1', { clientId: 'c1', accountId: 'usr_2', grantId: 'g2' }, NOW + 60);
    await store.oidcPayloads.upsert('res_1', 'Session', 's1', { accountId: 'usr_1' }, NOW + 60);
    const sorted = (list: { ns: string; grantId: string }[]) => [...list].sort((a, b) => a.grantId.localeCompare(b.grantId));
    expect(sorted(await store.oidcPayloads.grantsOf({ clientId: 'c1' }))).toEqual([
      { ns: 'env', grantId: 'g1' },
      { ns: 'res_1', grantId: 'g2' },
    ]);
    expect(await store.oidcPayloads.grantsOf({ accountId: 'usr_1' })).toEqual([{ ns: 'env', grantId: 'g1' }]);
  });

  it('expire ends the live payloads of that model by id, client or account', async () => {
    await store.oidcPayloads.upsert('env', 'RefreshToken', 'r1', { clientId: 'c1', accountId: 'usr_1' }, NOW + 60);
    await store.oidcPayloads.upsert('res_1', 'RefreshToken', 'r2', { clientId: 'c1', accountId: 'usr_2' }, null);
    await store.oidcPayloads.upsert('env', 'Grant', 'g1', { clientId: 'c1' }, null);
    expect(await store.oidcPayloads.expire('RefreshToken', { accountId: 'usr_2' }, NOW)).toBe(1);
    expect(await store.oidcPayloads.expire('RefreshToken', { clientId: 'c1' }, NOW)).toBe(1);
    expect(await store.oidcPayloads.expire('RefreshToken', { id: 'r1' }, NOW)).toBe(0);
    expect(await rows('SELECT id, expires_at FROM oidc_payloads ORDER BY id')).toEqual([
      { id: 'g1', expires_at: null },
      { id: 'r1', expires_at: NOW },
      { id: 'r2', expires_at: NOW },
    ]);
  });
});

});

describe('ids', () => {
  const kinds = Object.keys(ID_PREFIXES) as IdKind[];

  it('newId is the prefix followed by exactly 17 digits, without a leading zero', async () => {
    for (const kind of kinds) {
      for (let i = 0; i < 50; i++) {
        const id = newId(kind);
        expect(id.startsWith(ID_PREFIXES[kind])).toBe(true);
        expect(id.slice(ID_PREFIXES[kind].length)).toMatch(/^[1-9][0-9]{16}$/);
      }
    }
  });

  it('newId gives 1,000 distinct ids in 1,000 calls', async () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('resource')));
    expect(ids.size).toBe(1000);
  });

  it('isId accepts the id newId made for the same kind', async () => {
    for (const kind of kinds) expect(isId(kind, newId(kind))).toBe(true);
  });

  it('isId accepts any number of digits after the prefix', async () => {
    expect(isId('resource', 'res_1')).toBe(true);
    expect(isId('resource', 'res_0123456789012345678901')).toBe(true);
  });

  it('isId rejects another prefix, no digits, or non-digits', async () => {
    expect(isId('resource', 'org_123')).toBe(false);
    expect(isId('resource', 'resource_1')).toBe(false);
    expect(isId('resource', 'res_')).toBe(false);
    expect(isId('resource', 'res_12a')).toBe(false);
    expect(isId('resource', 'res_-1')).toBe(false);
    expect(isId('resource', ' res_1')).toBe(false);
    expect(isId('dcrClient', 'm2morg_1')).toBe(false);
  });

  it('sequentialIds counts per kind in the 17-digit shape, and two sources never share a count', async () => {
    const a = sequentialIds();
    const b = sequentialIds();
    expect([a.newId('user'), a.newId('user'), a.newId('token')]).toEqual(['usr_90000000000000001', 'usr_90000000000000002', 'tkn_90000000000000001']);
    expect(b.newId('user')).toBe('usr_90000000000000001');
    expect(isId('user', a.newId('user'))).toBe(true);
  });

  it('sequentialIds secrets are 43 base64url characters, the same on every run, each one new', async () => {
    const [first, second] = [sequentialIds(), sequentialIds()].map((s) => [s.newSecret(), s.newSecret()]);
    expect(first).toEqual(second);
    expect(first![0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first![0]).not.toBe(first![1]);
  });

  it('sequentialIds derives one id per seed, and mark() puts every sequence back', async () => {
    const ids = sequentialIds();
    const back = ids.mark();
    expect(ids.derivedId('session', 'uid-a')).toBe('ses_90000000000000001');
    expect(ids.derivedId('session', 'uid-b')).toBe('ses_90000000000000002');
    expect(ids.derivedId('session', 'uid-a')).toBe('ses_90000000000000001');
    const secret = ids.newSecret();
    back();
    expect(ids.derivedId('session', 'uid-b')).toBe('ses_90000000000000001');
    expect(ids.newSecret()).toBe(secret);
  });

  it('randomIds gives fresh random ids and secrets, and derives as derivedId does', async () => {
    expect(randomIds.newId('user')).not.toBe(randomIds.newId('user'));
    expect(randomIds.newSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomIds.derivedId('session', 'x')).toBe(derivedId('session', 'x'));
  });

  it('a random secret never starts with a dash, which a command line reads as another flag (1 in 64 would)', () => {
    const secrets = Array.from({ length: 5000 }, () => randomIds.newSecret());
    expect(secrets.filter((s) => s.startsWith('-'))).toEqual([]);
    expect(secrets.filter((s) => !/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/.test(s))).toEqual([]);
  });
});
