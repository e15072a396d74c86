// The group commit on PostgreSQL: the token rows recorded in one turn of the event loop are written by
// ONE multi-row INSERT (counted by a statement-level trigger), in one transaction, and each record()
// resolves only once that commit is done. Needs a PostgreSQL server; skipped without.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.js';
import { freshPostgresDatabase, postgresServer, rawDatabase, type FreshDatabase, type RawDatabase } from '../../helpers/databases.js';

const token = (n: number) => ({
  jti: `tkn_${String(n).padStart(17, '0')}`,
  grantType: 'client_credentials',
  clientId: `m2morg_${n % 3}`,
  subject: `m2morg_${n % 3}`,
  scopes: ['todo:read'],
  audience: ['http://localhost:3002/'],
  issuedAt: 1_735_689_600,
  expiresAt: 1_735_693_200,
});

describe.skipIf(!postgresServer())('issued tokens on PostgreSQL: one INSERT per group commit', () => {
  let database: FreshDatabase;
  let store: Store;
  let raw: RawDatabase;
  beforeEach(async () => {
    database = await freshPostgresDatabase();
    store = await openStore(database.url);
    raw = rawDatabase(database.url);
    // Counts INSERT statements on issued_tokens (not rows), and the transactions that held them.
    await raw.run('CREATE TABLE insert_statements (txid BIGINT NOT NULL)');
    await raw.run(`CREATE FUNCTION count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO insert_statements VALUES (txid_current()); RETURN NULL; END $$`);
    await raw.run('CREATE TRIGGER count_insert AFTER INSERT ON issued_tokens FOR EACH STATEMENT EXECUTE FUNCTION count_insert()');
  });
  afterEach(async () => {
    await store.close();
    await raw.close();
    await database.drop();
  });

  it('1,200 tokens recorded in one turn: every row there once all resolve, in one transaction, by as few INSERTs as the parameter limit allows', async () => {
    const recorded = Array.from({ length: 1200 }, (_, n) => store.issuedTokens.record(token(n)));
    await Promise.all(recorded);
    expect(await raw.get('SELECT count(*) AS n FROM issued_tokens')).toEqual({ n: 1200 });
    // 500 rows per INSERT (10 parameters a row): three statements, one transaction.
    expect(await raw.get('SELECT count(*) AS statements, count(DISTINCT txid) AS transactions FROM insert_statements')).toEqual({ statements: 3, transactions: 1 });
  });

  it('a burst in one turn is one INSERT, and the first record() resolves only when every row of it is committed', async () => {
    const first = store.issuedTokens.record(token(1));
    const rest = [2, 3, 4, 5].map((n) => store.issuedTokens.record(token(n)));
    await first;
    expect(await raw.get('SELECT count(*) AS n FROM issued_tokens')).toEqual({ n: 5 });
    expect(await raw.get('SELECT count(*) AS statements FROM insert_statements')).toEqual({ statements: 1 });
    await Promise.all(rest);
  });
});
