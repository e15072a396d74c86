// Cookies are Secure when the browser comes over https: an https issuer (TLS ended before the
// emulator), or a proxy named in TRUST_PROXY saying X-Forwarded-Proto: https. That holds for every
// cookie, ours (CSRF, dashboard session) and oidc-provider's (interaction, resume, session). A trusted
// proxy's X-Forwarded-For is the address the attempt limits count; from any other peer the
// X-Forwarded-* headers change nothing. A trusted proxy's connections are not capped per address.
import http, { type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizationUrl, pkce, registerClient } from '../helpers/code-flow.js';
import { FormSteps, headingOf } from '../helpers/form-steps.js';
import { ADA, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

const RES = 'res_20000000000000001';
const HTTPS_ISSUER = 'https://auth.example.test';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Where the server listens: with an https issuer, not its URL (the TLS would end in front of it). */
const listening = (s: TestServer) => `http://127.0.0.1:${(s.app.fastify.server.address() as AddressInfo).port}`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request over node:http, from `localAddress` when given (another loopback address: another peer). */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, ...(options.localAddress ? { localAddress: options.localAddress } : {}), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Each Set-Cookie of an answer by cookie name, with whether it is Secure. */
function cookiesOf(headers: IncomingHttpHeaders | Headers): Map<string, { value: string; secure: boolean }> {
  const lines = headers instanceof Headers ? headers.getSetCookie() : (headers['set-cookie'] ?? []);
  return new Map(
    lines.map((line) => {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq).trim(), { value: pair.slice(eq + 1), secure: attributes.some((a) => a.trim().toLowerCase() === 'secure') }];
    }),
  );
}

const cookieHeader = (...answers: (IncomingHttpHeaders | Headers)[]) =>
  answers.flatMap((h) => [...cookiesOf(h)].filter(([, c]) => c.value !== '').map(([name, c]) => `${name}=${c.value}`)).join('; ');

const secureFlags = (headers: IncomingHttpHeaders | Headers) => Object.fromEntries([...cookiesOf(headers)].map(([name, c]) => [name.replace(/_res_\d+/, '_res'), c.secure]));

/** A sign-in at an MCP server's issuer, hop by hop, `headers` on every request; the Secure flag of each cookie set on the way. */
async function signInCookies(url: string, headers: Record<string, string> = {}): Promise<Record<string, boolean>> {
  const issuer = `${url}/resources/${RES}`;
  const clientId = await registerClient(url, RES);
  const start = await request(authorizationUrl(issuer, { client_id: clientId, code_challenge: pkce().challenge }), { headers });
  expect(start.status).toBe(303);
  const flags = secureFlags(start.headers);
  const interaction = new URL(start.headers.location!, url).href;
  const page = await request(interaction, { headers: { ...headers, cookie: cookieHeader(start.headers) } });
  Object.assign(flags, secureFlags(page.headers));
  const cookie = cookieHeader(start.headers, page.headers);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, ...fields }).toString() });
  await request(`${interaction}/identify`, form({ email: ADA.email }));
  const signedIn = await request(`${interaction}/login`, form({ email: ADA.email, password: ADA.password }));
  expect(signedIn.status).toBe(303);
  // Where the browser goes on: the issuer's own URL, https when the browser came over https; this test
  // speaks plain http to the same port, as the TLS-ending proxy would.
  const resume = new URL(signedIn.headers.location!);
  flags.resumeUrlIsHttps = resume.protocol === 'https:';
  resume.protocol = 'http:';
  const resumed = await request(resume.href, { headers: { ...headers, cookie: cookieHeader(start.headers, page.headers, signedIn.headers) } });
  expect(resumed.status).toBe(303);
  return { ...flags, ...secureFlags(resumed.headers) };
}

