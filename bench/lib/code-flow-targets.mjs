// The servers of the code-flow benchmark: ours (the built CLI, an MCP server's issuer) and bare
// oidc-provider (bench/baseline-code-flow.mjs) on our SQLite storage or on its own memory adapter.
// Each target says how to start it for a scenario, where its endpoints are, and how to register a client.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNode, waitForStdoutReady } from './child.mjs';
import { send } from './mini-browser.mjs';
import { REPO_ROOT, ours as oursServer } from './targets.mjs';

export const RESOURCE = 'http://localhost:3002/';
export const CALLBACK = 'http://127.0.0.1/callback';
export const EMAIL = 'bench@example.com';
const RESOURCE_ID = 'res_10000000000000001';

// The same registration body for every target: a public client of the code flow, as MCP hosts register.
const REGISTRATION = JSON.stringify({
  redirect_uris: [CALLBACK],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
});

function seedFor(password) {
  return {
    organizations: [{ id: 'org_10000000000000001', display_name: 'Bench' }],
    resources: [{
      id: RESOURCE_ID,
      name: 'Todo',
      resource_type: 'MCP_SERVER',
      resource_id: RESOURCE,
      scopes: [{ name: 'todo:read', description: 'Read' }, { name: 'todo:write', description: 'Write' }],
    }],
    users: [{ id: 'usr_10000000000000001', email: EMAIL, name: 'Bench', password, organization_id: 'org_10000000000000001' }],
  };
}

async function register(agent, url) {
  const res = await send(agent, 'POST', url, { headers: { 'content-type': 'application/json' }, body: REGISTRATION });
  if (res.status !== 201) throw new Error(`registration at ${url} answered ${res.status}: ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body).client_id;
}

/** A temporary folder for the target's database (and ours' seed file). */
export const freshDataDir = () => mkdtemp(join(tmpdir(), 'bench-code-flow-'));

const ours = {
  key: 'ours',
  name: 'ours',
  /** Ours adds prompt=consent itself when offline_access is asked (src/oidc/authorization-defaults.ts). */
  authorizeParams: {},
  /** opts.profileDir turns on --cpu-prof. */
  async spawn(port, { dataDir, password, handsFree, profileDir }) {
    await writeFile(join(dataDir, 'seed.json'), JSON.stringify(seedFor(password), null, 2));
    // The pages scenario signs in with a password, as the baseline does (an email code is the default).
    // Every flow registers a client of its own from one address: the per-address limit is off, as for a test.
    const env = { REGISTRATION_RATE_LIMIT: '0', ...(handsFree ? { AUTO_LOGIN: '1' } : { LOGIN_METHOD: 'password' }) };
    return oursServer.spawn(port, { dataDir, profileDir, env });
  },
  ready: oursServer.ready,
  urls(port) {
    const issuer = `http://127.0.0.1:${port}/resources/${RESOURCE_ID}`;
    return {
      authorize: `${issuer}/oauth/authorize`,
      token: `${issuer}/oauth/token`,
      register: `http://127.0.0.1:${port}/api/v1/resources/${RESOURCE_ID}/clients:register`,
    };
  },
  register,
};

function baseline(key, name, store) {
  return {
    key,
    name,
    // oidc-provider drops offline_access (so issues no refresh token) unless consent is prompted.
    authorizeParams: { prompt: 'consent' },
    spawn: async (port, { dataDir, password, handsFree }) => spawnNode(name, [join(REPO_ROOT, 'bench/baseline-code-flow.mjs'), String(port)], {
      cwd: REPO_ROOT,
      env: { PORT: String(port), BENCH_STORE: store, BENCH_DATA_DIR: dataDir, BENCH_PASSWORD: password, BENCH_HANDS_FREE: handsFree ? '1' : '0' },
    }),
    ready: (child) => waitForStdoutReady(child),
    urls(port) {
      const issuer = `http://127.0.0.1:${port}`;
      return { authorize: `${issuer}/auth`, token: `${issuer}/token`, register: `${issuer}/reg` };
    },
    register,
  };
}

export const CODE_FLOW_TARGETS = [
  ours,
  baseline('op', 'oidc-provider, our SQLite', 'sqlite'),
  baseline('op-mem', 'oidc-provider, memory', 'memory'),
];
