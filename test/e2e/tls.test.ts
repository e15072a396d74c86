// TLS=1: HTTPS and gRPC over TLS on the one port, with a certificate from a local CA kept in DATA_DIR
// (as mkcert makes one), or the operator's own TLS_CERT/TLS_KEY. Real clients over real TLS: fetch,
// connect's gRPC transport, and @scalekit-sdk/node and the example agent (MCP SDK) in child processes
// trusting the CA through NODE_EXTRA_CA_CERTS, as a user runs them.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { OrganizationService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failingStart, runNode, startCli, type RunningCli } from '../helpers/cli.js';
import { freePort } from '../helpers/todo-stack.js';
import { decodeJwt, TEST_SEED } from '../helpers/server.js';
import { handshake, selfSignedCertificate, trustingFetch } from '../helpers/tls.js';

const ENV = { id: 'skc_40000000000000001', secret: 'tls-environment-secret-0123456789' };
const AGENT = { id: 'm2morg_20000000000000001', secret: 'agent-secret-0123456789abcdef' };
const LOCAL_CA_FILES = ['emulator-ca.pem', 'emulator-ca-key.pem', 'emulator-tls.pem', 'emulator-tls-key.pem'];
const AGENT_MAIN = fileURLToPath(new URL('../../dist/examples/agent/main.js', import.meta.url));
const TODO_MAIN = fileURLToPath(new URL('../../dist/examples/todo-mcp-server/main.js', import.meta.url));

let dir: string;
let dataDir: string;
let todoPort: number;
let cli: RunningCli | undefined;
const caPem = () => readFileSync(join(dataDir, 'emulator-ca.pem'), 'utf8');
const start = (env: Record<string, string> = {}) =>
  startCli({ DATA_DIR: dataDir, TLS: '1', SCALEKIT_CLIENT_ID: ENV.id, SCALEKIT_CLIENT_SECRET: ENV.secret, SEED: join(dir, 'seed.json'), ...env });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-tls-'));
  dataDir = join(dir, 'data');
  todoPort = await freePort();
  const seed = structuredClone(TEST_SEED);
  seed.resources![0]!.resource_id = `http://127.0.0.1:${todoPort}/`;
  seed.clients![0]!.audience = [`http://127.0.0.1:${todoPort}/`];
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
  cli = await start();
});
afterAll(async () => {
  await cli?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function token(url: string, fetchFn: ReturnType<typeof trustingFetch>, client = AGENT): Promise<Response> {
  return fetchFn(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }).toString(),
  });
}

