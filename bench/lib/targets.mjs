// The three servers under test: how to start each and when it counts as ready.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil, spawnNode, waitForStdoutReady } from './child.mjs';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
// BENCH_OURS_MAIN points `ours` at another build of the CLI (default: this repo's dist/).
const OURS_MAIN = resolve(process.env.BENCH_OURS_MAIN ?? join(REPO_ROOT, 'dist/src/cli/main.js'));
const RESOURCE = 'http://localhost:3002/';

function seedFor(secret) {
  return {
    organizations: [{ id: 'org_10000000000000001', display_name: 'Bench' }],
    resources: [{
      id: 'res_10000000000000001',
      name: 'Todo',
      resource_type: 'MCP_SERVER',
      resource_id: RESOURCE,
      scopes: [{ name: 'todo:read', description: 'Read' }, { name: 'todo:write', description: 'Write' }],
    }],
    clients: [{
      client_id: 'm2morg_10000000000000001',
      organization_id: 'org_10000000000000001',
      name: 'Bench agent',
      scopes: ['todo:read', 'todo:write'],
      audience: [RESOURCE],
      plain_secret: secret,
    }],
  };
}

/** A fresh DATA_DIR with the seed file written into it. */
export async function freshDataDir(secret) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ours-'));
  await writeFile(join(dir, 'seed.json'), JSON.stringify(seedFor(secret), null, 2));
  return dir;
}

export function checkOursBuilt() {
  if (!existsSync(OURS_MAIN)) {
    throw new Error(`${OURS_MAIN} not found: build the server first (npm run build),\n`
      + 'or benchmark only the baselines with --only a or --only b.');
  }
}

export const ours = {
  key: 'ours',
  name: 'ours',
  clientId: 'm2morg_10000000000000001',
  path: '/oauth/token',
  /**
   * opts.dataDir must come from freshDataDir(); opts.profileDir turns on --cpu-prof; opts.compileCache
   * is the folder of Node's compile cache (src/cli/main.ts enables it; an empty folder = a cleared cache);
   * opts.env adds variables (e.g. AUTO_LOGIN); opts.main another build's CLI (default BENCH_OURS_MAIN).
   */
  spawn(port, { dataDir, profileDir, compileCache, env = {}, main = OURS_MAIN } = {}) {
    const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    return spawnNode('ours', [...flags, main, 'start'], {
      cwd: REPO_ROOT,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        SCALEKIT_ENVIRONMENT_URL: `http://127.0.0.1:${port}`,
        DATA_DIR: dataDir,
        SEED: join(dataDir, 'seed.json'),
        LOG_LEVEL: 'warn',
        ...(compileCache ? { NODE_COMPILE_CACHE: compileCache } : {}),
        ...env,
      },
    });
  },
  ready: (child, port) => pollUntil(child, 'GET /health = 200', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    await res.arrayBuffer();
    return res.status === 200;
  }, { everyMs: 10 }),
};

function baseline(key, name, file, path) {
  return {
    key,
    name,
    clientId: 'bench_client',
    path,
    spawn: (port, { secret }) => spawnNode(name, [join(REPO_ROOT, 'bench', file), String(port)], {
      cwd: REPO_ROOT,
      env: { PORT: String(port), BENCH_SECRET: secret },
    }),
    ready: (child) => waitForStdoutReady(child),
  };
}

export const TARGETS = [
  ours,
  baseline('a', 'oidc-provider (a)', 'baseline-oidc-provider.mjs', '/token'),
  baseline('b', 'node:http + our signer (b)', 'baseline-node-http.mjs', '/oauth/token'),
];
