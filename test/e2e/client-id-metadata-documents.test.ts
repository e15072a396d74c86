// Client ID metadata documents (CIMD) on an MCP server that enables them: the client_id is an https URL,
// the emulator fetches the document there and checks it. Driven by both MCP SDK generations with
// `clientMetadataUrl`, against a document served over https on this machine (ALLOW_INSECURE_CIMD=1, as a
// local test setup must). Without that flag, private addresses are refused.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { BrowserStopped, MiniBrowser } from '../helpers/browser.js';
import { authorizationUrl, authorize, exchange, pkce, tokenCall, type TokenSet } from '../helpers/code-flow.js';
import { HeadlessHost, HOST_CALLBACK } from '../helpers/mcp-host.js';
import { v1, v2 } from '../helpers/mcp-sdks.js';
import { ADA, decodeJwt } from '../helpers/server.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { startTodoStack, type TodoStack } from '../helpers/todo-stack.js';

const TODO = 'res_30000000000000001';
/** A second server taking documents, with the device authorization grant on. */
const DEVICES = 'res_30000000000000002';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const person = { email: ADA.email, password: ADA.password };
let documents: Server;
let base: string;
const served: Record<string, { body: unknown; headers?: Record<string, string> }> = {};
const fetched: string[] = [];
let stack: TodoStack;

