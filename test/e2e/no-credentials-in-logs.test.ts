// No log line, at any level, holds a client secret, a token, or an Authorization or Cookie value.
// The server runs at trace level and receives a battery of hostile and malformed requests over raw
// sockets; then every log line is searched, with logged bytes (Buffers) decoded back to text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, basic, ENV_CLIENT, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';
import { httpRequest, rawRequest } from '../helpers/raw-http.js';

const COOKIE = 'cookie-value-0123456789abcdef';
const BEARER = 'bearer-value-0123456789abcdef';
const CONTROL_TOKEN = 'control-token-0123456789abcdef';
const FORM = 'application/x-www-form-urlencoded';

let server: TestServer;
let accessToken: string;
let mintedToken: string;
beforeAll(async () => {
  server = await startTestServer({ env: { TEST_CONTROL: '1', TEST_CONTROL_TOKEN: CONTROL_TOKEN } });
  const issued = await tokenRequest(server.url, { grant_type: 'client_credentials', client_id: AGENT.id, client_secret: AGENT.secret });
  accessToken = ((await issued.json()) as { access_token: string }).access_token;
  const minted = await fetch(`${server.url}/_emulator/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CONTROL_TOKEN}` },
    body: '{}',
  });
  mintedToken = ((await minted.json()) as { access_token: string }).access_token;
});
afterAll(() => server.close());

/** Every string in the logs, with JSON-serialised Buffers ({type: 'Buffer', data}) decoded. */
function loggedText(logs: string): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record.type === 'Buffer' && Array.isArray(record.data)) parts.push(Buffer.from(record.data as number[]).toString('latin1'));
      else Object.values(record).forEach(walk);
    }
  };
  for (const line of logs.split('\n').filter(Boolean)) walk(JSON.parse(line));
  return parts.join('\n');
}

