// Cache coherence between replicas: two stores (two processes' worth) on one PostgreSQL database. A write
// through one drops what the other keeps in memory (an MCP server, a client) and reloads its key ring:
// by NOTIFY at the commit, and, when no notification comes (a dropped LISTEN connection), by the
// version check each store runs once a second. Needs a PostgreSQL server; skipped without.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateKeySet, rotateSigningKey } from '../../../src/oidc/signing-keys.js';
import type { ChangeTopic } from '../../../src/store/changes.js';
import { openStore, type Store, type StoreOptions } from '../../../src/store/index.js';
import type { ResourceInput } from '../../../src/store/resources.js';
import { freshPostgresDatabase, postgresServer, type FreshDatabase } from '../../helpers/databases.js';

const todo = (name: string): ResourceInput => ({
  id: 'res_1',
  name,
  description: '',
  resourceType: 'MCP_SERVER',
  serverUrl: 'http://localhost:3002/',
  accessTokenExpiry: 3600,
  refreshTokenExpiry: 86400,
  disableDynamicClientRegistration: false,
  enableCimd: false,
  scopes: [],
});

/** Resolves the next time `store` hears that `topic` changed (from its own writes or another store's). */
const nextChange = (store: Store, topic: ChangeTopic) =>
  new Promise<void>((resolve) => {
    const stop = store.changes.on(topic, () => {
      stop();
      resolve();
    });
  });

describe.skipIf(!postgresServer())('two stores on one PostgreSQL database', () => {
  let database: FreshDatabase;
  const stores: Store[] = [];
  const open = async (options: StoreOptions = {}) => {
    const store = await openStore(database.url, Date.now, options);
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    database = await freshPostgresDatabase();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await database.drop();
  });

  for (const notifications of [true, false]) {
    const how = notifications ? 'by NOTIFY' : 'by the once-a-second version check alone';
    it(`an MCP server renamed through A is read renamed through B, whose copy in memory was dropped (${how})`, async () => {
      const a = await open();
      const b = await open({ notifications });
      await a.resources.upsert(todo('Todo'));
      expect((await b.resources.get('res_1'))?.name).toBe('Todo'); // now kept in B's memory
      const heard = nextChange(b, 'resources');
      await a.resources.upsert(todo('Renamed'));
      await heard;
      expect((await b.resources.get('res_1'))?.name).toBe('Renamed');
    });

    it(`a client changed through A is read changed through B (${how})`, async () => {
      const a = await open();
      const b = await open({ notifications });
      await a.organizations.upsert({ id: 'org_1', displayName: 'Acme' });
      const client = { clientId: 'm2morg_1', kind: 'organization' as const, organizationId: 'org_1', name: 'Agent', description: '', scopes: ['a'], audience: [], customClaims: [], expiry: 3600, redirectUris: [] };
      await a.clients.upsert(client);
      expect((await b.clients.get('m2morg_1'))?.scopes).toEqual(['a']);
      const heard = nextChange(b, 'clients');
      await a.clients.upsert({ ...client, scopes: ['a', 'b'] });
      await heard;
      expect((await b.clients.get('m2morg_1'))?.scopes).toEqual(['a', 'b']);
      const removed = nextChange(b, 'clients');
      await a.clients.remove('m2morg_1');
      await removed;
      expect(await b.clients.get('m2morg_1')).toBeUndefined();
    });

    it(`a key rotated through A is published and used for signing by B's key ring (${how})`, async () => {
      const a = await open();
      const b = await open({ notifications });
      const ringA = await loadOrCreateKeySet(a.signingKeys, { changes: a.changes });
      const ringB = await loadOrCreateKeySet(b.signingKeys, { changes: b.changes });
      expect(ringB.current.kid).toBe(ringA.current.kid);
      const versionBefore = ringB.version;
      const heard = nextChange(b, 'signing_keys');
      const now = new Date().toISOString();
      const kid = await rotateSigningKey(a.signingKeys, ringA, { activateTime: now, retireTime: new Date(Date.now() + 86_400_000).toISOString() });
      await heard;
      // The ring reloads on that same notice, one read of the keys behind it.
      await vi.waitFor(() => expect(ringB.current.kid).toBe(kid), { timeout: 10_000, interval: 10 });
      expect(ringB.jwks.keys.map((k) => k.kid)).toContain(kid);
      expect(ringB.version).toBeGreaterThan(versionBefore);
    });
  }
});
