// GET /metrics: Prometheus text format, per app (each emulator in a process counts only its own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, ENV_CLIENT, basic, startTestServer, tokenRequest, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();

/** The value of one sample (`name{labels} value`), or undefined when the line is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const issued = (grant: string, kind: string) => `scalekit_emulator_tokens_issued_total{grant_type="${grant}",client_kind="${kind}"}`;
const errors = (code: string) => `scalekit_emulator_oauth_errors_total{error="${code}"}`;
const served = (method: string, route: string, status: number) =>
  `scalekit_emulator_http_request_duration_seconds_count{method="${method}",route="${route}",status_code="${status}"}`;

describe('GET /metrics', () => {
  it('answers in the Prometheus text format, uncached', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    for (const name of ['scalekit_emulator_tokens_issued_total', 'scalekit_emulator_oauth_errors_total', 'scalekit_emulator_http_request_duration_seconds', 'scalekit_emulator_audit_queue_depth']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts issued tokens by grant type and client kind', async () => {
    const before = await scrape(server.url);
    await tokenRequest(server.url, { grant_type: 'client_credentials' }, { authorization: basic(AGENT.id, AGENT.secret) });
    await tokenRequest(server.url, { grant_type: 'client_credentials' }, { authorization: basic(AGENT.id, AGENT.secret) });
    await tokenRequest(server.url, { grant_type: 'client_credentials', client_id: ENV_CLIENT.id, client_secret: ENV_CLIENT.secret });
    const after = await scrape(server.url);
    expect((sample(after, issued('client_credentials', 'organization')) ?? 0) - (sample(before, issued('client_credentials', 'organization')) ?? 0)).toBe(2);
    expect((sample(after, issued('client_credentials', 'environment')) ?? 0) - (sample(before, issued('client_credentials', 'environment')) ?? 0)).toBe(1);
  });

  it('counts OAuth errors by code, from our token endpoint and from oidc-provider', async () => {
    const before = await scrape(server.url);
    await tokenRequest(server.url, { grant_type: 'client_credentials' }, { authorization: basic(AGENT.id, 'wrong-secret-0123456789') });
    await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(AGENT.id, AGENT.secret) });
    await fetch(`${server.url}/oauth/token`); // 405 invalid_request
    const page = await (await fetch(`${server.url}/oauth/authorize?client_id=nobody&response_type=code&redirect_uri=http://127.0.0.1/cb`)).text();
    expect(page).toContain('<code>invalid_client</code>'); // answered by oidc-provider
    const after = await scrape(server.url);
    const delta = (code: string) => (sample(after, errors(code)) ?? 0) - (sample(before, errors(code)) ?? 0);
    expect([delta('invalid_client'), delta('invalid_scope'), delta('invalid_request')]).toEqual([2, 1, 1]);
  });

  it('observes latency per route pattern, not per raw URL', async () => {
    await fetch(`${server.url}/resources/res_20000000000000001/.well-known/oauth-authorization-server`);
    await fetch(`${server.url}/resources/res_99/.well-known/oauth-authorization-server`);
    await fetch(`${server.url}/oauth/authorize?client_id=nobody`);
    await fetch(`${server.url}/no/such/path/123`);
    const text = await scrape(server.url);
    expect(sample(text, served('GET', '/resources/:resourceId/.well-known/oauth-authorization-server', 200))).toBe(1);
    expect(sample(text, served('GET', '/resources/:resourceId/.well-known/oauth-authorization-server', 404))).toBe(1);
    expect(sample(text, served('GET', '/oauth/authorize', 400))).toBeGreaterThanOrEqual(1);
    expect(sample(text, served('GET', 'unmatched', 404))).toBe(1);
    expect(text).not.toContain('res_99');
    expect(text).not.toContain('/no/such/path');
  });

  it('reports the audit queue depth: rows recorded and not yet written', async () => {
    const { store, context } = server.app;
    await store.issuedTokens.flush();
    const depth = async () => sample(await context.metrics.registry.getSingleMetricAsString('scalekit_emulator_audit_queue_depth'), 'scalekit_emulator_audit_queue_depth');
    expect(await depth()).toBe(0);
    const row = { grantType: 'client_credentials', clientId: AGENT.id, subject: AGENT.id, scopes: [], audience: [], issuedAt: 1, expiresAt: 2 };
    store.issuedTokens.record({ ...row, jti: 'tkn_90000000000000001' });
    store.issuedTokens.record({ ...row, jti: 'tkn_90000000000000002' });
    expect(await depth()).toBe(2);
    await store.issuedTokens.flush();
    expect(await depth()).toBe(0);
  });

  it('keeps each app to its own registry', async () => {
    const other = await startTestServer();
    try {
      await tokenRequest(other.url, { grant_type: 'client_credentials' }, { authorization: basic(AGENT.id, AGENT.secret) });
      const before = sample(await scrape(server.url), issued('client_credentials', 'organization'));
      await tokenRequest(other.url, { grant_type: 'client_credentials' }, { authorization: basic(AGENT.id, AGENT.secret) });
      expect(sample(await scrape(other.url), issued('client_credentials', 'organization'))).toBe(2);
      expect(sample(await scrape(server.url), issued('client_credentials', 'organization'))).toBe(before);
    } finally {
      await other.close();
    }
  });
});