describe('logs at trace level after hostile requests', () => {
  it('hold no secret, token, Authorization or Cookie value', async () => {
    const authorization = basic(AGENT.id, AGENT.secret);
    const secrets = [AGENT.secret, ENV_CLIENT.secret, authorization.slice(6), COOKIE, BEARER, CONTROL_TOKEN, accessToken, mintedToken];
    const formWithSecret = `grant_type=client_credentials&client_id=${AGENT.id}&client_secret=${AGENT.secret}`;
    const envForm = `grant_type=client_credentials&client_id=${ENV_CLIENT.id}&client_secret=${ENV_CLIENT.secret}`;
    const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

    // [request bytes, expected status]
    const battery: [string, number][] = [
      // Header floods (431): the raw packet holds every header read so far.
      [head(['POST /oauth/token HTTP/1.1', 'Host: localhost', `Authorization: ${authorization}`, `Cookie: _session=${COOKIE}`, `X-Filler: ${'a'.repeat(20_000)}`]), 431],
      [head([`GET /keys?access_token=${accessToken}&pad=${'b'.repeat(20_000)} HTTP/1.1`, 'Host: localhost', `Authorization: Bearer ${BEARER}`]), 431],
      [head(['GET /_emulator/requests HTTP/1.1', 'Host: localhost', `Authorization: Bearer ${CONTROL_TOKEN}`, `X-Filler: ${'c'.repeat(20_000)}`]), 431],
      // Bare CR in a header line (400), with credentials before it and a secret in the body after it.
      [`POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${authorization}\r\nContent-Type: ${FORM}\rX: y\r\nContent-Length: ${envForm.length}\r\n\r\n${envForm}`, 400],
      [`POST /oauth/token HTTP/1.1\r\nHost: localhost\rContent-Type: ${FORM}\r\nContent-Length: ${formWithSecret.length}\r\n\r\n${formWithSecret}`, 400],
      // Bad chunking, duplicate Content-Length, Content-Length with Transfer-Encoding, a bad header name.
      [head(['POST /oauth/token HTTP/1.1', 'Host: localhost', `Content-Type: ${FORM}`, 'Transfer-Encoding: chunked']) + `zz\r\n${formWithSecret}\r\n0\r\n\r\n`, 400],
      [head(['POST /oauth/token HTTP/1.1', 'Host: localhost', `Content-Type: ${FORM}`, `Content-Length: ${envForm.length}`, `Content-Length: ${envForm.length + 1}`]) + envForm, 400],
      [head(['POST /oauth/token HTTP/1.1', 'Host: localhost', `Content-Type: ${FORM}`, `Content-Length: ${envForm.length}`, 'Transfer-Encoding: chunked']) + envForm, 400],
      [head(['GET /keys HTTP/1.1', 'Host: localhost', `Cookie: a=${COOKIE}`, `Authorization: Bearer ${BEARER}`, 'Bad Header: x']), 400],
      // Well-formed requests that carry credentials everywhere a client might put them.
      [httpRequest('POST', '/oauth/token', { 'content-type': FORM }, formWithSecret), 200],
      [httpRequest('POST', '/oauth/token', { 'content-type': FORM, authorization }, 'grant_type=client_credentials'), 200],
      [httpRequest('POST', '/oauth/token', { 'content-type': FORM }, envForm.replace(ENV_CLIENT.secret, `${ENV_CLIENT.secret}x`)), 401],
      [httpRequest('POST', '/oauth/token', { 'content-type': FORM }, `${formWithSecret}&filler=${'x'.repeat(100_000)}`), 413],
      [httpRequest('POST', '/oauth/token', { 'content-type': 'application/json' }, JSON.stringify({ client_secret: AGENT.secret })), 400],
      // The provider knows the M2M client, which may not use the code grant.
      [httpRequest('POST', '/oauth/token', { 'content-type': FORM }, `grant_type=authorization_code&code=${BEARER}&client_id=${AGENT.id}&client_secret=${AGENT.secret}`), 400],
      [httpRequest('GET', `/oauth/token?client_secret=${AGENT.secret}`, { authorization }), 405],
      [httpRequest('GET', `/nope?client_secret=${AGENT.secret}&access_token=${accessToken}`, { cookie: `s=${COOKIE}` }), 404],
      [httpRequest('GET', '/keys', { authorization: `Bearer ${accessToken}`, cookie: `_session_env=${COOKIE}` }), 200],
      [httpRequest('GET', '/userinfo', { authorization: `Bearer ${accessToken}` }), 401],
      // RFC 7662 and RFC 7009 with the token in the body: introspected, then revoked (an audit line is logged).
      [httpRequest('POST', '/oauth/introspect', { 'content-type': FORM, authorization }, `token=${accessToken}`), 200],
      [httpRequest('POST', '/oauth/revoke', { 'content-type': FORM, authorization }, `token=${accessToken}`), 200],
      [httpRequest('POST', '/oauth/revoke', { 'content-type': FORM }, `token=${accessToken}&client_id=${AGENT.id}&client_secret=${AGENT.secret}x`), 401],
      [httpRequest('GET', `/oauth/authorize?client_id=${AGENT.id}&response_type=code&code_challenge=${'c'.repeat(43)}`, { cookie: `_session_env=${COOKIE}` }), 400],
      [httpRequest('POST', '/_emulator/tokens', { 'content-type': 'application/json', authorization: `Bearer ${BEARER}` }, JSON.stringify({ claims: { t: mintedToken } })), 401],
      [httpRequest('POST', '/_emulator/tokens', { 'content-type': 'application/json', authorization: `Bearer ${CONTROL_TOKEN}` }, `{"claims":{"secret":"${AGENT.secret}"`), 400],
      [httpRequest('POST', '/_emulator/tokens', { 'content-type': 'application/json', authorization: `Bearer ${CONTROL_TOKEN}`, cookie: `c=${COOKIE}` }, JSON.stringify({ claims: { t: mintedToken } })), 200],
      [httpRequest('GET', '/_emulator/requests', { authorization: `Bearer ${CONTROL_TOKEN}` }), 200],
    ];
    const statuses: number[] = [];
    for (const [bytes] of battery) statuses.push((await rawRequest(server.url, bytes)).status);
    expect(statuses).toEqual(battery.map(([, status]) => status));

    await server.app.store.issuedTokens.flush();
    const logs = server.logs();
    // The malformed requests were logged (so the search below has something to search).
    expect(logs).toContain('"msg":"client header_overflow"');
    expect(logs).toContain('"msg":"client error"');
    const text = loggedText(logs);
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
  });

  it('leave no secret or token in the request log of the test controls either', async () => {
    const res = await fetch(`${server.url}/_emulator/requests`, { headers: { authorization: `Bearer ${CONTROL_TOKEN}` } });
    const recorded = await res.text();
    expect(recorded).toContain('/nope'); // the battery's requests are there
    for (const secret of [AGENT.secret, ENV_CLIENT.secret, COOKIE, BEARER, CONTROL_TOKEN, accessToken, mintedToken]) {
      expect(recorded).not.toContain(secret);
    }
  });
});