beforeAll(async () => {
  documents = createServer(selfSignedCertificate(), (req, res) => {
    fetched.push(req.url!);
    const doc = served[req.url!];
    if (!doc) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', ...doc.headers }).end(typeof doc.body === 'string' ? doc.body : JSON.stringify(doc.body));
  });
  await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(documents.address() as AddressInfo).port}`;
  stack = await startTodoStack(
    [
      { resourceId: TODO, name: 'Todo', enableCimd: true },
      { resourceId: DEVICES, name: 'Devices', enableCimd: true, enableDeviceFlow: true },
    ],
    { allowInsecureCimd: true },
  );
});
afterAll(async () => {
  await stack?.close();
  documents?.close();
});

function serve(path: string, body: unknown, headers?: Record<string, string>): string {
  served[path] = { body, ...(headers ? { headers } : {}) };
  return `${base}${path}`;
}
const documentFor = (url: string, extra: Record<string, unknown> = {}) => ({
  client_id: url,
  client_name: 'Document Host',
  redirect_uris: [HOST_CALLBACK, 'http://127.0.0.1:45789/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  ...extra,
});

it('advertises client_id_metadata_document_supported on the MCP server’s issuer', async () => {
  const doc = (await (await fetch(`${stack.em.url}/.well-known/oauth-authorization-server/resources/${TODO}`)).json()) as Record<string, unknown>;
  expect(doc.client_id_metadata_document_supported).toBe(true);
});

describe.each([v1, v2])('$name with clientMetadataUrl', (sdk) => {
  it('connects with the document URL as client_id: no registration, the document’s name on the consent page', async () => {
    const url = serve(`/${sdk === v1 ? 'v1' : 'v2'}/client.json`, {});
    served[new URL(url).pathname] = { body: documentFor(url, { client_name: `Document Host ${sdk === v1 ? 1 : 2}` }) };
    const host = new HeadlessHost({ person, clientMetadataUrl: url });
    const client = await sdk.connect(host, stack.mcpUrl[TODO]!);
    expect(await client.listTools()).toEqual(['add_todo', 'list_todos']);
    await client.close();
    expect(host.authorizationUrls[0]!.searchParams.get('client_id')).toBe(url);
    const consent = host.browser.pages.find((p) => p.html.includes('name="decision"'))!.html;
    expect(consent).toContain(`<strong>Document Host ${sdk === v1 ? 1 : 2}</strong> wants to access <strong>Todo</strong>`);
    expect(consent).toContain(`This app describes itself at <strong>${new URL(base).host}</strong>.`);
    expect(decodeJwt(String((host.savedTokens as { access_token: string }).access_token)).payload.client_id).toBe(url);
  });
});

describe('the document is checked', () => {
  const issuer = () => stack.em.urls.resourceIssuer(TODO);
  const pageOf = async (clientId: string, redirectUri = 'http://127.0.0.1:45789/callback') => {
    const url = authorizationUrl(issuer(), { client_id: clientId, code_challenge: pkce().challenge, redirect_uri: redirectUri });
    const stopped = (await new MiniBrowser(person).authorize(url, redirectUri).catch((e: unknown) => e)) as BrowserStopped;
    expect(stopped).toBeInstanceOf(BrowserStopped);
    return { status: stopped.status, code: /<code>([^<]*)<\/code>/.exec(stopped.html)?.[1], text: /<p class="lede">([^<]*)<\/p>/.exec(stopped.html)?.[1] };
  };

  it('is fetched once while its cache lifetime lasts', async () => {
    const url = serve('/cached.json', {}, { 'cache-control': 'max-age=600' });
    served['/cached.json']!.body = documentFor(url);
    const before = fetched.filter((p) => p === '/cached.json').length;
    for (let i = 0; i < 2; i++) {
      const grant = await authorize(issuer(), url, person);
      expect((await exchange(issuer(), url, grant)).status).toBe(200);
    }
    expect(fetched.filter((p) => p === '/cached.json').length - before).toBe(1);
  });

  it('a client_id other than the document’s URL → invalid_client_metadata_url', async () => {
    const url = serve('/mismatch.json', documentFor('https://elsewhere.example/client.json'));
    expect(await pageOf(url)).toEqual({ status: 400, code: 'invalid_client_metadata_url', text: 'the client_id in the document (https://elsewhere.example/client.json) differs from its URL' });
  });

  it('a document asking for a shared secret → invalid_client_metadata_url', async () => {
    const url = serve('/secret.json', {});
    served['/secret.json']!.body = documentFor(url, { token_endpoint_auth_method: 'client_secret_basic' });
    expect((await pageOf(url)).text).toBe('a client metadata document cannot use a shared secret');
  });

  it('a document that is not JSON → invalid_client_metadata_url', async () => {
    const url = serve('/broken.json', '{not json');
    expect((await pageOf(url)).text).toBe('the client metadata document is not valid JSON');
  });

  it('a document that is not there → invalid_client_metadata_url', async () => {
    expect((await pageOf(`${base}/missing.json`)).text).toBe('the client metadata document answered HTTP 404');
  });

  it('a redirect_uri the document does not list → invalid_redirect_uri', async () => {
    const url = serve('/narrow.json', {});
    served['/narrow.json']!.body = documentFor(url, { redirect_uris: ['http://127.0.0.1:45789/callback'] });
    expect((await pageOf(url, 'https://evil.example/callback')).code).toBe('invalid_redirect_uri');
  });
});

it('lets a document client revoke its own refresh token by its client_id alone (RFC 7009 §2.1, openid-client None())', async () => {
  const issuer = stack.em.urls.resourceIssuer(TODO);
  const url = serve('/revoking.json', {});
  served['/revoking.json']!.body = documentFor(url);
  const grant = await authorize(issuer, url, person, { scope: 'todo:read offline_access' });
  const tokens = (await (await exchange(issuer, url, grant)).json()) as TokenSet;
  const config = await oidc.discovery(new URL(issuer), url, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });
  await oidc.tokenRevocation(config, tokens.refresh_token!);
  const refreshed = await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: url });
  expect([refreshed.status, ((await refreshed.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
});

describe('without ALLOW_INSECURE_CIMD', () => {
  let strict: Emulator;
  beforeAll(async () => {
    strict = await startEmulator({
      keys: 'fixed',
      seed: {
        resources: [{ id: 'res_30000000000000009', name: 'Strict', resource_id: 'https://mcp.example/', enable_cimd: true }],
        users: [{ id: ADA.id, email: ADA.email, password: ADA.password }],
      },
    });
  });
  afterAll(() => strict?.close());

  it('refuses a document at a loopback or private address, before any request is made', async () => {
    const before = fetched.length;
    const url = authorizationUrl(strict.urls.resourceIssuer('res_30000000000000009'), { client_id: `${base}/v1/client.json`, code_challenge: pkce().challenge });
    const stopped = (await new MiniBrowser(person).authorize(url, 'http://127.0.0.1:45789/callback').catch((e: unknown) => e)) as BrowserStopped;
    expect(stopped.status).toBe(400);
    expect(stopped.html).toContain('<code>invalid_client_metadata_url</code>');
    expect(stopped.html).toContain('the client metadata document is at a private, loopback or link-local address');
    expect(fetched.length).toBe(before);
  });

  it('refuses a host name that resolves to a loopback address, checked on the address it connects to', async () => {
    const before = fetched.length;
    const url = authorizationUrl(strict.urls.resourceIssuer('res_30000000000000009'), { client_id: `${base.replace('127.0.0.1', 'localhost')}/v1/client.json`, code_challenge: pkce().challenge });
    const stopped = (await new MiniBrowser(person).authorize(url, 'http://127.0.0.1:45789/callback').catch((e: unknown) => e)) as BrowserStopped;
    expect(stopped.html).toContain('the client metadata document is at a private, loopback or link-local address');
    expect(fetched.length).toBe(before);
  });

  it('treats a URL client_id as an unknown client where CIMD is off', async () => {
    const off = await startEmulator({ keys: 'fixed', seed: { resources: [{ id: 'res_30000000000000008', name: 'Off', resource_id: 'https://off.example/' }] } });
    try {
      const url = authorizationUrl(off.urls.resourceIssuer('res_30000000000000008'), { client_id: `${base}/v1/client.json`, code_challenge: pkce().challenge });
      const stopped = (await new MiniBrowser(person).authorize(url, 'http://127.0.0.1:45789/callback').catch((e: unknown) => e)) as BrowserStopped;
      expect(stopped.html).toContain('<code>invalid_client</code>');
      const doc = (await (await fetch(`${off.url}/.well-known/oauth-authorization-server/resources/res_30000000000000008`)).json()) as Record<string, unknown>;
      expect(doc).not.toHaveProperty('client_id_metadata_document_supported');
    } finally {
      await off.close();
    }
  });
});

it('issues tokens to a document client that a token request names by URL', async () => {
  const url = serve('/token.json', {});
  served['/token.json']!.body = documentFor(url);
  const grant = await authorize(stack.em.urls.resourceIssuer(TODO), url, person, { scope: 'todo:read offline_access' });
  const tokens = (await (await exchange(stack.em.urls.resourceIssuer(TODO), url, grant)).json()) as TokenSet;
  expect(decodeJwt(tokens.access_token).payload).toMatchObject({ client_id: url, aud: [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), TODO] });
  expect(tokens.refresh_token).toBeDefined();
});

describe('a document listing the device authorization grant (RFC 8628)', () => {
  const requestDevice = (serverId: string, clientId: string) =>
    fetch(`${stack.em.urls.resourceIssuer(serverId)}/oauth/device/code`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, scope: 'todo:read' }),
    });

  it('starts device authorizations where the server offers the grant, and gets the person’s token', async () => {
    const url = serve('/device.json', {});
    served['/device.json']!.body = documentFor(url, { grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT] });
    const res = await requestDevice(DEVICES, url);
    expect(res.status).toBe(200);
    const device = (await res.json()) as { device_code: string; user_code: string };
    await stack.em.approveDevice(device.user_code, { user: ADA.email });
    const token = await fetch(`${stack.em.urls.resourceIssuer(DEVICES)}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: url }),
    });
    expect(token.status).toBe(200);
    expect(decodeJwt(((await token.json()) as TokenSet).access_token).payload).toMatchObject({ client_id: url, sub: ADA.id, aud: [expect.any(String), DEVICES] });
    // Where the server does not offer it, there is no device authorization endpoint.
    expect((await requestDevice(TODO, url)).status).toBe(404);
  });

  it('a document that does not list it is unauthorized_client', async () => {
    const url = serve('/code-only.json', {});
    served['/code-only.json']!.body = documentFor(url);
    const res = await requestDevice(DEVICES, url);
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: { error: 'unauthorized_client', error_description: 'the client may not use the device authorization grant at this issuer' },
    });
  });
});
