#!/usr/bin/env node
// Smoke check of `docker compose up`, run on the host once the stack answers (see .ci/run):
//   node test/compose/check.mjs
// Plain Node (22+) ESM: global fetch, no dependencies. Walks what an MCP host and an agent do:
// protected-resource metadata -> authorization-server metadata -> client-credentials token -> MCP
// tools/call; then restarts the emulator container, and takes the stack down and up again (volume kept),
// checking each time that the signing key and the M2M secret survived in the named volume.
// Prints each step; exits 1 on the first failure.
//
// Overrides: EMULATOR_URL (http://localhost:$EMULATOR_PORT, 8080), MCP_URL (http://localhost:$TODO_PORT, 3002), M2M_CLIENT_ID,
// M2M_CLIENT_SECRET (the dev-only ones of examples/compose-seed.yaml), CONTAINER_ENGINE (podman, else docker).
import { execFileSync } from 'node:child_process';
import { allPassed, fail, step } from './steps.mjs';

const EMULATOR_URL = (process.env.EMULATOR_URL ?? `http://localhost:${process.env.EMULATOR_PORT || 8080}`).replace(/\/+$/, '');
const MCP_URL = (process.env.MCP_URL ?? `http://localhost:${process.env.TODO_PORT || 3002}`).replace(/\/+$/, '');
const CLIENT_ID = process.env.M2M_CLIENT_ID ?? 'm2morg_10000000000000001';
const CLIENT_SECRET = process.env.M2M_CLIENT_SECRET ?? 'dev-only-m2m-secret-not-for-production';
const ACCEPT = 'application/json, text/event-stream';


