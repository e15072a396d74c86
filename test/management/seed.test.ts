// The seed through the management service, on each engine (../store/engines.ts), checked by its rows.
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_USER_PASSWORD, parseSeed, type Seed } from '../../src/config/seed.js';
import { applySeed as applySeedThrough } from '../../src/management/seed.js';
import { createManagementService } from '../../src/management/service.js';
import type { Store } from '../../src/store/index.js';
import type { RawDatabase } from '../helpers/databases.js';
import { ENGINES, storePerTest } from '../store/engines.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const T1 = Date.parse('2025-01-02T00:00:00.000Z');
const SECRET = 'seeded-plain-secret-0123456789';
const PASSWORD = 'alice-password';

const TABLES = ['organizations', 'resources', 'resource_scopes', 'clients', 'client_secrets', 'users'] as const;

describe.each(ENGINES)('on $name', (engine) => {
let now = T0;
let store: Store;
let raw: RawDatabase;
beforeEach(() => {
  now = T0;
});
const each = storePerTest(engine, () => now);
beforeEach(async () => {
  ({ store, raw } = each);
});
const scalar = (sql: string, params?: unknown[]) => raw.scalar(sql, params);

// The seed loader is a client of the management service, as in the app.
const applySeed = (s: Store, seed: Seed) => applySeedThrough(createManagementService({ store: s, clock: () => now }), seed);

const count = async (table: string) => (await scalar(`SELECT count(*) FROM ${table}`)) as number;
const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await count(t)] as const)));
const snapshot = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await raw.all(`SELECT * FROM ${t} ORDER BY 1, 2`)] as const)));

function fullSeed(): Seed {
  return parseSeed({
    organizations: [
      { id: 'org_1', display_name: 'Acme' },
      { id: 'org_2', display_name: 'Globex' },
    ],
    resources: [
      {
        id: 'res_1',
        name: 'Todo',
        description: 'Todo MCP server',
        resource_id: 'http://localhost:3002/',
        scopes: [
          { name: 'todo:read', description: 'Read' },
          { name: 'todo:write', description: 'Write' },
        ],
        access_token_expiry: 600,
        enable_cimd: true,
      },
    ],
    clients: [
      {
        client_id: 'm2morg_1',
        organization_id: 'org_1',
        name: 'Generated',
        scopes: ['todo:read'],
        audience: ['http://localhost:3002/'],
        custom_claims: [{ key: 'team', value: 'blue' }],
      },
      {
        client_id: 'm2morg_2',
        organization_id: 'org_2',
        name: 'Given',
        expiry: 120,
        plain_secret: SECRET,
      },
    ],
    users: [
      { id: 'usr_1', email: 'alice@example.com', name: 'Alice', password: PASSWORD, organization_id: 'org_1' },
      { id: 'usr_2', email: 'bob@example.com' },
    ],
  });
}

