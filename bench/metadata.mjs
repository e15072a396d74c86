// /keys and an MCP server's issuer metadata under load: plain GETs (200 with the body) and GETs that
// send the ETag back in If-None-Match (304, no body), against the built CLI on a fresh DATA_DIR.
// Usage: node bench/metadata.mjs [--json]   (npm run build first)
// Env: BENCH_SECONDS (default 10), BENCH_PROFILE=1 (CPU-profile the server).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort, stopChild } from './lib/child.mjs';
import { startCpuMeter } from './lib/cpu.mjs';
import { checkOursBuilt, freshDataDir, ours } from './lib/targets.mjs';
import { printTop } from './profile-top.mjs';

const WARMUP_SECONDS = 2;
const GOAL_RPS = 15_000; // issue 17, goal 4
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const profiling = process.env.BENCH_PROFILE === '1';
const log = (msg) => console.error(`[bench] ${msg}`);
const DOCUMENTS = ['/keys', '/.well-known/oauth-authorization-server/resources/res_10000000000000001'];

async function load(url, headers, duration) {
  const r = await autocannon({ url, headers, connections: 50, duration });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, total: r.requests.total };
}

async function main() {
  const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
  checkOursBuilt();
  const secret = randomBytes(24).toString('base64url');
  const dataDir = await freshDataDir(secret);
  const profileDir = profiling ? await mkdtemp(join(tmpdir(), 'bench-prof-')) : undefined;
  const port = await freePort();
  const child = ours.spawn(port, { dataDir, profileDir });
  const rows = [];
  try {
    await ours.ready(child, port);
    for (const path of DOCUMENTS) {
      const url = `http://127.0.0.1:${port}${path}`;
      const first = await fetch(url);
      const etag = first.headers.get('etag');
      await first.arrayBuffer();
      if (first.status !== 200 || !etag) throw new Error(`${path}: ${first.status}, ETag ${etag}`);
      const conditional = await fetch(url, { headers: { 'if-none-match': etag } });
      if (conditional.status !== 304) throw new Error(`${path} with If-None-Match: ${conditional.status}, not 304`);
      for (const [label, headers] of [['200', {}], ['304 (If-None-Match)', { 'if-none-match': etag }]]) {
        await load(url, headers, WARMUP_SECONDS);
        log(`${path} ${label}: measuring ${seconds} s`);
        const stopMeter = startCpuMeter(child.pid);
        const result = await load(url, headers, seconds);
        const cpu = stopMeter();
        // autocannon counts a 304 as non-2xx: only errors are failures here.
        if (result.errors || (label === '200' && result.non2xx)) process.exitCode = 1;
        if (cpu.other > 25) log(`other processes used ${cpu.other.toFixed(0)} % of a core during the run; numbers are skewed`);
        rows.push({ path, answer: label, ...result });
      }
    }
  } finally {
    await stopChild(child, profiling ? 'SIGINT' : 'SIGTERM', profiling ? 30_000 : 10_000);
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(`\n${'document'.padEnd(76)} ${'answer'.padEnd(20)} ${'req/s'.padStart(8)} ${'p50'.padStart(5)} ${'p99'.padStart(5)}  goal ≥ ${GOAL_RPS}`);
  for (const r of rows) {
    const mark = r.rps >= GOAL_RPS ? 'met' : 'NOT met';
    console.log(`${r.path.padEnd(76)} ${r.answer.padEnd(20)} ${r.rps.toFixed(0).padStart(8)} ${String(r.p50).padStart(5)} ${String(r.p99).padStart(5)}  ${mark}`);
  }
  if (profileDir) {
    for (const f of (await readdir(profileDir)).filter((n) => n.endsWith('.cpuprofile'))) printTop(join(profileDir, f), 15);
    console.log(`(profile kept in ${profileDir})`);
  }
  if (values.json) console.log(JSON.stringify({ seconds, connections: 50, rows }, null, 2));
}

main().catch((err) => {
  console.error(`\nbenchmark failed: ${err.message}`);
  process.exit(1);
});
