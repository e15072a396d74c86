// client_credentials throughput benchmark: ours vs bare oidc-provider (a) vs node:http + our signer (b).
// Usage: node bench/client-credentials.mjs [--json] [--only ours|a|b[,...]]
// Env: BENCH_SECONDS (default 10), BENCH_SECRET (default random), BENCH_PROFILE=1 (CPU-profile ours),
//      BENCH_OURS_MAIN (another build of dist/src/cli/main.js), BENCH_PRUNE_ROWS (a backlog of old
//      token rows that the background retention prunes during the run; ours only).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backlogLeft, writeBacklog } from './lib/backlog.mjs';
import { freePort, stopChild } from './lib/child.mjs';
import { coldStartMs } from './lib/cold-start.mjs';
import { startCpuMeter } from './lib/cpu.mjs';
import { assertIssuesToken, runLoad, tokenRequest } from './lib/load.mjs';
import { evaluateGoals, printReport } from './lib/report.mjs';
import { TARGETS, checkOursBuilt, freshDataDir } from './lib/targets.mjs';
import { printTop } from './profile-top.mjs';

const WARMUP_SECONDS = 3;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const secret = process.env.BENCH_SECRET ?? randomBytes(24).toString('base64url');
const profiling = process.env.BENCH_PROFILE === '1';
const pruneRows = Number(process.env.BENCH_PRUNE_ROWS ?? 0);
const log = (msg) => console.error(`[bench] ${msg}`);

function selectTargets() {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, only: { type: 'string', multiple: true } } });
  const keys = values.only?.flatMap((s) => s.split(','));
  const unknown = keys?.filter((k) => !TARGETS.some((t) => t.key === k)) ?? [];
  if (unknown.length) throw new Error(`unknown --only target(s): ${unknown.join(', ')} (use ours, a or b)`);
  const targets = keys ? TARGETS.filter((t) => keys.includes(t.key)) : TARGETS;
  if (targets.some((t) => t.key === 'ours')) checkOursBuilt();
  return { targets, json: values.json };
}

async function measureColdStarts(target) {
  const port = await freePort();
  const request = tokenRequest(target, port, secret);
  if (target.key !== 'ours') {
    return [{ key: target.key, label: target.name, ms: await coldStartMs(() => target.spawn(port, { secret }), request) }];
  }
  // A fresh DATA_DIR generates signing keys, a second start reuses them; an empty compile-cache folder
  // is a cleared cache (that start fills it), the same folder again is a warm one.
  const dataDirs = [await freshDataDir(secret), await freshDataDir(secret)];
  const caches = [await mkdtemp(join(tmpdir(), 'bench-compile-cache-')), await mkdtemp(join(tmpdir(), 'bench-compile-cache-'))];
  const startOn = (dataDir, compileCache) => () => target.spawn(port, { secret, dataDir, compileCache });
  try {
    const runs = [
      ['ours, fresh DATA_DIR, compile cache cleared', dataDirs[0], caches[0]],
      ['ours, fresh DATA_DIR, compile cache warm', dataDirs[1], caches[0]],
      ['ours, second start, compile cache cleared', dataDirs[0], caches[1]],
      ['ours, second start, compile cache warm', dataDirs[0], caches[1]],
    ];
    const results = [];
    for (const [label, dataDir, cache] of runs) {
      results.push({ key: 'ours', label, ms: await coldStartMs(startOn(dataDir, cache), request) });
    }
    return results;
  } finally {
    for (const dir of [...dataDirs, ...caches]) await rm(dir, { recursive: true, force: true });
  }
}

async function printProfile(profileDir) {
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return log(`no .cpuprofile written in ${profileDir} (did the server exit cleanly on SIGINT?)`);
  for (const f of files) printTop(join(profileDir, f), 15);
  console.log(`(profile kept in ${profileDir}; open it in Chrome DevTools for the call tree)`);
}

/** `profileDir` (BENCH_PROFILE=1) applies to ours only. */
async function measureLoad(target, profileDir) {
  const port = await freePort();
  const isOurs = target.key === 'ours';
  const profiled = isOurs && profileDir !== undefined;
  const dataDir = isOurs ? await freshDataDir(secret) : undefined;
  if (isOurs && pruneRows > 0) {
    log(`${target.name}: writing a backlog of ${pruneRows} old token rows`);
    await writeBacklog(dataDir, pruneRows);
  }
  const child = target.spawn(port, { secret, dataDir, profileDir: profiled ? profileDir : undefined });
  try {
    await target.ready(child, port);
    const request = tokenRequest(target, port, secret);
    await assertIssuesToken(target.name, request);
    log(`${target.name}: warm-up ${WARMUP_SECONDS} s`);
    await runLoad(request, WARMUP_SECONDS);

    const backlogBefore = isOurs && pruneRows > 0 ? backlogLeft(dataDir) : undefined;
    log(`${target.name}: measuring ${seconds} s`);
    const stopMeter = startCpuMeter(child.pid);
    const result = await runLoad(request, seconds);
    const cpu = stopMeter();
    if (backlogBefore !== undefined) {
      const left = backlogLeft(dataDir);
      log(`${target.name}: retention deleted ${backlogBefore - left} old rows during the measured ${seconds} s `
        + `(${backlogBefore} before, ${left} left)`);
      if (backlogBefore === 0 || left === backlogBefore) log(`${target.name}: pruning did not overlap the measurement; raise BENCH_PRUNE_ROWS`);
    }
    if (result.non2xx || result.errors) {
      log(`${target.name}: ${result.non2xx} non-2xx responses and ${result.errors} errors (${result.timeouts} timeouts)`);
      process.exitCode = 1;
    }
    if (cpu.other > 25) log(`${target.name}: other processes used ${cpu.other.toFixed(0)} % of a core during the run; numbers are skewed`);
    return { name: target.name, ...result, cpu };
  } finally {
    // SIGINT lets the server close gracefully so --cpu-prof writes its file on exit.
    await stopChild(child, profiled ? 'SIGINT' : 'SIGTERM', profiled ? 30_000 : 10_000);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const { targets, json } = selectTargets();
  let profileDir;
  if (profiling && targets.some((t) => t.key === 'ours')) {
    profileDir = await mkdtemp(join(tmpdir(), 'bench-prof-'));
    log('BENCH_PROFILE=1: ours runs under --cpu-prof, its numbers are slower than normal');
  }
  const load = {};
  const coldStarts = [];
  for (const target of targets) {
    load[target.key] = await measureLoad(target, profileDir); // first: its sanity check fails fast
    log(`${target.name}: cold start`);
    coldStarts.push(...await measureColdStarts(target));
  }
  const goals = evaluateGoals({ load, coldStarts });
  printReport({ load, coldStarts, goals, seconds });
  if (profileDir) await printProfile(profileDir);
  if (json) console.log(JSON.stringify({ seconds, connections: 50, load, coldStarts, goals }, null, 2));
}

main().catch((err) => {
  console.error(`\nbenchmark failed: ${err.message}`);
  process.exit(1);
});
