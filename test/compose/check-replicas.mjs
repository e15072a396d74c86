#!/usr/bin/env node
// Smoke check of docker-compose.postgres.yml (two emulator replicas on one PostgreSQL database behind
// HAProxy in TCP mode), run on the host from the repository root once the stack answers (see .ci/run):
//   node test/compose/check-replicas.mjs
// Plain Node (22+) ESM; its one dependency is the project's own @scalekit-sdk/node. Walks what many
// clients of one issuer do: metadata and tokens through the balancer on fresh connections (so both
// replicas answer), the same signing key on both replicas (asked on each one's own container port,
// from inside its container), a management call over gRPC (cleartext HTTP/2 through the balancer), a
// client created by one request used for tokens on each replica; then restarts one replica while tokens
// keep being issued through the balancer, and takes the stack down and up again (the database volume
// kept), checking that keys and secrets survived. Prints each step; exits 1 on the first failure.
//
// Overrides: EMULATOR_URL (http://localhost:$EMULATOR_PORT, 8080), SCALEKIT_CLIENT_ID and
// SCALEKIT_CLIENT_SECRET (the compose file's dev-only defaults), COMPOSE_FILE
// (docker-compose.postgres.yml), CONTAINER_ENGINE (podman, else docker).
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { ScalekitClient } from '@scalekit-sdk/node';
import { allPassed, fail, step } from './steps.mjs';

const PORT = process.env.EMULATOR_PORT || '8080';
const EMULATOR_URL = (process.env.EMULATOR_URL ?? `http://localhost:${PORT}`).replace(/\/+$/, '');
const ENV_CLIENT_ID = process.env.SCALEKIT_CLIENT_ID || 'skc_10000000000000001';
const ENV_CLIENT_SECRET = process.env.SCALEKIT_CLIENT_SECRET || 'dev-only-environment-secret-change-me';
const COMPOSE_FILE = process.env.COMPOSE_FILE ?? 'docker-compose.postgres.yml';
// The replicas: the services the balancer names (deploy/haproxy.cfg), so an added replica is checked too.
const REPLICAS = [...readFileSync(new URL('../../deploy/haproxy.cfg', import.meta.url), 'utf8').matchAll(/^\s*server (\S+) \S+:8080$/gm)].map((m) => m[1]);


/**
 * One HTTP/1.1 request on a connection of its own (no keep-alive pool), so that consecutive requests
 * are consecutive connections, which the balancer hands to the replicas in turn.
 */
