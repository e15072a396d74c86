// One body limit on every surface: a body over BODY_LIMIT is a 413 with that surface's error body,
// whether Fastify reads it (token, revocation, introspection, test controls) or oidc-provider would (the logout form).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT, BODY_TOO_LARGE } from '../../src/routes/body-limit.js';
import { AGENT, basic, startTestServer, type TestServer } from '../helpers/server.js';
import { httpRequest, rawRequest } from '../helpers/raw-http.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TEST_CONTROL: '1' } });
});
afterAll(() => server.close());

const FORM = 'application/x-www-form-urlencoded';
const tooLarge = 'x'.repeat(BODY_LIMIT + 1);

/** The same body sent chunked (no Content-Length), so the limit is found while reading. */
function chunked(path: string, contentType: string, body: string): string {
  const chunks = body.match(/[^]{1,8192}/g)!.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`);
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: ${contentType}\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.join('')}0\r\n\r\n`;
}

describe('a body over the limit: 413 on every surface', () => {
  const jsonSurfaces: [string, string, string][] = [
    ['/oauth/token', FORM, `grant_type=client_credentials&filler=${tooLarge}`],
    ['/resources/res_20000000000000001/oauth/token', FORM, `grant_type=client_credentials&filler=${tooLarge}`],
    ['/oauth/revoke', FORM, `token=${tooLarge}`],
    ['/resources/res_20000000000000001/oauth/introspect', FORM, `token=${tooLarge}`],
    ['/_emulator/tokens', 'application/json', JSON.stringify({ subject: tooLarge })],
  ];

  for (const [path, contentType, body] of jsonSurfaces) {
    it(`POST ${path} answers 413 invalid_request JSON, with Content-Length or chunked`, async () => {
      for (const bytes of [httpRequest('POST', path, { 'content-type': contentType }, body), chunked(path, contentType, body)]) {
        const res = await rawRequest(server.url, bytes);
        expect(res.status).toBe(413);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: BODY_TOO_LARGE });
      }
    });
  }

  it('POST /oidc/logout/confirm (the logout form) answers 413 with the readable error page', async () => {
    const res = await rawRequest(server.url, httpRequest('POST', '/oidc/logout/confirm', { 'content-type': FORM }, `xsrf=${tooLarge}`));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<code>invalid_request</code>');
    expect(res.body).toContain(BODY_TOO_LARGE);
  });
});

describe('a body of exactly the limit is read as usual', () => {
  it('POST /oauth/token issues a token', async () => {
    const form = `grant_type=client_credentials&client_id=${AGENT.id}&client_secret=${AGENT.secret}&filler=`;
    const res = await rawRequest(server.url, httpRequest('POST', '/oauth/token', { 'content-type': FORM }, form + 'x'.repeat(BODY_LIMIT - form.length)));
    expect(res.status).toBe(200);
  });

  it('POST /oauth/revoke gets the same answer as with a small body', async () => {
    const revoke = (body: string) => rawRequest(server.url, httpRequest('POST', '/oauth/revoke', { 'content-type': FORM, authorization: basic(AGENT.id, AGENT.secret) }, body));
    const small = await revoke('token=abc');
    const form = 'token=abc&filler=';
    const full = await revoke(form + 'x'.repeat(BODY_LIMIT - form.length));
    expect(small.status).toBe(200); // RFC 7009 §2.2: an unknown token is not an error
    expect([full.status, full.body]).toEqual([small.status, small.body]);
  });
});
