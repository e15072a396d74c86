// /keys and the issuers' metadata answer with a strong ETag (a hash of the exact body) and Cache-Control,
// and a 304 with no body on a matching If-None-Match (RFC 9110 §13.1.2, §15.4.5); the ETag moves when a
// key rotation or an MCP server edit changes the body.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentToken, restCaller } from '../helpers/management.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const RES = 'res_20000000000000001';
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const strongTagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url')}"`;
const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers });

const documents = [
  { path: '/keys', cacheControl: 'public, max-age=60' },
  { path: '/.well-known/openid-configuration', cacheControl: 'public, max-age=300' },
  { path: '/.well-known/oauth-authorization-server', cacheControl: 'public, max-age=300' },
  { path: `/.well-known/oauth-authorization-server/resources/${RES}`, cacheControl: 'public, max-age=60' },
  { path: `/resources/${RES}/.well-known/oauth-authorization-server`, cacheControl: 'public, max-age=60' },
];

describe.each(documents)('$path', ({ path, cacheControl }) => {
  it('carries a strong ETag of its exact bytes, the same on every request, and its Cache-Control', async () => {
    const first = await get(path);
    const body = await first.text();
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe(strongTagOf(body));
    expect(first.headers.get('cache-control')).toBe(cacheControl);
    const second = await get(path);
    expect(await second.text()).toBe(body);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('answers 304 with no body to a matching If-None-Match: strong, weak, in a list, and *', async () => {
    const etag = (await get(path)).headers.get('etag')!;
    for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, `W/"other",W/${etag}`, '*']) {
      const res = await get(path, { 'if-none-match': condition });
      expect(res.status, condition).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe(cacheControl);
      expect(await res.text()).toBe('');
    }
  });

  it('answers 200 with the body to an If-None-Match that does not match', async () => {
    const etag = (await get(path)).headers.get('etag')!;
    for (const condition of ['"other"', `W/"other", "${etag.slice(2)}`, etag.slice(1, -1)]) {
      const res = await get(path, { 'if-none-match': condition });
      expect(res.status, condition).toBe(200);
      expect(res.headers.get('etag')).toBe(etag);
      expect(strongTagOf(await res.text())).toBe(etag);
    }
  });

  it('answers HEAD with the headers of GET and no body, and 304 on a match', async () => {
    const etag = (await get(path)).headers.get('etag')!;
    const head = await fetch(server.url + path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(head.headers.get('cache-control')).toBe(cacheControl);
    expect(await head.text()).toBe('');
    const matched = await fetch(server.url + path, { method: 'HEAD', headers: { 'if-none-match': etag } });
    expect(matched.status).toBe(304);
  });
});

describe('the ETag follows the body', () => {
  it('/keys: a key rotation publishes a new body under a new ETag; the old one gets 200', async () => {
    const before = await get('/keys');
    const oldTag = before.headers.get('etag')!;
    const oldKeys = ((await before.json()) as { keys: { kid: string }[] }).keys;
    const api = restCaller(server.url, await environmentToken(server.url));
    const rotated = await api('POST', '/signing-keys:rotate', { switch_after_seconds: 3600 });
    expect(rotated.status).toBe(201);

    const after = await get('/keys', { 'if-none-match': oldTag });
    expect(after.status).toBe(200);
    const body = await after.text();
    expect((JSON.parse(body) as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([...oldKeys.map((k) => k.kid), String(rotated.body.kid)]);
    expect(after.headers.get('etag')).toBe(strongTagOf(body));
    expect(after.headers.get('etag')).not.toBe(oldTag);
    expect((await get('/keys', { 'if-none-match': after.headers.get('etag')! })).status).toBe(304);
  });

  it("an MCP server's metadata: an edit through the management API gives a new body and ETag", async () => {
    const path = `/.well-known/oauth-authorization-server/resources/${RES}`;
    const before = await get(path);
    const oldTag = before.headers.get('etag')!;
    expect(((await before.json()) as Record<string, unknown>).registration_endpoint).toBe(`${server.url}/api/v1/resources/${RES}/clients:register`);
    const api = restCaller(server.url, await environmentToken(server.url));
    try {
      expect((await api('PATCH', `/resources/${RES}`, { disable_dynamic_client_registration: true })).status).toBe(200);
      const after = await get(path, { 'if-none-match': oldTag });
      expect(after.status).toBe(200);
      const body = await after.text();
      expect(JSON.parse(body)).not.toHaveProperty('registration_endpoint');
      expect(after.headers.get('etag')).toBe(strongTagOf(body));
      expect(after.headers.get('etag')).not.toBe(oldTag);
    } finally {
      await api('PATCH', `/resources/${RES}`, { disable_dynamic_client_registration: false });
    }
    expect((await get(path, { 'if-none-match': oldTag })).status).toBe(304);
  });

  it('two If-None-Match header lines count as one list', async () => {
    const etag = (await get('/keys')).headers.get('etag')!;
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL(server.url + '/keys');
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: ['host', url.host, 'if-none-match', '"other"', 'if-none-match', etag] }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject).end();
    });
    expect(status).toBe(304);
  });
});