async function get(url, init) {
  let res;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    fail(`${init?.method ?? 'GET'} ${url} failed: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
  }
  const text = await res.text();
  return { res, text };
}

async function getJson(url, init) {
  const { res, text } = await get(url, init);
  if (!res.ok) fail(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    fail(`${url} did not answer JSON: ${text.slice(0, 300)}`);
  }
}

async function waitFor(url, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`${url} did not answer 2xx within ${seconds}s (last: ${last})`);
}

/** RFC 8414 section 3.1: insert the well-known segment between the origin and the issuer's path. */
function metadataUrl(issuer) {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '');
  return `${u.origin}/.well-known/oauth-authorization-server${path}`;
}

async function clientCredentials(tokenEndpoint, scope) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope });
  const json = await getJson(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  if (typeof json.access_token !== 'string') fail(`${tokenEndpoint} answered no access_token: ${JSON.stringify(json)}`);
  const claims = JSON.parse(Buffer.from(json.access_token.split('.')[1] ?? '', 'base64url').toString() || '{}');
  return { token: json.access_token, claims };
}

/** The JSON-RPC messages of an MCP response: a JSON body, or the `data:` lines of an SSE stream. */
function rpcMessages(res, text) {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) {
    return text
      .split(/\r?\n\r?\n/)
      .map((event) => event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n'))
      .filter(Boolean)
      .map((data) => JSON.parse(data));
  }
  if (!text) return [];
  const json = JSON.parse(text);
  return Array.isArray(json) ? json : [json];
}

async function mcp(message, token, extraHeaders = {}) {
  const headers = { 'content-type': 'application/json', accept: ACCEPT, ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  const { res, text } = await get(`${MCP_URL}/mcp`, { method: 'POST', headers, body: JSON.stringify(message) });
  let messages = [];
  if (res.ok) {
    try {
      messages = rpcMessages(res, text);
    } catch {
      fail(`POST ${MCP_URL}/mcp answered ${res.status} with an unreadable body: ${text.slice(0, 300)}`);
    }
  }
  return { res, text, reply: messages.find((m) => m.id === message.id) };
}

/** tools/call list_todos, stateless first; if the server wants a handshake, initialize and retry. */
async function listTodos(token) {
  const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_todos', arguments: {} } };
  let r = await mcp(call, token);
  let how = 'stateless tools/call';
  if (!r.res.ok || !r.reply?.result) {
    const init = await mcp(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'compose-check', version: '1' } },
      },
      token,
    );
    if (!init.res.ok || !init.reply?.result) {
      fail(`tools/call answered ${r.res.status} ${r.text.slice(0, 200)}; initialize answered ${init.res.status} ${init.text.slice(0, 200)}`);
    }
    const session = init.res.headers.get('mcp-session-id');
    const headers = { 'mcp-protocol-version': init.reply.result.protocolVersion, ...(session ? { 'mcp-session-id': session } : {}) };
    await mcp({ jsonrpc: '2.0', method: 'notifications/initialized' }, token, headers);
    r = await mcp(call, token, headers);
    how = 'initialize, then tools/call';
  }
  if (r.res.status !== 200) fail(`tools/call list_todos answered ${r.res.status}: ${r.text.slice(0, 300)}`);
  if (!r.reply) fail(`tools/call list_todos: no JSON-RPC reply with id 2 in ${r.text.slice(0, 300)}`);
  if (r.reply.error) fail(`tools/call list_todos answered a JSON-RPC error: ${JSON.stringify(r.reply.error)}`);
  if (r.reply.result?.isError) fail(`list_todos returned a tool error: ${JSON.stringify(r.reply.result.content)}`);
  if (!Array.isArray(r.reply.result?.content)) fail(`list_todos result has no content: ${JSON.stringify(r.reply.result)}`);
  return `${how}, ${JSON.stringify(r.reply.result.content).slice(0, 120)}`;
}

function engine() {
  if (process.env.CONTAINER_ENGINE) return process.env.CONTAINER_ENGINE;
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
    return 'podman';
  } catch {
    return 'docker';
  }
}

/** The emulator's container: by compose's service label, else by name (<project>_emulator_1 / -emulator-1). */
function emulatorContainer(cli) {
  const run = (args) => execFileSync(cli, args, { encoding: 'utf8' }).trim();
  const byLabel = run(['ps', '--filter', 'label=com.docker.compose.service=emulator', '--format', '{{.ID}} {{.Names}}']);
  let rows = byLabel ? byLabel.split('\n') : [];
  if (rows.length === 0) {
    rows = run(['ps', '--format', '{{.ID}} {{.Names}}'])
      .split('\n')
      .filter((row) => /[_-]emulator[_-]\d+$/.test(row));
  }
  if (rows.length !== 1) fail(`expected one running emulator container, found ${rows.length}: ${rows.join(', ') || '(none)'}`);
  const [id, name] = rows[0].split(' ');
  return { id, name };
}

// --- the walk ----------------------------------------------------------------------------------

await step(`the Todo MCP server answers ${MCP_URL}/health`, () => waitFor(`${MCP_URL}/health`, 90));

let prm;
await step('protected-resource metadata', async () => {
  prm = await getJson(`${MCP_URL}/.well-known/oauth-protected-resource`);
  if (!Array.isArray(prm.authorization_servers) || typeof prm.authorization_servers[0] !== 'string') {
    fail(`no authorization_servers in ${JSON.stringify(prm)}`);
  }
  return `resource ${prm.resource}, authorization server ${prm.authorization_servers[0]}`;
});
const issuer = prm.authorization_servers[0];

let asMeta;
await step('authorization-server metadata (RFC 8414) names the same issuer', async () => {
  const url = metadataUrl(issuer);
  asMeta = await getJson(url);
  if (asMeta.issuer !== issuer) fail(`${url} says issuer ${JSON.stringify(asMeta.issuer)}, the resource names ${JSON.stringify(issuer)}`);
  if (typeof asMeta.token_endpoint !== 'string') fail(`${url} has no token_endpoint`);
  return `${url} -> token_endpoint ${asMeta.token_endpoint}`;
});

const scope = 'todo:read todo:write';
let fromMetadata;
await step(`client-credentials token from the metadata's token_endpoint`, async () => {
  fromMetadata = await clientCredentials(asMeta.token_endpoint, scope);
  const c = fromMetadata.claims;
  return `iss ${c.iss}, aud ${JSON.stringify(c.aud)}, scope "${c.scope}"`;
});

let fromEnvironment;
await step(`client-credentials token from ${EMULATOR_URL}/oauth/token`, async () => {
  fromEnvironment = await clientCredentials(`${EMULATOR_URL}/oauth/token`, scope);
  const c = fromEnvironment.claims;
  if (c.iss !== EMULATOR_URL) fail(`the token's iss is ${c.iss}, expected the public URL ${EMULATOR_URL}`);
  return `iss ${c.iss}, aud ${JSON.stringify(c.aud)}`;
});

