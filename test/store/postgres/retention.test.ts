// Retention on replicas of one PostgreSQL database: one prunes at a time (pg_try_advisory_lock); a
// replica that finds another pruning skips its turn instead of waiting. Needs a PostgreSQL server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRetention } from '../../../src/server/retention.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { freshPostgresDatabase, postgresServer, type FreshDatabase } from '../../helpers/databases.js';

describe.skipIf(!postgresServer())('retention on two stores of one PostgreSQL database', () => {
  let database: FreshDatabase;
  let a: Store;
  let b: Store;
  beforeEach(async () => {
    database = await freshPostgresDatabase();
    a = await openStore(database.url);
    b = await openStore(database.url);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await database.drop();
  });

  it('while A prunes, B skips its turn; once A is done, B prunes', async () => {
    const during = await a.retention.alone(() => b.retention.alone(async () => 'B pruned'));
    expect(during).toBeUndefined();
    expect(await b.retention.alone(async () => 'B pruned')).toBe('B pruned');
  });

  it("two replicas sweeping at the same moment delete an expired payload once between them", async () => {
    const now = Math.floor(Date.now() / 1000);
    await a.oidcPayloads.upsert('env', 'Session', 'expired', {}, now - 1);
    const sweepA = startRetention(a, Date.now, { retentionDays: 0, intervalMs: 3_600_000 });
    const sweepB = startRetention(b, Date.now, { retentionDays: 0, intervalMs: 3_600_000 });
    try {
      const [byA, byB] = await Promise.all([sweepA.sweep(), sweepB.sweep()]);
      expect(byA + byB).toBe(1);
    } finally {
      sweepA.stop();
      sweepB.stop();
    }
  });
});