function fresh(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, connection: 'close' }, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function json(url, init) {
  let res;
  try {
    res = await fresh(url, init);
  } catch (err) {
    fail(`${init?.method ?? 'GET'} ${url} failed: ${err.code ?? err.message}`);
  }
  if (res.status !== 200) fail(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${res.text.slice(0, 300)}`);
  try {
    return JSON.parse(res.text);
  } catch {
    fail(`${url} did not answer JSON: ${res.text.slice(0, 300)}`);
  }
}

async function waitFor(url, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fresh(url);
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`${url} did not answer 200 within ${seconds}s (last: ${last})`);
}

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString() || '{}');
const headerOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString() || '{}');
const form = (fields) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };

/** A client_credentials token through the balancer, on a connection of its own. */
async function token(clientId, secret) {
  const body = await json(`${EMULATOR_URL}/oauth/token`, {
    method: 'POST',
    headers: FORM,
    body: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  if (typeof body.access_token !== 'string') fail(`/oauth/token answered no access_token: ${JSON.stringify(body)}`);
  return body.access_token;
}

// --- the containers ----------------------------------------------------------------------------------

function engine() {
  if (process.env.CONTAINER_ENGINE) return process.env.CONTAINER_ENGINE;
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
    return 'podman';
  } catch {
    return 'docker';
  }
}
const cli = engine();
const run = (args, options = {}) => execFileSync(cli, args, { encoding: 'utf8', timeout: 60_000, ...options }).trim();

/** The compose project: the one whose balancer publishes EMULATOR_PORT (other stacks may run beside it). */
function project() {
  const rows = run(['ps', '--filter', 'label=com.docker.compose.service=balancer', '--format', '{{.ID}}\t{{.Ports}}'])
    .split('\n')
    .filter((row) => row.includes(`:${PORT}->`));
  if (rows.length !== 1) fail(`expected one running balancer publishing port ${PORT}, found ${rows.length}`);
  const id = rows[0].split('\t')[0];
  const name = run(['inspect', id, '--format', '{{ index .Config.Labels "com.docker.compose.project" }}']);
  if (!name) fail('the balancer container carries no com.docker.compose.project label');
  return name;
}

/** The running container of `service` in `projectName`. */
function container(projectName, service) {
  const ids = run(['ps', '--filter', `label=com.docker.compose.project=${projectName}`, '--filter', `label=com.docker.compose.service=${service}`, '--format', '{{.ID}}'])
    .split('\n')
    .filter(Boolean);
  if (ids.length !== 1) fail(`expected one running ${service} container in project ${projectName}, found ${ids.length}`);
  return ids[0];
}

// Run inside a replica's container: one request to its own port, answered as {status, body} on stdout.
const INSIDE = `
const r = JSON.parse(process.env.CHECK_REQUEST);
fetch('http://127.0.0.1:8080' + r.path, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(10000) })
  .then(async (res) => console.log(JSON.stringify({ status: res.status, body: await res.text() })))
  .catch((err) => console.log(JSON.stringify({ status: 0, body: String(err.cause?.code ?? err.message) })));
`;

/** A request to one replica on its container port, from inside its container (nothing else publishes it). */
function onReplica(projectName, service, path, init = {}) {
  const id = container(projectName, service);
  const requestJson = JSON.stringify({ path, method: init.method ?? 'GET', headers: init.headers ?? {}, body: init.body });
  let out;
  try {
    out = run(['exec', '-e', `CHECK_REQUEST=${requestJson}`, id, 'node', '-e', INSIDE]);
  } catch (err) {
    fail(`${cli} exec into ${service} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
  const { status, body } = JSON.parse(out.split('\n').pop());
  if (status !== 200) fail(`${service}: ${init.method ?? 'GET'} ${path} answered ${status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

const kidsOn = (projectName, service) =>
  onReplica(projectName, service, '/keys')
    .keys.map((k) => k.kid)
    .sort()
    .join(',');

/** client_credentials on one replica's own port. */
function tokenOn(projectName, service, clientId, secret) {
  const body = onReplica(projectName, service, '/oauth/token', {
    method: 'POST',
    headers: FORM,
    body: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  if (typeof body.access_token !== 'string') fail(`${service}: /oauth/token answered no access_token`);
  return body.access_token;
}

// --- the walk ----------------------------------------------------------------------------------------

await step(`the balancer answers ${EMULATOR_URL}/health`, () => waitFor(`${EMULATOR_URL}/health`, 120));
const name = project();
await step('every replica answers /health on its own port', async () => {
  if (REPLICAS.length < 2) fail(`deploy/haproxy.cfg names ${REPLICAS.length} replica(s): ${REPLICAS.join(', ')}`);
  for (const service of REPLICAS) onReplica(name, service, '/health');
  return `project ${name}: ${REPLICAS.join(', ')}`;
});

await step('authorization-server metadata through the balancer names the balancer as the issuer', async () => {
  const meta = await json(`${EMULATOR_URL}/.well-known/oauth-authorization-server`);
  if (meta.issuer !== EMULATOR_URL) fail(`issuer is ${JSON.stringify(meta.issuer)}, expected ${EMULATOR_URL}`);
  if (meta.token_endpoint !== `${EMULATOR_URL}/oauth/token`) fail(`token_endpoint is ${JSON.stringify(meta.token_endpoint)}`);
  return meta.issuer;
});

let kids;
await step('one key ring: /keys on each replica lists the same kids, as /keys through the balancer does', async () => {
  const a = kidsOn(name, REPLICAS[0]);
  if (!a) fail(`${REPLICAS[0]} lists no key`);
  for (const service of REPLICAS.slice(1)) {
    const b = kidsOn(name, service);
    if (b !== a) fail(`${REPLICAS[0]} lists ${a}, ${service} lists ${b}: the replicas do not share the signing keys`);
  }
  for (let i = 0; i < 4; i++) {
    const through = (await json(`${EMULATOR_URL}/keys`)).keys.map((k) => k.kid).sort().join(',');
    if (through !== a) fail(`/keys through the balancer lists ${through}, the replicas ${a}`);
  }
  kids = a;
  return kids;
});

const envTokens = [];
await step('client_credentials tokens of the environment client through the balancer (six connections)', async () => {
  for (let i = 0; i < 6; i++) envTokens.push(await token(ENV_CLIENT_ID, ENV_CLIENT_SECRET));
  for (const t of envTokens) {
    const { kid } = headerOf(t);
    const { iss } = claimsOf(t);
    if (iss !== EMULATOR_URL) fail(`a token's iss is ${iss}, expected ${EMULATOR_URL}`);
    if (!kids.split(',').includes(kid)) fail(`a token is signed with ${kid}, not among the published ${kids}`);
  }
  return `kid ${headerOf(envTokens[0]).kid}`;
});