describe('applySeed with a full seed', () => {
  it('creates the organizations', async () => {
    await applySeed(store, fullSeed());
    expect(await raw.all('SELECT id, display_name FROM organizations ORDER BY id')).toEqual([
      { id: 'org_1', display_name: 'Acme' },
      { id: 'org_2', display_name: 'Globex' },
    ]);
  });

  it('creates the resource with its defaults and its scopes in order, all enabled', async () => {
    await applySeed(store, fullSeed());
    expect(
      (await raw.all(
          `SELECT id, name, resource_type, resource_id, access_token_expiry, refresh_token_expiry,
             disable_dynamic_client_registration, enable_cimd FROM resources`,
        )),
    ).toEqual([
      {
        id: 'res_1',
        name: 'Todo',
        resource_type: 'MCP_SERVER',
        resource_id: 'http://localhost:3002/',
        access_token_expiry: 600,
        refresh_token_expiry: 86400,
        disable_dynamic_client_registration: 0,
        enable_cimd: 1,
      },
    ]);
    expect(await raw.all('SELECT name, enabled, position FROM resource_scopes ORDER BY position')).toEqual([
      { name: 'todo:read', enabled: 1, position: 0 },
      { name: 'todo:write', enabled: 1, position: 1 },
    ]);
  });

  it('creates the clients as organization clients with their JSON fields', async () => {
    await applySeed(store, fullSeed());
    expect(
      (await raw.all('SELECT client_id, kind, organization_id, scopes, audience, custom_claims, expiry FROM clients ORDER BY client_id')),
    ).toEqual([
      {
        client_id: 'm2morg_1',
        kind: 'organization',
        organization_id: 'org_1',
        scopes: '["todo:read"]',
        audience: '["http://localhost:3002/"]',
        custom_claims: '[{"key":"team","value":"blue"}]',
        expiry: 3600,
      },
      {
        client_id: 'm2morg_2',
        kind: 'organization',
        organization_id: 'org_2',
        scopes: '[]',
        audience: '[]',
        custom_claims: '[]',
        expiry: 120,
      },
    ]);
  });

  it('creates the users, the password hashed', async () => {
    await applySeed(store, fullSeed());
    expect(await raw.all('SELECT id, email, name, organization_id FROM users ORDER BY id')).toEqual([
      { id: 'usr_1', email: 'alice@example.com', name: 'Alice', organization_id: 'org_1' },
      { id: 'usr_2', email: 'bob@example.com', name: '', organization_id: null },
    ]);
    expect(await scalar("SELECT password_hash FROM users WHERE id = 'usr_1'")).toMatch(/^scrypt\$/);
    expect(await store.users.verifyPassword('usr_1', PASSWORD)).toBe(true);
  });

  it('gives a new user seeded without a password the documented default one, and keeps a changed one on the next run', async () => {
    await applySeed(store, fullSeed());
    expect((await store.users.authenticate('bob@example.com', DEFAULT_USER_PASSWORD))?.id).toBe('usr_2');
    expect(await store.users.authenticate('bob@example.com', 'something-else')).toBeUndefined();
    await store.users.upsert({ id: 'usr_2', email: 'bob@example.com', name: '', password: 'bobs-own-password' });
    await applySeed(store, fullSeed());
    expect((await store.users.authenticate('bob@example.com', 'bobs-own-password'))?.id).toBe('usr_2');
    expect(await store.users.authenticate('bob@example.com', DEFAULT_USER_PASSWORD)).toBeUndefined();
  });

  it('counts every row it created as changed (one per org, resource, client, secret and user)', async () => {
    expect((await applySeed(store, fullSeed())).changed).toBe(2 + 1 + 2 + 2 + 2);
  });

  it('lets the client with plain_secret authenticate with it', async () => {
    await applySeed(store, fullSeed());
    expect(await store.secrets.verify('m2morg_2', SECRET)).toBe(true);
    expect(await store.secrets.verify('m2morg_2', `${SECRET}x`)).toBe(false);
  });
});

describe('a client without plain_secret', () => {
  it('gets one generated secret on the first run, returned in createdSecrets and verifiable', async () => {
    const { createdSecrets } = await applySeed(store, fullSeed());
    expect(createdSecrets).toHaveLength(1);
    const [created] = createdSecrets;
    expect(created?.clientId).toBe('m2morg_1');
    expect((await store.secrets.list('m2morg_1')).map((s) => s.id)).toEqual([created?.secretId]);
    expect(await store.secrets.verify('m2morg_1', created?.plainSecret ?? '')).toBe(true);
  });

  it('gets no new secret on the second run', async () => {
    await applySeed(store, fullSeed());
    const second = await applySeed(store, fullSeed());
    expect(second.createdSecrets).toEqual([]);
    expect(await scalar("SELECT count(*) FROM client_secrets WHERE client_id = 'm2morg_1'")).toBe(1);
  });
});

describe('applying the same seed twice', () => {
  it('reports nothing changed the second time', async () => {
    await applySeed(store, fullSeed());
    now = T1;
    expect((await applySeed(store, fullSeed())).changed).toBe(0);
  });

  it('leaves every row, update_time included, exactly as the first run wrote it', async () => {
    await applySeed(store, fullSeed());
    const before = await snapshot();
    now = T1;
    await applySeed(store, fullSeed());
    expect(await snapshot()).toEqual(before);
  });

  it('leaves the row counts unchanged', async () => {
    await applySeed(store, fullSeed());
    const before = await counts();
    await applySeed(store, fullSeed());
    expect(await counts()).toEqual(before);
  });

  // src/store/users.ts upsert compares the stored, lower-cased email with the seed's as written,
  // so a seed whose email has capitals "changes" the user on every start.
  it('reports nothing changed the second time for a user whose email has capitals', async () => {
    const seed = parseSeed({ users: [{ id: 'usr_1', email: 'Alice@Example.com', password: PASSWORD }] });
    await applySeed(store, seed);
    now = T1;
    expect((await applySeed(store, seed)).changed).toBe(0);
  });
});

