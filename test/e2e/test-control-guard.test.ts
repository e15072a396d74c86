// The test controls (/_emulator/*) refuse what a web page could make a visitor's browser send: a
// cross-site write (a foreign Origin, Sec-Fetch-Site: cross-site, a form or text/plain body, which need
// no CORS preflight) and a foreign Host (DNS rebinding), in their JSON error shape, changing nothing;
// test suites that are not browsers, and the environment URL's own host, are not affected. Shown over
// raw HTTP and with the attacks run by a real browser (Chromium).
import http, { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startTestServer({ env: { TEST_CONTROL: '1' } });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

/** A request with headers fetch() will not send (Host), from this test. */
function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };
const armFault = () => send('/_emulator/faults', { method: 'POST', headers: json, body: JSON.stringify({ endpoint: '/keys', status: 503, error: 'temporarily_unavailable' }) });
const faultsArmed = async () => ((await send('/_emulator/faults')).body.faults as unknown[]).length;

beforeEach(async () => {
  expect((await send('/_emulator/reset', { method: 'POST' })).status).toBe(200);
  expect((await armFault()).status).toBe(201);
});

describe('cross-site writes are refused (403 / 415), and change nothing', () => {
  it('POST /_emulator/reset with Origin: http://attacker.example and Content-Type: text/plain: 403 cross_site_request', async () => {
    const res = await send('/_emulator/reset', { method: 'POST', headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' }, body: '{}' });
    expect(res).toEqual({ status: 403, body: { error: 'cross_site_request', error_description: 'the test controls refuse requests from another site (Origin "http://attacker.example")' } });
    expect(await faultsArmed()).toBe(1);
  });

  it('Sec-Fetch-Site: cross-site (no Origin) and Origin: null: 403', async () => {
    expect((await send('/_emulator/reset', { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })).body.error).toBe('cross_site_request');
    expect((await send('/_emulator/reset', { method: 'POST', headers: { origin: 'null' } })).body.error).toBe('cross_site_request');
    expect(await faultsArmed()).toBe(1);
  });

  it('a body that is not JSON (a form, text/plain), whatever the origin: 415 invalid_request', async () => {
    const form = await send('/_emulator/tokens', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'subject=x' });
    expect(form).toEqual({ status: 415, body: { error: 'invalid_request', error_description: 'the test controls take JSON: send Content-Type: application/json, not "application/x-www-form-urlencoded"' } });
    expect((await send('/_emulator/reset', { method: 'POST', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect(await faultsArmed()).toBe(1);
  });

  it('this machine and non-browser clients are not affected: a loopback Origin, JSON, no headers at all', async () => {
    expect((await send('/_emulator/tokens', { method: 'POST', headers: { ...json, origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin' }, body: '{}' })).status).toBe(200);
    expect((await send('/_emulator/reset', { method: 'POST', headers: { origin: 'http://127.0.0.1:3000' } })).status).toBe(200);
    expect(await faultsArmed()).toBe(0);
  });
});

describe('a foreign Host (DNS rebinding) is refused: 403 invalid_host', () => {
  it('GET /_emulator/requests and POST /_emulator/reset with Host: attacker.example', async () => {
    const read = await send('/_emulator/requests', { headers: { host: `attacker.example:${port}` } });
    expect(read).toEqual({
      status: 403,
      body: {
        error: 'invalid_host',
        error_description: `the test controls answer only requests for the environment URL's host or a loopback name, not Host "attacker.example:${port}"; set SCALEKIT_ENVIRONMENT_URL to the URL you call them at`,
      },
    });
    expect((await send('/_emulator/reset', { method: 'POST', headers: { host: 'attacker.example' } })).status).toBe(403);
    expect(await faultsArmed()).toBe(1);
  });

  it('loopback names and the environment URL\'s own host are served', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) expect((await send('/_emulator/requests', { headers: { host } })).status).toBe(200);
    const named = await startTestServer({ env: { TEST_CONTROL: '1', SCALEKIT_ENVIRONMENT_URL: 'http://emulator.internal:8080' } });
    try {
      const namedPort = (named.app.fastify.server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${namedPort}/_emulator/requests`); // Host 127.0.0.1: loopback
      expect(res.status).toBe(200);
      const asNamed = await new Promise<number>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: namedPort, path: '/_emulator/requests', headers: { host: 'emulator.internal:8080' }, agent: false }, (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          })
          .on('error', reject),
      );
      expect(asNamed).toBe(200);
    } finally {
      await named.close();
    }
  });
});

describe('in a real browser (Chromium), a web page cannot use them', () => {
  let browser: Browser;
  let attackerSite: Server;
  let pageScript = '';

  // attacker.example resolves (Chromium's rules) to 127.0.0.2, where the attacker's server listens on
  // the emulator's port: it serves its page at /, and relays every other path to the emulator, Host
  // untouched, which is what the name rebound to 127.0.0.1 would do.
  beforeAll(async () => {
    browser = await launchChromium(['--host-resolver-rules=MAP attacker.example 127.0.0.2']);
    attackerSite = createServer((req, res) => {
      if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Attacker</title><script>${pageScript}</script>`);
      const relay = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(relay);
    });
    await new Promise<void>((resolve) => attackerSite.listen(port, '127.0.0.2', resolve));
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attackerSite?.close(resolve));
  });

  it('a cross-site fetch (no-cors, text/plain) and a cross-site form post do not reset the emulator', async () => {
    const page = await browser.newPage();
    try {
      pageScript = `window.attack = fetch('http://127.0.0.1:${port}/_emulator/reset', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }).then(() => 'sent', (e) => String(e));`;
      await page.goto(`http://attacker.example:${port}/`);
      expect(await page.evaluate('window.attack')).toBe('sent');
      expect(await faultsArmed()).toBe(1);

      // A form needs no script at all; its answer is the controls' JSON error.
      pageScript = '';
      await page.goto(`http://attacker.example:${port}/`);
      await page.setContent(`<form method="post" action="http://127.0.0.1:${port}/_emulator/reset" enctype="text/plain"><input name="a" value="b"></form>`);
      await Promise.all([page.waitForNavigation(), page.evaluate('document.forms[0].submit()')]);
      expect(JSON.parse((await page.locator('body').textContent()) ?? '')).toMatchObject({ error: 'cross_site_request' });
      expect(await faultsArmed()).toBe(1);
    } finally {
      await page.close();
    }
  });

  it('DNS rebinding: the page of attacker.example, its name now the emulator, reads nothing and resets nothing', async () => {
    const page = await browser.newPage();
    try {
      pageScript = '';
      await page.goto(`http://attacker.example:${port}/`);
      const seen = await page.evaluate(async () => {
        const read = await fetch('/_emulator/requests');
        const reset = await fetch('/_emulator/reset', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return { read: read.status, readBody: (await read.json()) as { error?: string }, reset: reset.status };
      });
      expect(seen).toEqual({ read: 403, readBody: expect.objectContaining({ error: 'invalid_host' }), reset: 403 });
      expect(await faultsArmed()).toBe(1);
    } finally {
      await page.close();
    }
  });
});