describe('Secure cookies', () => {
  it('an https issuer: every cookie of a sign-in is Secure, oidc-provider\'s too, and its URLs are https', async () => {
    server = await startTestServer({ env: { SCALEKIT_ENVIRONMENT_URL: HTTPS_ISSUER } });
    expect(await signInCookies(listening(server))).toEqual({
      _interaction_res: true,
      '_interaction_res.sig': true,
      _interaction_resume_res: true,
      '_interaction_resume_res.sig': true,
      _csrf: true,
      resumeUrlIsHttps: true,
      _session_res: true,
      '_session_res.sig': true,
    });
  });

  it('an http issuer: no cookie is Secure, and X-Forwarded-Proto: https from a peer not in TRUST_PROXY changes nothing', async () => {
    server = await startTestServer();
    const flags = await signInCookies(server.url, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'attacker.example' });
    expect(Object.values(flags).some(Boolean)).toBe(false);
  });

  it('TRUST_PROXY: X-Forwarded-Proto: https from the proxy makes every cookie Secure', async () => {
    server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
    const flags = await signInCookies(server.url, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.20' });
    expect(Object.entries(flags).filter(([, secure]) => !secure)).toEqual([]);
    expect(Object.keys(flags)).toContain('_session_res');
  });

  it('the dashboard: its CSRF and session cookies are Secure under an https issuer', async () => {
    server = await startTestServer({ env: { SCALEKIT_ENVIRONMENT_URL: HTTPS_ISSUER } });
    const page = await request(`${listening(server)}/dashboard/sign-in`);
    expect(secureFlags(page.headers)).toEqual({ _csrf: true });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const signedIn = await request(`${listening(server)}/dashboard/sign-in`, {
      method: 'POST',
      headers: { cookie: cookieHeader(page.headers), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret }).toString(),
    });
    expect(signedIn.status).toBe(303);
    expect(secureFlags(signedIn.headers)).toEqual({ emulator_dashboard: true });
  });
});

describe('TRUST_PROXY: the forwarded client address', () => {
  it("the attempt limits count a trusted proxy's clients apart, and ignore X-Forwarded-For from anyone else", async () => {
    server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
    const steps = new FormSteps();
    await steps.open(`${server.url}/dashboard/sign-in`);
    expect(headingOf(steps.page.html)).toBe('Sign in to the dashboard');
    const attempt = (clientFor: string, headers: Record<string, string>) => {
      const { url, init } = steps.request('/dashboard/sign-in', { client_id: `skc_${clientFor}`, client_secret: 'wrong-secret-0123456789' });
      return steps.browser.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
    };
    // Through the proxy (this test's own address, 127.0.0.1): 30 wrong answers from one client pause it.
    for (let i = 0; i < 30; i++) expect((await attempt(`1000${i}`, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(401);
    expect((await attempt('20001', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(429);
    // Another client behind the same proxy may still try.
    expect((await attempt('20002', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(401);

    // Another peer (127.0.0.2) is no proxy: its X-Forwarded-For naming the paused client is not believed.
    const { url, init } = steps.request('/dashboard/sign-in', { client_id: 'skc_20003', client_secret: 'wrong-secret-0123456789' });
    const direct = await request(url, {
      method: 'POST',
      localAddress: '127.0.0.2',
      headers: { ...(init.headers as Record<string, string>), cookie: [...steps.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-forwarded-for': '203.0.113.7' },
      body: String(init.body),
    });
    expect(direct.status).toBe(401);
  });

  it("a trusted proxy's connections are not capped per address; any other address is", async () => {
    server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.2', MAX_CONNECTIONS_PER_ADDRESS: '1' } });
    const { port } = new URL(server.url);
    const open = (localAddress: string) =>
      new Promise<{ socket: ReturnType<typeof connect>; answer: Promise<string> }>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress }, () => resolve({ socket, answer }));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('error', () => {});
        const answer = new Promise<string>((done) => socket.once('close', () => done(text)));
      });
    const health = 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';

    const [proxyA, proxyB] = [await open('127.0.0.2'), await open('127.0.0.2')];
    proxyA.socket.write(health);
    proxyB.socket.write(health);
    expect(await proxyA.answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(await proxyB.answer).toMatch(/^HTTP\/1\.1 200 OK/);

    const [client, over] = [await open('127.0.0.3'), await open('127.0.0.3')];
    expect(await over.answer).toBe(''); // closed at once
    client.socket.write(health);
    expect(await client.answer).toMatch(/^HTTP\/1\.1 200 OK/);
  });
});