const scalekit = new ScalekitClient(EMULATOR_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET);
let org;
let m2m;
await step('management over gRPC (cleartext HTTP/2) through the balancer with @scalekit-sdk/node', async () => {
  const { organization } = await scalekit.organization.createOrganization(`Replicas check ${Date.now()}`);
  org = organization?.id;
  if (!org?.startsWith('org_')) fail(`createOrganization answered ${JSON.stringify(organization)}`);
  const created = await scalekit.m2m.createOrganizationClient(org, { name: 'replicas check', description: 'check-replicas.mjs' });
  m2m = { id: created.client?.clientId, secret: created.plainSecret };
  if (!m2m.id?.startsWith('m2morg_') || !m2m.secret) fail(`createOrganizationClient answered no client id or secret`);
  const listed = await scalekit.m2m.listOrganizationClients(org);
  if (!listed.clients.some((c) => c.clientId === m2m.id)) fail(`listOrganizationClients of ${org} does not list ${m2m.id}`);
  return `${org}, ${m2m.id}`;
});

/** The new client's secret works on each replica's own port and through the balancer; the SDK validates all. */
async function clientWorksEverywhere() {
  const tokens = REPLICAS.map((service) => tokenOn(name, service, m2m.id, m2m.secret));
  for (let i = 0; i < 2; i++) tokens.push(await token(m2m.id, m2m.secret));
  for (const t of tokens) {
    const claims = await scalekit.validateToken(t);
    if (claims.client_id !== m2m.id || claims.oid !== org) fail(`a token for ${m2m.id} carries ${JSON.stringify(claims)}`);
  }
  return `${tokens.length} tokens (one from each replica's own port), each validated by the SDK against ${EMULATOR_URL}/keys`;
}
await step('the client created by that request gets tokens from each replica', clientWorksEverywhere);

await step('the SDK validates the environment tokens from both replicas with one JWKS', async () => {
  for (const t of envTokens) await scalekit.validateToken(t);
  return `${envTokens.length} tokens`;
});

// --- a replica restarts while tokens keep being issued through the balancer -----------------------------

await step(`${cli} restart of ${REPLICAS[0]} while tokens are issued through the balancer`, async () => {
  const id = container(name, REPLICAS[0]);
  let restarting = true;
  let issued = 0;
  const failures = [];
  const load = (async () => {
    while (restarting) {
      try {
        const res = await fresh(`${EMULATOR_URL}/oauth/token`, {
          method: 'POST',
          headers: FORM,
          body: form({ grant_type: 'client_credentials', client_id: m2m.id, client_secret: m2m.secret }),
        });
        if (res.status === 200) issued += 1;
        else failures.push(`status ${res.status}: ${res.text.slice(0, 120)}`);
      } catch (err) {
        failures.push(err.code ?? err.message);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    // Asynchronously, so that the load above runs meanwhile.
    await new Promise((resolve, reject) =>
      execFile(cli, ['restart', id], { timeout: 90_000 }, (err, _out, stderr) => (err ? reject(new Error(stderr.trim() || err.message)) : resolve())),
    );
    // Until the restarted replica answers again, then a little longer.
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        onReplica(name, REPLICAS[0], '/health');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await new Promise((r) => setTimeout(r, 1_000));
  } finally {
    restarting = false;
    await load;
  }
  if (failures.length > 0) fail(`${failures.length} of ${issued + failures.length} token requests failed while ${REPLICAS[0]} restarted: ${[...new Set(failures)].join('; ')}`);
  if (issued === 0) fail('no token was issued while the replica restarted');
  return `${issued} tokens, none refused`;
});

await step(`after the restart ${REPLICAS[0]} serves the same keys and the client's secret`, async () => {
  for (const service of REPLICAS) {
    const now = kidsOn(name, service);
    if (now !== kids) fail(`${service} lists ${now}, before the restart ${kids}`);
  }
  return clientWorksEverywhere();
});

// --- down and up: containers removed, the database volume kept ----------------------------------------

await step('compose down (volumes kept) and up again', () => {
  const compose = cli === 'podman' ? ['podman-compose'] : ['docker', 'compose'];
  const composeRun = (args) => {
    try {
      execFileSync(compose[0], [...compose.slice(1), '-p', name, '-f', COMPOSE_FILE, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
    } catch (err) {
      fail(`${compose.join(' ')} ${args.join(' ')} failed: ${err.stderr?.toString().trim().slice(-400) || err.message}`);
    }
  };
  composeRun(['down']);
  composeRun(['up', '-d']);
  return `project ${name}`;
});

await step(`${EMULATOR_URL}/health and every replica answer after down/up`, async () => {
  await waitFor(`${EMULATOR_URL}/health`, 120);
  const deadline = Date.now() + 120_000;
  for (const service of REPLICAS) {
    for (;;) {
      try {
        onReplica(name, service, '/health');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
});

await step('after down/up every replica serves the same keys, the client and the tokens issued before', async () => {
  for (const service of REPLICAS) {
    const now = kidsOn(name, service);
    if (now !== kids) fail(`${service} lists ${now}, before down/up ${kids}: the database volume did not keep the keys`);
  }
  for (const t of envTokens) await scalekit.validateToken(t);
  await token(ENV_CLIENT_ID, ENV_CLIENT_SECRET);
  return clientWorksEverywhere();
});

allPassed('replicas check');
