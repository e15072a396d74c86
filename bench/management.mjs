// Management API throughput: calls/s of a read (GetOrganizationClient) and a write
// (UpdateOrganizationClient) over gRPC (h2c, one HTTP/2 session, as @scalekit-sdk/node makes) and over
// REST (fetch, keep-alive), against the built server. The load generator shares the machine: numbers
// are for comparing runs on one machine, not absolute.
// Usage: npm run build && node bench/management.mjs [--json]
// Env: BENCH_SECONDS (default 5), BENCH_CONCURRENCY (16), BENCH_PROFILE_DIR (CPU-profile the server there)
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import { freePort, pollUntil, spawnNode, stopChild } from './lib/child.mjs';
import { REPO_ROOT, checkOursBuilt, freshDataDir } from './lib/targets.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ENV_ID = 'skc_10000000000000001';
const ENV_SECRET = 'bench-environment-secret-0123456789';
const ORG = 'org_10000000000000001';
const CLIENT = 'm2morg_10000000000000001';
const log = (msg) => console.error(`[bench] ${msg}`);

/** Runs `call` in `concurrency` loops for `seconds`; returns calls/s and latency percentiles. */
async function measure(name, call) {
  for (let i = 0; i < concurrency * 5; i++) await call(i); // warm-up
  const latencies = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await call(n++);
        } catch {
          failures++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { name, callsPerSecond: latencies.length / seconds, p50: pct(50), p99: pct(99), failures };
}

async function main() {
  const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
  checkOursBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = await freshDataDir('bench-agent-secret-0123456789');
  const child = spawnNode('ours', [...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []), join(REPO_ROOT, 'dist/src/cli/main.js'), 'start'], {
    cwd: REPO_ROOT,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      SCALEKIT_ENVIRONMENT_URL: url,
      SCALEKIT_CLIENT_ID: ENV_ID,
      SCALEKIT_CLIENT_SECRET: ENV_SECRET,
      DATA_DIR: dataDir,
      SEED: join(dataDir, 'seed.json'),
      LOG_LEVEL: 'warn',
    },
  });
  try {
    await pollUntil(child, 'GET /health = 200', async () => (await fetch(`${url}/health`)).status === 200, { everyMs: 20 });
    const tokenRes = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ENV_ID, client_secret: ENV_SECRET }),
    });
    const { access_token: token } = await tokenRes.json();
    const grpc = createClient(
      ClientService,
      createGrpcTransport({ baseUrl: url, interceptors: [(next) => (req) => (req.header.set('authorization', `Bearer ${token}`), next(req))] }),
    );
    const rest = (method, path, body) =>
      fetch(`${url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(String(res.status));
      });

    const results = [];
    log(`measuring ${seconds} s per call, ${concurrency} in flight`);
    results.push(await measure('gRPC  GetOrganizationClient', () => grpc.getOrganizationClient({ organizationId: ORG, clientId: CLIENT })));
    results.push(await measure('REST  GET  …/clients/{id}', () => rest('GET', `/organizations/${ORG}/clients/${CLIENT}`)));
    results.push(
      await measure('gRPC  UpdateOrganizationClient', (i) => grpc.updateOrganizationClient({ organizationId: ORG, clientId: CLIENT, client: { description: `g${i}` } })),
    );
    results.push(await measure('REST  PATCH …/clients/{id}', (i) => rest('PATCH', `/organizations/${ORG}/clients/${CLIENT}`, { description: `r${i}` })));

    if (values.json) {
      console.log(JSON.stringify({ seconds, concurrency, results }, null, 2));
      return;
    }
    console.log(`\nmanagement calls, ${concurrency} in flight, ${seconds} s each (load generator on the same machine)\n`);
    const rows = [['call', 'calls/s', 'p50 ms', 'p99 ms', 'failed'], ...results.map((r) => [r.name, r.callsPerSecond.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), String(r.failures)])];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const [n, row] of rows.entries()) {
      console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
      if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    if (results.some((r) => r.failures)) process.exitCode = 1;
  } finally {
    await stopChild(child, process.env.BENCH_PROFILE_DIR ? 'SIGINT' : 'SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`\nbenchmark failed: ${err.message}`);
  process.exit(1);
});
