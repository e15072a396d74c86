// Two apps on one PostgreSQL database, as two replicas behind a load balancer: what a person or a
// client did through one counts on the other. A dashboard session started on A works on B (and ends on
// both at sign-out), wrong sign-in attempts counted on A pause the account on B, and registrations
// counted on A hold back B. Needs a PostgreSQL server; skipped without.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageSeen } from '../helpers/browser.js';
import { freshPostgresDatabase, postgresServer, type FreshDatabase } from '../helpers/databases.js';
import { FormSteps, headingOf } from '../helpers/form-steps.js';
import { ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

describe.skipIf(!postgresServer())('two apps on one PostgreSQL database share their people’s state', () => {
  let database: FreshDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    a = await startTestServer({ database: database.url, env: { REGISTRATION_RATE_LIMIT: '2' } });
    b = await startTestServer({ database: database.url, env: { REGISTRATION_RATE_LIMIT: '2' } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('a dashboard session started on A is signed in on B, a notice B left shows once on A, and it ends on both at sign-out', async () => {
    const steps = new FormSteps();
    await steps.open(`${a.url}/dashboard/sign-in`);
    const signedIn = (await steps.submit('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret })) as PageSeen;
    expect(headingOf(signedIn.html)).toBe('MCP servers');

    // The same browser (its cookie) on the other replica.
    const onB = (await steps.open(`${b.url}/dashboard/organizations`)) as PageSeen;
    expect(onB.url).toBe(`${b.url}/dashboard/organizations`);
    expect(headingOf(onB.html)).toBe('Organizations');

    // An action on B leaves its one-time notice in the session; A shows it on the next page, once.
    const created = await steps.post('/dashboard/organizations', { display_name: 'Made on B' });
    expect(created.status).toBe(303);
    const next = `${a.url}${created.headers.get('location')!}`;
    expect(((await steps.open(next)) as PageSeen).html).toContain('Organization “Made on B” created.');
    expect(((await steps.open(next)) as PageSeen).html).not.toContain('Organization “Made on B” created.');

    await steps.open(`${a.url}/dashboard/mcp-servers`);
    await steps.submit('/dashboard/sign-out');
    const after = await steps.browser.fetch(`${b.url}/dashboard/mcp-servers`, { redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/dashboard/sign-in');
  });

  it('five wrong secrets for a client on A pause its sign-in on B too (429, Too many attempts)', async () => {
    const onA = new FormSteps();
    await onA.open(`${a.url}/dashboard/sign-in`);
    for (let i = 0; i < 5; i++) expect((await onA.post('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: `wrong-${i}` })).status).toBe(401);
    const onB = new FormSteps();
    await onB.open(`${b.url}/dashboard/sign-in`);
    const paused = await onB.post('/dashboard/sign-in', { client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
    expect(paused.status).toBe(429);
    expect(headingOf(await paused.text())).toBe('Too many attempts');
  });

  it('registrations from one address count across both: the third, on B, after two on A, is 429 too_many_requests', async () => {
    const register = (url: string, name: string) =>
      fetch(`${url}/api/v1/resources/res_20000000000000001/clients:register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: name, redirect_uris: ['http://127.0.0.1:5000/cb'] }),
      });
    expect((await register(a.url, 'First')).status).toBe(201);
    expect((await register(a.url, 'Second')).status).toBe(201);
    const third = await register(b.url, 'Third');
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: string }).error).toBe('too_many_requests');
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
