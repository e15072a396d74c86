// RFC 8707 resource indicators at the client-credentials endpoint: several `resource` values are allowed,
// `aud` is narrowed to what was asked, and a resource the client may not address is invalid_target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, startTestServer, TEST_SEED, type TestServer } from '../helpers/server.js';

let server: TestServer;
const REPORTER = { id: 'm2morg_20000000000000009', secret: 'reporter-secret-0123456789ab' };
beforeAll(async () => {
  server = await startTestServer({
    seed: {
      ...TEST_SEED,
      clients: [
        ...(TEST_SEED.clients ?? []),
        {
          client_id: REPORTER.id,
          organization_id: 'org_20000000000000001',
          name: 'Reporter',
          scopes: ['todo:read'],
          audience: ['http://localhost:3002/', 'https://reports.example/api', 'https://billing.example/'],
          plain_secret: REPORTER.secret,
        },
      ],
    },
  });
});
afterAll(() => server.close());

const token = (resources: string[]) => {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: REPORTER.id, client_secret: REPORTER.secret });
  for (const r of resources) form.append('resource', r);
  return fetch(`${server.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
};
const audienceOf = async (res: Response) => decodeJwt(((await res.json()) as { access_token: string }).access_token).payload.aud;

describe('RFC 8707 §2: resource at the token endpoint', () => {
  it('without resource: every audience of the client', async () => {
    expect(await audienceOf(await token([]))).toEqual(['http://localhost:3002/', 'https://reports.example/api', 'https://billing.example/']);
  });

  it('one resource of two or more: only that one, as registered', async () => {
    expect(await audienceOf(await token(['https://reports.example/api']))).toEqual(['https://reports.example/api']);
  });

  it('several resources: those, with a trailing-slash difference treated as the same', async () => {
    expect(await audienceOf(await token(['http://localhost:3002', 'https://billing.example']))).toEqual(['http://localhost:3002/', 'https://billing.example/']);
  });

  it('a resource the client may not address → invalid_target, even beside a good one', async () => {
    const res = await token(['https://reports.example/api', 'https://elsewhere.example/']);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_target', error_description: 'the requested resource is not an audience of this client' });
  });

  it('another parameter sent twice is still invalid_request', async () => {
    const dup = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${REPORTER.id}&client_secret=${REPORTER.secret}&scope=todo:read&scope=todo:read`,
    });
    expect(await dup.json()).toEqual({ error: 'invalid_request', error_description: "'scope' parameter must only be provided once" });
  });
});