describe('TLS=1 with the local CA', () => {
  it('listens on https and prints where the CA is and how each client trusts it', () => {
    const ca = join(dataDir, 'emulator-ca.pem');
    expect(cli!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const output = cli!.output();
    expect(output).toContain(`NODE_EXTRA_CA_CERTS=${ca}`);
    expect(output).toContain(`REQUESTS_CA_BUNDLE=${ca} GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=${ca}`);
    expect(output).toContain(`SSL_CERT_FILE=${ca}`);
    expect(output).toContain(`update-ca-certificates`);
  });

  it('fetch trusting the CA gets a token from /oauth/token and the keys from /keys, the issuer https', async () => {
    const trusted = trustingFetch(caPem());
    const res = await token(cli!.url, trusted);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect(decodeJwt(body.access_token).payload).toMatchObject({ iss: cli!.url, sub: AGENT.id });
    const keys = await trusted(`${cli!.url}/keys`);
    expect(keys.status).toBe(200);
    expect(((await keys.json()) as { keys: { kid: string }[] }).keys[0]!.kid).toMatch(/^snk_\d+$/);
    const metadata = (await (await trusted(`${cli!.url}/.well-known/oauth-authorization-server`)).json()) as { token_endpoint: string };
    expect(metadata.token_endpoint).toBe(`${cli!.url}/oauth/token`);
  });

  it('negotiates h2 or http/1.1 by ALPN, as the client offers', async () => {
    const h2 = await handshake(cli!.url, { ca: caPem(), alpn: ['h2', 'http/1.1'] });
    const h1 = await handshake(cli!.url, { ca: caPem(), alpn: ['http/1.1'] });
    h2.socket.destroy();
    h1.socket.destroy();
    expect([h2.alpnProtocol, h1.alpnProtocol]).toEqual(['h2', 'http/1.1']);
  });

  it('a gRPC client trusting the CA calls the management API over TLS (h2 by ALPN)', async () => {
    const trusted = trustingFetch(caPem());
    const { access_token } = (await (await token(cli!.url, trusted, ENV)).json()) as { access_token: string };
    const transport = createGrpcTransport({
      baseUrl: cli!.url,
      nodeOptions: { ca: caPem() },
      interceptors: [(next) => (req) => (req.header.set('authorization', `Bearer ${access_token}`), next(req))],
    });
    const { organizations } = await createClient(OrganizationService, transport).listOrganization({ pageSize: 10 });
    expect(organizations.map((o) => o.id)).toEqual(['org_20000000000000001']);
  });

  it('@scalekit-sdk/node with NODE_EXTRA_CA_CERTS: token, validateToken and a gRPC management call over https', async () => {
    const script = `
      import { ScalekitClient } from '@scalekit-sdk/node';
      const [url, id, secret, agentToken] = process.argv.slice(1);
      const scalekit = new ScalekitClient(url, id, secret);
      const claims = await scalekit.validateToken(agentToken);
      const { clients } = await scalekit.m2m.listOrganizationClients('org_20000000000000001', { pageSize: 10 });
      console.log(JSON.stringify({ sub: claims.sub, clients: clients.map((c) => c.clientId).sort() }));`;
    const agentToken = ((await (await token(cli!.url, trustingFetch(caPem()))).json()) as { access_token: string }).access_token;
    const run = await runNode(['--input-type=module', '-e', script, cli!.url, ENV.id, ENV.secret, agentToken], {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: join(dataDir, 'emulator-ca.pem'),
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ sub: AGENT.id, clients: ['m2morg_20000000000000001', 'm2morg_20000000000000002'] });
  });

  it('the example agent (MCP SDK client) gets a token over https and the Todo server validates it with /keys over https', async () => {
    const trust = { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: join(dataDir, 'emulator-ca.pem') };
    const todo = await startTodoServer({
      ...trust,
      PORT: String(todoPort),
      MCP_SERVER_URL: `http://127.0.0.1:${todoPort}/`,
      SCALEKIT_ENVIRONMENT_URL: cli!.url,
      SCALEKIT_CLIENT_ID: ENV.id,
      SCALEKIT_CLIENT_SECRET: ENV.secret,
      SCALEKIT_RESOURCE_ID: 'res_20000000000000001',
    });
    try {
      const run = await runNode([AGENT_MAIN, 'Renew the certificate'], {
        ...trust,
        SCALEKIT_ENVIRONMENT_URL: cli!.url,
        AGENT_CLIENT_ID: AGENT.id,
        AGENT_CLIENT_SECRET: AGENT.secret,
        AGENT_SCOPES: 'todo:read todo:write',
        MCP_SERVER_URL: `http://127.0.0.1:${todoPort}/mcp`,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('"title":"Renew the certificate"');
      expect(todo.output()).toContain(`add_todo called by ${AGENT.id}`);
    } finally {
      await todo.stop();
    }
  });

  it('a client that does not trust the CA is refused (certificate error), and trusted ones carry on', async () => {
    const err = (await token(cli!.url, trustingFetch(undefined)).catch((e: unknown) => e)) as TypeError & { cause: { code: string } };
    expect(err).toBeInstanceOf(TypeError);
    expect(err.cause.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const wrongName = (await handshake(cli!.url, { ca: caPem(), servername: 'elsewhere.example' }).catch((e: unknown) => e)) as { code: string };
    expect(wrongName.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect((await token(cli!.url, trustingFetch(caPem()))).status).toBe(200);
  });

  it('plain HTTP to the port gets 400 naming the https URL; h2c gets no HTTP/2 answer', async () => {
    const plain = cli!.url.replace('https:', 'http:');
    const res = await fetch(`${plain}/health`);
    expect(res.status).toBe(400);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.text()).toBe(`This port speaks HTTPS only: use ${cli!.url}\n`);
    const session = http2.connect(plain);
    const failed = await new Promise<{ code?: string; message: string }>((resolve) => {
      session.on('error', resolve);
      session.request({ ':path': '/health' }).on('error', resolve).end();
    });
    session.destroy();
    expect([failed.code, failed.message]).toEqual(['ERR_HTTP2_ERROR', 'Protocol error']); // our HTTP/1.1 400 is not HTTP/2
    expect((await trustingFetch(caPem())(`${cli!.url}/health`)).status).toBe(200);
  });

  it('cookies set over https are Secure: the provider interaction and the login form CSRF', async () => {
    const trusted = trustingFetch(caPem());
    const authorize = new URL(`${cli!.url}/oauth/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: ENV.id,
      redirect_uri: 'http://127.0.0.1:4010/callback',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'tls',
    }).toString();
    const redirect = await trusted(authorize.toString(), { redirect: 'manual' });
    expect(redirect.status).toBe(303);
    const interaction = redirect.headers.getSetCookie().filter((c) => c.startsWith('_interaction'));
    expect(interaction.length).toBeGreaterThan(0);
    for (const cookie of interaction) expect(cookie.toLowerCase()).toContain('; secure');
    const login = await trusted(new URL(redirect.headers.get('location')!, cli!.url).toString(), {
      headers: { cookie: interaction.map((c) => c.split(';')[0]).join('; ') },
    });
    expect(login.status).toBe(200);
    const csrf = login.headers.getSetCookie().find((c) => c.startsWith('_csrf='));
    expect(csrf?.toLowerCase()).toContain('; secure');
  });
});

describe('the local CA across restarts', () => {
  it('reuses the CA and the server certificate (same fingerprints), every file 0600', async () => {
    const before = await handshake(cli!.url, { ca: caPem() });
    before.socket.destroy();
    const ca = caPem();
    await cli!.stop();
    cli = await start();
    const after = await handshake(cli.url, { ca: caPem() });
    after.socket.destroy();
    expect(after.fingerprint).toBe(before.fingerprint);
    expect(caPem()).toBe(ca);
    expect(cli.output()).not.toContain('TLS: ');
    for (const file of LOCAL_CA_FILES) expect([file, statSync(join(dataDir, file)).mode & 0o777]).toEqual([file, 0o600]);
  });

  it('issues a new server certificate from the same CA when the names change (SCALEKIT_ENVIRONMENT_URL, TLS_NAMES)', async () => {
    const ca = caPem();
    const before = new X509Certificate(readFileSync(join(dataDir, 'emulator-tls.pem')));
    await cli!.stop();
    const port = await freePort();
    cli = await start({ PORT: String(port), SCALEKIT_ENVIRONMENT_URL: `https://auth.emulator.test:${port}`, TLS_NAMES: 'emulator, 10.0.0.7' });
    expect(cli.url).toBe(`https://auth.emulator.test:${port}`);
    expect(cli.output()).toContain('issued a server certificate for localhost, 127.0.0.1, ::1, auth.emulator.test, emulator, 10.0.0.7 (the names changed)');
    const local = `https://127.0.0.1:${port}`;
    const byName = await handshake(local, { ca, servername: 'auth.emulator.test' });
    const byService = await handshake(local, { ca, servername: 'emulator' });
    byName.socket.destroy();
    byService.socket.destroy();
    expect(byName.fingerprint).not.toBe(before.fingerprint256);
    expect(caPem()).toBe(ca);
    expect(new X509Certificate(readFileSync(join(dataDir, 'emulator-tls.pem'))).subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:auth.emulator.test, DNS:emulator, IP Address:10.0.0.7',
    );
  });

  it('a damaged CA stops the start with exit 2 naming DATA_DIR and the file, and makes no new one', async () => {
    await cli!.stop();
    cli = undefined;
    const damaged = mkdtempSync(join(dir, 'damaged-'));
    writeFileSync(join(damaged, 'emulator-ca.pem'), 'not a certificate\n');
    writeFileSync(join(damaged, 'emulator-ca-key.pem'), readFileSync(join(dataDir, 'emulator-ca-key.pem')));
    const { code, output } = await failingStart({ DATA_DIR: damaged, TLS: '1' });
    expect(code).toBe(2);
    expect(output).toContain(`DATA_DIR ${damaged}: emulator-ca.pem is not a PEM certificate.`);
    expect(output).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(damaged, 'emulator-ca.pem'), 'utf8')).toBe('not a certificate\n');
  });
});

describe('TLS_CERT and TLS_KEY: the operator’s own certificate', () => {
  let own: { cert: string; key: string };
  let ownDir: string;
  beforeAll(() => {
    own = selfSignedCertificate();
    ownDir = mkdtempSync(join(dir, 'own-'));
    writeFileSync(join(ownDir, 'cert.pem'), own.cert);
    writeFileSync(join(ownDir, 'key.pem'), own.key);
    writeFileSync(join(ownDir, 'other-key.pem'), selfSignedCertificate().key);
  });

  it('serves it as given, and makes no local CA', async () => {
    const data = join(ownDir, 'data');
    const server = await startCli({ DATA_DIR: data, TLS_CERT: join(ownDir, 'cert.pem'), TLS_KEY: join(ownDir, 'key.pem') });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const served = await handshake(server.url, { ca: own.cert });
      served.socket.destroy();
      expect(served.fingerprint).toBe(new X509Certificate(own.cert).fingerprint256);
      expect((await trustingFetch(own.cert)(`${server.url}/health`)).status).toBe(200);
      expect(existsSync(join(data, 'emulator-ca.pem'))).toBe(false);
      expect(server.output()).not.toContain('NODE_EXTRA_CA_CERTS');
    } finally {
      await server.stop();
    }
  });

  it.each([
    ['a missing certificate file', { TLS_CERT: 'missing.pem', TLS_KEY: 'key.pem' }, /TLS_CERT \S+missing\.pem: there is no such file/],
    ['a key file that is not PEM', { TLS_CERT: 'cert.pem', TLS_KEY: 'cert.pem' }, /TLS_KEY \S+cert\.pem is not a PEM private key/],
    ['a certificate file that is not PEM', { TLS_CERT: 'key.pem', TLS_KEY: 'key.pem' }, /TLS_CERT \S+key\.pem is not a PEM certificate/],
    ['a key of another certificate', { TLS_CERT: 'cert.pem', TLS_KEY: 'other-key.pem' }, /TLS_KEY \S+other-key\.pem is not the private key of the certificate in TLS_CERT \S+cert\.pem/],
    ['a certificate without its key', { TLS_CERT: 'cert.pem' }, /TLS_CERT and TLS_KEY: set both or neither/],
    ['TLS=0 with a certificate', { TLS: '0', TLS_CERT: 'cert.pem', TLS_KEY: 'key.pem' }, /TLS=0: TLS_CERT and TLS_KEY serve HTTPS/],
    ['an http:// environment URL', { TLS: '1', SCALEKIT_ENVIRONMENT_URL: 'http://localhost:8080' }, /SCALEKIT_ENVIRONMENT_URL: must be an https:\/\/ URL when TLS is on/],
    ['a bad TLS_NAMES entry', { TLS: '1', TLS_NAMES: 'ok.example, not a name' }, /TLS_NAMES: not a name is not a host name or an IP address/],
  ])('%s: exit 2 naming the setting', async (_what, settings, message) => {
    const env = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, k.startsWith('TLS_') && k !== 'TLS_NAMES' ? join(ownDir, v) : v]));
    const { code, output } = await failingStart({ DATA_DIR: join(ownDir, 'failing'), ...env });
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /);
  });
});

/** The example Todo MCP server (built), once it says where it listens. */
function startTodoServer(env: Record<string, string>): Promise<{ output: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [TODO_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () => (child.exitCode === null && child.kill('SIGTERM'), exited);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('todo MCP server on ')) resolve({ output: () => output, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`todo server exited with ${code}:\n${output}`)));
  });
}