describe('re-seeding a database the user changed', () => {
  it('keeps an organization added outside the seed', async () => {
    await applySeed(store, fullSeed());
    await raw.run('INSERT INTO organizations (id, display_name, create_time, update_time) VALUES (?, ?, ?, ?)', ['org_99', 'Added later', '2025-01-01T10:00:00.000Z', '2025-01-01T10:00:00.000Z']);
    await applySeed(store, fullSeed());
    expect(await scalar("SELECT display_name FROM organizations WHERE id = 'org_99'")).toBe('Added later');
    expect(await count('organizations')).toBe(3);
  });

  it('puts back a seeded value the user changed, counting it as one change', async () => {
    await applySeed(store, fullSeed());
    await raw.run("UPDATE organizations SET display_name = 'Renamed' WHERE id = 'org_1'");
    now = T1;
    expect((await applySeed(store, fullSeed())).changed).toBe(1);
    expect(await store.organizations.get('org_1')).toMatchObject({ displayName: 'Acme', updateTime: '2025-01-02T00:00:00.000Z' });
  });
});

describe('a seed that fails part-way', () => {
  function failingSeed(): Seed {
    // Built by hand: parseSeed would reject the second client, whose organization does not exist.
    const valid = fullSeed();
    return {
      ...valid,
      clients: [
        ...valid.clients,
        {
          client_id: 'm2morg_3',
          organization_id: 'org_404',
          name: 'Orphan',
          description: '',
          scopes: [],
          audience: [],
          expiry: 3600,
          custom_claims: [],
        },
      ],
    };
  }

  it('throws NOT_FOUND naming the missing organization', async () => {
    await expect(applySeed(store, failingSeed())).rejects.toThrow(/organization org_404 not found/);
  });

  it('writes nothing: zero rows in every table it would have touched', async () => {
    await expect(applySeed(store, failingSeed())).rejects.toThrow(/organization org_404 not found/);
    expect(await counts()).toEqual({
      organizations: 0,
      resources: 0,
      resource_scopes: 0,
      clients: 0,
      client_secrets: 0,
      users: 0,
    });
  });

  it('leaves an earlier successful seed exactly as it was', async () => {
    await applySeed(store, fullSeed());
    const before = await snapshot();
    now = T1;
    const changed = failingSeed();
    changed.organizations[0] = { id: 'org_1', display_name: 'Renamed' };
    await expect(applySeed(store, changed)).rejects.toThrow(/organization org_404 not found/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('delegation in the seed: xaa_enabled, token_exchange, trusted_identity_providers', () => {
  const delegated = (acceptFrom: string[] = ['res_2']) =>
    parseSeed({
      resources: [
        // Todo accepts the Planner, seeded after it: the policies are applied once every server exists.
        { id: 'res_1', name: 'Todo', resource_id: 'http://localhost:3002/', xaa_enabled: true, token_exchange: { accept_from: acceptFrom } },
        { id: 'res_2', name: 'Planner', resource_id: 'http://localhost:3003/' },
      ],
      trusted_identity_providers: [{ issuer: 'https://idp.example.com', jwks_uri: 'https://idp.example.com/jwks' }],
    });

  it('applies them, and a second run changes nothing', async () => {
    const first = await applySeed(store, delegated());
    expect(first.changed).toBe(4); // two servers, Todo's policy, the providers
    expect(await store.resources.get('res_1')).toMatchObject({ xaaEnabled: true });
    expect(await store.resources.get('res_2')).toMatchObject({ xaaEnabled: false });
    expect(await store.tokenExchangePolicies.acceptedFrom('res_1')).toEqual(['res_2']);
    expect(await store.trustedIdentityProviders.list()).toEqual([{ issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks', createTime: '2025-01-01T00:00:00.000Z' }]);
    expect((await applySeed(store, delegated())).changed).toBe(0);
  });

  it('puts back a policy changed since (a seed says the whole server), and refuses one naming a missing server by its entry', async () => {
    await applySeed(store, delegated());
    await store.tokenExchangePolicies.replace('res_1', []);
    expect((await applySeed(store, delegated())).changed).toBe(1);
    expect(await store.tokenExchangePolicies.acceptedFrom('res_1')).toEqual(['res_2']);
    await expect(applySeed(store, delegated(['res_9']))).rejects.toThrow('resources.0.token_exchange: resource.token_exchange.accept_from[0]: names no MCP server (res_9)');
    expect(await store.tokenExchangePolicies.acceptedFrom('res_1')).toEqual(['res_2']);
  });
});
});
