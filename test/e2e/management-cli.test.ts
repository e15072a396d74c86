// The CLI's API commands, built and spawned as a user runs them, against a running server, with the
// three SCALEKIT_* values of its environment client.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { authorize, consentPageInProgress, exchange, registerClient, tokenCall } from '../helpers/code-flow.js';
import { clientToken } from '../helpers/management.js';
import { ADA, decodeJwt, ENV_CLIENT, startTestServer, type TestServer } from '../helpers/server.js';

const ORG = 'org_20000000000000001';

let server: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  server = await startTestServer();
  env = { SCALEKIT_ENVIRONMENT_URL: server.url, SCALEKIT_CLIENT_ID: ENV_CLIENT.id, SCALEKIT_CLIENT_SECRET: ENV_CLIENT.secret };
});
afterAll(() => server.close());

const cli = (...args: string[]) => runCli(args, env);
const json = async (...args: string[]) => {
  const run = await cli(...args);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
};

describe('clients', () => {
  it('create prints the secret once; token with it prints the token, --decode its claims', async () => {
    const created = await json('clients', 'create', '--org', ORG, '--name', 'cli bot', '--scope', 'todo:read', '--audience', 'http://localhost:3002/', '--json');
    const client = created.client as { client_id: string; scopes: string[] };
    expect(client.scopes).toEqual(['todo:read']);
    const secret = String(created.plain_secret);
    const token = await json('token', '--client-id', client.client_id, '--client-secret', secret, '--json');
    expect(token.header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(token.claims).toMatchObject({ client_id: client.client_id, sub: client.client_id, oid: ORG, scopes: ['todo:read'], aud: ['http://localhost:3002/'] });
    expect(decodeJwt(String(token.access_token)).payload.jti).toBe((token.claims as { jti: string }).jti);

    // Without a flag: the token alone, for TOKEN=$(scalekit-emulator token); it works at the API.
    const plain = await cli('token', '--client-id', client.client_id, '--client-secret', secret);
    expect([plain.code, plain.stderr]).toEqual([0, '']);
    expect(plain.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(decodeJwt(plain.stdout.trim()).payload).toMatchObject({ client_id: client.client_id, scopes: ['todo:read'] });
    const asEnvironment = await cli('token');
    expect((await fetch(`${server.url}/api/v1/organizations`, { headers: { authorization: `Bearer ${asEnvironment.stdout.trim()}` } })).status).toBe(200);
    // --decode: the decoded header and claims, as a person reads them.
    const decoded = await json('token', '--client-id', client.client_id, '--client-secret', secret, '--decode');
    expect(Object.keys(decoded)).toEqual(['header', 'claims']);
    expect(decoded.claims).toMatchObject({ client_id: client.client_id, scopes: ['todo:read'] });

    const listed = await json('clients', 'list', '--org', ORG, '--json');
    expect((listed.clients as { client_id: string }[]).map((c) => c.client_id)).toContain(client.client_id);
    const shown = await cli('clients', 'get', client.client_id, '--org', ORG);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^client_id\\s+${client.client_id}$`, 'm'));
    expect(shown.stdout).toContain(`(…${secret.slice(-4)})`);
    expect(shown.stdout).not.toContain(secret);
  });

  it('rotate-secret prints a new secret that works, and the old one stops working', async () => {
    const created = await json('clients', 'create', '--org', ORG, '--name', 'rotated', '--json');
    const id = (created.client as { client_id: string }).client_id;
    const rotated = await json('clients', 'rotate-secret', id, '--org', ORG, '--json');
    expect(rotated.removed_secret_ids).toEqual([(created.client as { secrets: { id: string }[] }).secrets[0]!.id]);
    expect((await clientToken(server.url, id, String(created.plain_secret))).status).toBe(401);
    expect((await clientToken(server.url, id, String(rotated.plain_secret))).status).toBe(200);
  });

  it('delete removes the client; a later get exits 1 with the API error code', async () => {
    const created = await json('clients', 'create', '--org', ORG, '--name', 'short-lived', '--json');
    const id = (created.client as { client_id: string }).client_id;
    const deleted = await cli('clients', 'delete', id, '--org', ORG);
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${id}\n` });
    const missing = await cli('clients', 'get', id, '--org', ORG);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: NOT_FOUND (HTTP 404): client ${id} not found\n`);
  });

  it('exits 2 for a usage error: neither --org nor --resource', async () => {
    const run = await cli('clients', 'list');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('give exactly one of --org <organization_id> or --resource <resource_id>\n');
  });
});

describe('orgs, resources and configuration', () => {
  it('orgs create and list', async () => {
    const created = await json('orgs', 'create', 'CLI Corp', '--json');
    const id = (created.organization as { id: string }).id;
    const listed = await json('orgs', 'list', '--json');
    expect((listed.organizations as { id: string }[]).map((o) => o.id)).toEqual(expect.arrayContaining([ORG, id]));
    const table = await cli('orgs', 'list');
    expect(table.stdout).toMatch(/^ID\s+DISPLAY NAME\s+CREATED$/m);
    expect(table.stdout).toContain('CLI Corp');
  });

  it('resources create with scopes and token issuer, then get prints its metadata JSON', async () => {
    const created = await json('resources', 'create', '--name', 'CLI server', '--server-url', 'http://localhost:4300/', '--scope', 'a:read,a:write', '--token-issuer', 'resource', '--json');
    const resource = created.resource as { id: string; token_issuer: string; scopes: { name: string }[] };
    expect(resource.token_issuer).toBe('resource');
    expect(resource.scopes.map((s) => s.name)).toEqual(['a:read', 'a:write']);
    const shown = await cli('resources', 'get', resource.id);
    expect(shown.stdout).toContain(`"authorization_servers":["${server.url}/resources/${resource.id}"]`);
  });

  it('resources create --token-profile rfc9068: RFC 9068 tokens with the server issuer', async () => {
    const created = await json('resources', 'create', '--name', 'CLI strict', '--server-url', 'http://localhost:4301/', '--token-profile', 'rfc9068', '--json');
    expect(created.resource).toMatchObject({ token_profile: 'rfc9068', token_issuer: 'resource' });
    const shown = await cli('resources', 'get', (created.resource as { id: string }).id);
    expect(shown.stdout).toMatch(/^token_profile\s+rfc9068$/m);
    const refused = await cli('resources', 'create', '--name', 'CLI strict 2', '--server-url', 'http://localhost:4302/', '--token-profile', 'rfc9068', '--token-issuer', 'env');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("resource.token_issuer: must be 'resource' when token_profile is 'rfc9068'");
  });

  it('resources create --xaa --token-exchange-from, then update turns them off: what the metadata offers follows', async () => {
    const todo = 'res_20000000000000001';
    const created = await json('resources', 'create', '--name', 'CLI delegated', '--server-url', 'http://localhost:4303/', '--xaa', '--token-exchange-from', todo, '--json');
    const resource = created.resource as { id: string };
    expect(created.resource).toMatchObject({ xaa_enabled: true, token_exchange: { accept_from: [todo] } });
    const grants = async () => ((await (await fetch(`${server.url}/resources/${resource.id}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] }).grant_types_supported;
    expect(await grants()).toEqual(['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer']);
    const shown = await cli('resources', 'get', resource.id);
    expect(shown.stdout).toMatch(/^xaa\s+on$/m);
    expect(shown.stdout).toMatch(new RegExp(`^token_exchange_from\\s+${todo}$`, 'm'));
    const updated = await json('resources', 'update', resource.id, '--no-xaa', '--no-token-exchange-from', '--json');
    expect(updated.resource).toMatchObject({ xaa_enabled: false, token_exchange: { accept_from: [] } });
    expect(await grants()).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
    const refused = await cli('resources', 'update', resource.id, '--token-exchange-from', resource.id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('resource.token_exchange.accept_from[0]: is this MCP server itself');
  });

  it('resources create --enable-device-flow: the device authorization grant on, shown by get', async () => {
    const created = await json('resources', 'create', '--name', 'CLI device', '--server-url', 'http://localhost:4305/', '--enable-device-flow', '--json');
    expect(created.resource).toMatchObject({ enable_device_flow: true });
    const id = (created.resource as { id: string }).id;
    expect((await cli('resources', 'get', id)).stdout).toMatch(/^device_flow\s+on$/m);
    const plain = await json('resources', 'create', '--name', 'CLI no device', '--server-url', 'http://localhost:4306/', '--json');
    expect(plain.resource).toMatchObject({ enable_device_flow: false });
  });

  it('resources consents lists what Ada approved; revoke-consent takes the refresh token away', async () => {
    const res = 'res_20000000000000001';
    const issuer = `${server.url}/resources/${res}`;
    const clientId = await registerClient(server.url, res, { client_name: 'CLI-consented host' });
    const grant = await authorize(issuer, clientId, { email: ADA.email, password: ADA.password }, { scope: 'todo:read offline_access' });
    const tokens = (await (await exchange(issuer, clientId, grant)).json()) as { refresh_token: string };

    const listed = await cli('resources', 'consents', res, '--search', 'CLI-consented');
    expect(listed.code).toBe(0);
    const row = listed.stdout.split('\n').find((line) => line.includes(clientId))!;
    expect(row).toMatch(new RegExp(`^cns_\\d+\\s+${ADA.id}\\s+${clientId}\\s+CLI-consented host\\s+`));
    const consentId = row.split(/\s+/)[0]!;

    const revoked = await cli('resources', 'revoke-consent', clientId, consentId);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${consentId}\n` });
    const refreshed = await tokenCall(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await json('resources', 'consents', res, '--search', 'CLI-consented', '--json')).consents).toEqual([]);
  });

  it('exits 2 naming the missing variables when the environment is not set', async () => {
    const run = await runCli(['orgs', 'list'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SCALEKIT_ENVIRONMENT_URL: is required');
    expect(run.stderr).toContain('SCALEKIT_CLIENT_SECRET: is required');
  });

  it('exits 1 with a clear message when no emulator answers', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${closed}`;
    const run = await runCli(['orgs', 'list'], { ...env, SCALEKIT_ENVIRONMENT_URL: url });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: UNAVAILABLE: cannot reach ${url} (ECONNREFUSED)\n`);
  });
});

describe('keys rotate', () => {
  it('publishes the new key at once and, with --switch-after 0s, signs with it from the next token', async () => {
    const own = await startTestServer();
    try {
      const ownEnv = { ...env, SCALEKIT_ENVIRONMENT_URL: own.url };
      const before = ((await (await fetch(`${own.url}/keys`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      const run = await runCli(['keys', 'rotate', '--switch-after', '0s', '--json'], ownEnv);
      expect(run.code).toBe(0);
      const rotated = JSON.parse(run.stdout) as { kid: string; previous_keys_retire_time: string };
      const after = ((await (await fetch(`${own.url}/keys`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      expect(after).toEqual([rotated.kid, ...before]);
      const token = JSON.parse((await runCli(['token', '--json'], ownEnv)).stdout) as { header: { kid: string } };
      expect(token.header.kid).toBe(rotated.kid);
      const listed = await runCli(['keys', 'list'], ownEnv);
      expect(listed.stdout).toMatch(new RegExp(`^${rotated.kid}\\s+current\\s`, 'm'));
      expect(listed.stdout).toMatch(new RegExp(`^${before[0]}\\s+previous\\s.*${rotated.previous_keys_retire_time}$`, 'm'));
    } finally {
      await own.close();
    }
  });
});

describe('the environment client, its scopes and consent screens', () => {
  it('scopes create / list / update / delete, and env-clients update gives the client one (its token carries it)', async () => {
    const created = await json('scopes', 'create', 'cli:read', '--description', 'CLI reads', '--json');
    const scope = created.scope as { id: string; name: string };
    expect(scope.name).toBe('cli:read');
    const listed = await cli('scopes', 'list');
    expect(listed.stdout).toMatch(new RegExp(`^${scope.id}\\s+cli:read\\s+yes\\s+CLI reads$`, 'm'));
    expect(listed.stdout).toMatch(/^scope_\d+\s+openid\s+yes\s/m);

    const updated = await cli('env-clients', 'update', ENV_CLIENT.id, '--scope', 'openid,cli:read');
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^scopes\s+openid cli:read$/m);
    const token = (await (await clientToken(server.url, ENV_CLIENT.id, ENV_CLIENT.secret)).json()) as { scope: string };
    expect(token.scope).toBe('openid cli:read');

    const held = await cli('scopes', 'delete', scope.id);
    expect(held.code).toBe(1);
    expect(held.stderr).toBe(`error: FAILED_PRECONDITION (HTTP 400): scope cli:read is held by client ${ENV_CLIENT.id}: remove it from the client first\n`);
    await json('env-clients', 'update', ENV_CLIENT.id, '--scope', 'openid', '--json');
    expect((await cli('scopes', 'update', scope.id, '--enabled', 'no')).stdout).toMatch(/^enabled\s+no$/m);
    expect(await cli('scopes', 'delete', scope.id)).toMatchObject({ code: 0, stdout: `deleted ${scope.id}\n` });
  });

  it('env-clients list / get / add-secret (shown once, works) / secret-status / remove-secret', async () => {
    expect((await cli('env-clients', 'list')).stdout).toMatch(new RegExp(`^${ENV_CLIENT.id}\\s`, 'm'));
    const added = await cli('env-clients', 'add-secret', ENV_CLIENT.id);
    const secretId = /^secret_id\s+(sks_\d+)$/m.exec(added.stdout)![1]!;
    const secret = /^client_secret\s+(\S+)$/m.exec(added.stdout)![1]!;
    expect((await clientToken(server.url, ENV_CLIENT.id, secret)).status).toBe(200);
    expect((await cli('env-clients', 'get', ENV_CLIENT.id)).stdout).toContain(`${secretId} (…${secret.slice(-4)}, ACTIVE)`);
    expect((await cli('env-clients', 'secret-status', ENV_CLIENT.id, secretId, '--status', 'INACTIVE')).stdout).toBe(`${secretId} INACTIVE\n`);
    expect((await clientToken(server.url, ENV_CLIENT.id, secret)).status).toBe(401);
    expect(await cli('env-clients', 'remove-secret', ENV_CLIENT.id, secretId)).toMatchObject({ code: 0, stdout: `removed ${secretId}\n` });
    const missing = await cli('env-clients', 'get', 'skc_1');
    expect(missing).toMatchObject({ code: 1, stderr: 'error: NOT_FOUND (HTTP 404): client skc_1 not found\n' });
  });

  it('resources consent-details shows the consent screen of an authorization in progress', async () => {
    const res = 'res_20000000000000001';
    const issuer = `${server.url}/resources/${res}`;
    const clientId = await registerClient(server.url, res, { client_name: 'CLI consent host' });
    const { uid } = await consentPageInProgress(issuer, clientId, { email: ADA.email, password: ADA.password }, 'todo:read', 'todo:read todo:write');
    const shown = await cli('resources', 'consent-details', uid);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^mcp_server\\s+${res} \\(Todo\\)$`, 'm'));
    expect(shown.stdout).toMatch(/^user\s+ada@example\.com$/m);
    expect(shown.stdout).toMatch(new RegExp(`^client\\s+${clientId} \\(CLI consent host\\)$`, 'm'));
    expect(shown.stdout).toMatch(/^scopes\s+todo:write$/m);
    expect(await cli('resources', 'consent-details', 'nope')).toMatchObject({ code: 1, stderr: 'error: NOT_FOUND (HTTP 404): authorization in progress nope not found\n' });
  });
});
