// Cold start and idle memory of the CLI (issue 17 goal 3): spawn `start` with a fresh DATA_DIR (the
// benchmarks' seed) and an empty compile-cache folder (a cleared cache), time to the first
// client-credentials token, the CPU the process used until then, and its resident memory (VmRSS) after
// 5 s idle. Several builds in turns, so
// drift on the machine hits each alike.
// Usage: node bench/start-and-memory.mjs [label=path/to/dist/src/cli/main.js ...]
//        (default: this repository's build, labelled "this")
// Env: BENCH_STARTS (7 per build), BENCH_IDLE_MS (5000).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './lib/child.mjs';
import { coldStartMs } from './lib/cold-start.mjs';
import { processCpuSeconds } from './lib/cpu.mjs';
import { tokenRequest } from './lib/load.mjs';
import { REPO_ROOT, freshDataDir, ours } from './lib/targets.mjs';

const starts = Number(process.env.BENCH_STARTS ?? 7);
const idleMs = Number(process.env.BENCH_IDLE_MS ?? 5000);
const SECRET = 'bench-start-secret-0123456789';

const builds = (process.argv.slice(2).length ? process.argv.slice(2) : [`this=${join(REPO_ROOT, 'dist/src/cli/main.js')}`]).map((arg) => {
  const at = arg.indexOf('=');
  return at === -1 ? { label: arg, main: resolve(arg) } : { label: arg.slice(0, at), main: resolve(arg.slice(at + 1)) };
});

/** One start as npm run bench's cold starts (the same seed and request), and what the process holds once idle. */
async function once({ main }) {
  const port = await freePort();
  const dataDir = await freshDataDir(SECRET);
  const compileCache = await mkdtemp(join(tmpdir(), 'bench-compile-cache-'));
  let cpuMs;
  let rssMB;
  try {
    const ms = await coldStartMs(() => ours.spawn(port, { dataDir, compileCache, main }), tokenRequest(ours, port, SECRET), async (child) => {
      cpuMs = 1000 * processCpuSeconds(child.pid);
      await sleep(idleMs);
      rssMB = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
    });
    return { ms, cpuMs, rssMB };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await rm(compileCache, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map(builds.map((b) => [b.label, []]));
for (let i = 0; i < starts; i++) {
  for (const build of builds) {
    const r = await once(build);
    results.get(build.label).push(r);
    console.error(`[bench] ${build.label} #${i + 1}: first token ${r.ms.toFixed(0)} ms (CPU ${r.cpuMs.toFixed(0)} ms), RSS ${r.rssMB.toFixed(1)} MB`);
  }
}
console.log(`\ncold start (compile cache cleared, fresh DATA_DIR) to the first token, and VmRSS after ${idleMs / 1000} s idle; medians of ${starts}`);
console.log('build         first token ms   CPU ms   idle RSS MB');
for (const [label, rs] of results) {
  console.log(`${label.padEnd(12)} ${median(rs.map((r) => r.ms)).toFixed(0).padStart(15)} ${median(rs.map((r) => r.cpuMs)).toFixed(0).padStart(8)} ${median(rs.map((r) => r.rssMB)).toFixed(1).padStart(13)}`);
}
console.log('goals: first token ≤ 400 ms, idle RSS ≤ 90 MB');