await step('tools/call list_todos with the metadata token -> 200 and a result', () => listTodos(fromMetadata.token));
await step('tools/call list_todos with the environment token -> 200 and a result', () => listTodos(fromEnvironment.token));

await step('tools/call without a token -> 401 with WWW-Authenticate resource_metadata', async () => {
  const { res, text } = await mcp({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_todos', arguments: {} } });
  if (res.status !== 401) fail(`expected 401, got ${res.status}: ${text.slice(0, 200)}`);
  const challenge = res.headers.get('www-authenticate') ?? '';
  if (!/^Bearer\b/i.test(challenge) || !challenge.includes('resource_metadata=')) {
    fail(`WWW-Authenticate is ${JSON.stringify(challenge)}, expected Bearer ... resource_metadata="..."`);
  }
  return challenge;
});

await step('tools/call with a forged token -> 401 invalid_token', async () => {
  const forged = `${fromMetadata.token.split('.').slice(0, 2).join('.')}.${Buffer.from('not the signature').toString('base64url')}`;
  const { res, text } = await mcp({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'list_todos', arguments: {} } }, forged);
  if (res.status !== 401) fail(`expected 401, got ${res.status}: ${text.slice(0, 200)}`);
  const challenge = res.headers.get('www-authenticate') ?? '';
  if (!challenge.includes('invalid_token')) fail(`WWW-Authenticate is ${JSON.stringify(challenge)}, expected error="invalid_token"`);
  return challenge;
});

// --- persistence across a restart of the emulator container -------------------------------------

const kids = async () => {
  const jwks = await getJson(`${EMULATOR_URL}/keys`);
  return (jwks.keys ?? []).map((k) => k.kid).sort().join(',');
};
let kidsBefore;
await step('signing keys before the restart', async () => (kidsBefore = await kids()));

const cli = engine();
await step(`${cli} restart of the emulator container`, () => {
  const { id, name } = emulatorContainer(cli);
  try {
    execFileSync(cli, ['restart', id], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  } catch (err) {
    fail(`${cli} restart ${name} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
  return name;
});

/** After `what`: the services answer, the signing key is the same, the M2M secret and an old token still work. */
async function checkSurvived(what) {
  await step(`${EMULATOR_URL}/health and ${MCP_URL}/health answer after the ${what}`, async () => {
    await waitFor(`${EMULATOR_URL}/health`, 90);
    await waitFor(`${MCP_URL}/health`, 90);
  });
  await step(`the signing key survived the ${what}`, async () => {
    const after = await kids();
    if (after !== kidsBefore) fail(`kid was ${kidsBefore}, now ${after}: the named volume did not keep the keys`);
    return after;
  });
  await step(`after the ${what} the M2M secret works and the MCP server accepts a token issued before`, async () => {
    await clientCredentials(`${EMULATOR_URL}/oauth/token`, 'todo:read');
    await listTodos(fromMetadata.token);
    return 'token issued; old token accepted';
  });
}

await checkSurvived('restart');

// --- persistence across `down` and `up` (containers removed, the named volume kept) ----------------

await step('compose down (volumes kept) and up again', () => {
  const { id } = emulatorContainer(cli);
  const project = execFileSync(cli, ['inspect', id, '--format', '{{ index .Config.Labels "com.docker.compose.project" }}'], { encoding: 'utf8' }).trim();
  if (!project) fail('the emulator container carries no com.docker.compose.project label');
  const compose = cli === 'podman' ? ['podman-compose'] : ['docker', 'compose'];
  const run = (args) => {
    try {
      execFileSync(compose[0], [...compose.slice(1), '-p', project, '-f', 'docker-compose.yml', ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
    } catch (err) {
      fail(`${compose.join(' ')} ${args.join(' ')} failed: ${err.stderr?.toString().trim().slice(-400) || err.message}`);
    }
  };
  run(['down']);
  run(['up', '-d']);
  return `project ${project}`;
});

await checkSurvived('down/up');

allPassed('compose check');
