// Two Authorization headers are one request too ambiguous to answer: 400 invalid_request on every
// route, whichever of them is valid. Sent over a raw socket, since fetch merges repeated headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, basic, startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/raw-http.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TEST_CONTROL: '1' } });
});
afterAll(() => server.close());

const FORM = 'grant_type=client_credentials';

function withTwoAuthorizations(method: string, path: string, names: [string, string] = ['Authorization', 'Authorization']): string {
  const good = basic(AGENT.id, AGENT.secret);
  const wrong = basic(AGENT.id, 'wrong-secret-0123456789');
  const body = method === 'POST' ? FORM : '';
  return [
    `${method} ${path} HTTP/1.1`,
    'Host: localhost',
    'Connection: close',
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${body.length}`,
    `${names[0]}: ${good}`,
    `${names[1]}: ${wrong}`,
    '',
    body,
  ].join('\r\n');
}

describe('duplicate Authorization headers', () => {
  const routes: [string, string][] = [
    ['POST', '/oauth/token'],
    ['POST', '/resources/res_20000000000000001/oauth/token'],
    ['POST', '/oauth/revoke'],
    ['POST', '/resources/res_20000000000000001/oauth/introspect'],
    ['GET', '/_emulator/faults'],
    ['GET', '/userinfo'],
    ['GET', '/keys'],
    ['GET', '/.well-known/openid-configuration'],
    ['GET', '/health'],
    ['GET', '/_emulator/requests'],
    ['GET', '/no-such-path'],
  ];
  for (const [method, path] of routes) {
    it(`${method} ${path} answers 400 invalid_request`, async () => {
      const res = await rawRequest(server.url, withTwoAuthorizations(method, path));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'the Authorization header must only be sent once' });
    });
  }

  it('counts names case-insensitively', async () => {
    const res = await rawRequest(server.url, withTwoAuthorizations('POST', '/oauth/token', ['authorization', 'AUTHORIZATION']));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('still issues a token for one Authorization header', async () => {
    const one = withTwoAuthorizations('POST', '/oauth/token').replace(/\r\nAuthorization: [^\r]*(?=\r\n\r\n)/, '');
    expect(one.match(/Authorization:/g)).toHaveLength(1);
    const res = await rawRequest(server.url, one);
    expect(res.status).toBe(200);
  });
});
