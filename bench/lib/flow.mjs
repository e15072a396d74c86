// One authorization-code flow as an MCP host takes it (test/helpers/code-flow.ts in plain JS): PKCE,
// the browser through login and consent (MiniBrowser, a fresh cookie jar), the code exchange and one
// refresh. And the load loop: W workers running flows back to back, each flow with a client not used before.
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MiniBrowser, send } from './mini-browser.mjs';
import { CALLBACK, EMAIL, RESOURCE } from './code-flow-targets.mjs';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function tokenCall(agent, url, form) {
  const res = await send(agent, 'POST', url, { headers: FORM, body: new URLSearchParams(form).toString() });
  let json;
  try { json = JSON.parse(res.body); } catch { json = { raw: res.body.slice(0, 300) }; }
  if (res.status !== 200) throw new Error(`${form.grant_type} at ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * Runs one flow for `clientId`; resolves to { ms, requests, submitted, tokens, refreshed }.
 * `ctx`: { agent, urls, authorizeParams, password }.
 */
export async function runFlow(ctx, clientId) {
  const t0 = performance.now();
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('base64url');
  const url = new URL(ctx.urls.authorize);
  for (const [k, v] of Object.entries({
    response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256',
    state, scope: 'todo:read offline_access', resource: RESOURCE, ...ctx.authorizeParams,
  })) url.searchParams.set(k, v);

  const browser = new MiniBrowser(ctx.agent, { email: EMAIL, password: ctx.password, decision: 'approve' });
  const callback = await browser.authorize(url.href, CALLBACK);
  const code = callback.searchParams.get('code');
  if (!code || callback.searchParams.get('state') !== state) throw new Error(`callback without code or state: ${callback.href}`);

  const tokens = await tokenCall(ctx.agent, ctx.urls.token, {
    grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK, client_id: clientId, resource: RESOURCE,
  });
  if (!tokens.refresh_token) throw new Error(`no refresh_token in the code exchange: ${JSON.stringify(tokens)}`);
  const refreshed = await tokenCall(ctx.agent, ctx.urls.token, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
  return { ms: performance.now() - t0, requests: browser.requests + 2, submitted: browser.submitted, tokens, refreshed };
}

/** Unused clients, registered ahead of the timed runs; take() throws once none is left. */
export class ClientPool {
  constructor(register) {
    this.register = register;
    this.ids = [];
    this.next = 0;
  }

  get left() { return this.ids.length - this.next; }

  /** Registers clients until `count` are unused, `parallel` registrations at a time. */
  async fill(count, parallel) {
    const missing = Math.max(0, count - this.left);
    let started = 0;
    const worker = async () => {
      while (started < missing) {
        started++;
        this.ids.push(await this.register());
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  take() {
    if (this.next >= this.ids.length) throw new PoolExhausted();
    return this.ids[this.next++];
  }
}

export class PoolExhausted extends Error {
  constructor() { super('no unused client left'); }
}

/**
 * `workers` loops of flows for `seconds`; stops early when the pool runs dry.
 * Resolves to { elapsed, flows, requests, errors, firstError, exhausted, latencies } (latencies sorted, ms).
 */
export async function runFlows(ctx, pool, { workers, seconds }) {
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const latencies = [];
  let requests = 0;
  let errors = 0;
  let firstError;
  let exhausted = false;
  const worker = async () => {
    while (!exhausted && performance.now() < deadline) {
      let clientId;
      try { clientId = pool.take(); } catch { exhausted = true; break; }
      try {
        const flow = await runFlow(ctx, clientId);
        latencies.push(flow.ms);
        requests += flow.requests;
      } catch (err) {
        errors++;
        firstError ??= err.message;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { elapsed, flows: latencies.length, requests, errors, firstError, exhausted, latencies };
}

export const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
