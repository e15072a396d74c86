// CORS (Fetch standard §3.2) on what a browser-based MCP client reads from a page: the metadata
// documents, /keys and the token endpoints, preflight and actual responses alike; not the login pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, basic, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const ORIGIN = 'http://localhost:6274'; // the MCP Inspector's web UI
const RES = 'res_20000000000000001';

const preflight = (path: string, method: string, headers = 'authorization, content-type, mcp-protocol-version') =>
  fetch(`${server.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

describe('preflight (OPTIONS)', () => {
  const endpoints: [string, string][] = [
    ['/.well-known/openid-configuration', 'GET'],
    ['/.well-known/oauth-authorization-server', 'GET'],
    [`/.well-known/oauth-authorization-server/resources/${RES}`, 'GET'],
    [`/resources/${RES}/.well-known/oauth-authorization-server`, 'GET'],
    ['/keys', 'GET'],
    ['/oauth/token', 'POST'],
    [`/resources/${RES}/oauth/token`, 'POST'],
  ];
  for (const [path, method] of endpoints) {
    it(`OPTIONS ${path} allows ${method} from any origin with the headers asked for`, async () => {
      const res = await preflight(path, method);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe(method);
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, mcp-protocol-version');
      expect(res.headers.get('access-control-max-age')).toBe('86400');
      expect(await res.text()).toBe('');
    });
  }

  it('allows no headers when the ones asked for are not a list of header names', async () => {
    const res = await preflight('/oauth/token', 'POST', 'content-type, x\u00e9');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });
});

describe('actual responses', () => {
  const fromPage = { origin: ORIGIN };

  it('metadata and /keys are readable by any origin', async () => {
    for (const path of ['/.well-known/openid-configuration', `/resources/${RES}/.well-known/oauth-authorization-server`, '/keys']) {
      const res = await fetch(`${server.url}${path}`, { headers: fromPage });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('an unknown MCP server’s metadata 404 is readable too', async () => {
    const res = await fetch(`${server.url}/resources/res_99/.well-known/oauth-authorization-server`, { headers: fromPage });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('a token response is readable by any origin', async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials' }, { ...fromPage, authorization: basic(AGENT.id, AGENT.secret) });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('a token error is readable, its WWW-Authenticate challenge exposed', async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials' }, { ...fromPage, authorization: basic(AGENT.id, 'wrong-secret-0123456789') });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
  });

  it('an authorization_code exchange (answered by oidc-provider) is readable and not refused for its origin', async () => {
    const form = { grant_type: 'authorization_code', code: 'not-a-code', code_verifier: 'a'.repeat(43), redirect_uri: 'http://127.0.0.1/cb', client_id: AGENT.id, client_secret: AGENT.secret };
    const plain = await tokenRequest(server.url, form);
    const res = await tokenRequest(server.url, form, fromPage);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect([res.status, await res.json()]).toEqual([plain.status, await plain.json()]);
  });
});

describe('not on the other routes', () => {
  it('the authorization endpoint (a login page) answers no CORS, preflight or not', async () => {
    const get = await fetch(`${server.url}/oauth/authorize?client_id=nobody&response_type=code`, { headers: { origin: ORIGIN } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const options = await preflight('/oauth/authorize', 'GET');
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('/health answers no CORS', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { origin: ORIGIN } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
