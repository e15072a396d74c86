// client_credentials throughput by store engine (issue 15): SQLite before the async interface (another
// build), SQLite now, PostgreSQL with one replica, PostgreSQL with two replicas on one database (the
// load split over both), and node:http + our signer (b) as the ceiling. Rounds interleave the targets
// so that drift on a shared machine hits each alike; each run starts on a fresh DATA_DIR or database.
// Usage: node bench/store-engines.mjs [--only sqlite-before,sqlite,pg1-before,pg1,pg2,b]
// Env: BENCH_SECONDS (10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50), BENCH_BEFORE_MAIN (the build the
//      "before" targets run, on SQLite and on PostgreSQL; without it they are left out), BENCH_DATABASE_URL (else a throwaway
//      cluster with PostgreSQL's default durability), BENCH_PG_CONF (postgresql.conf lines to add, e.g.
//      "synchronous_commit = off").
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { freePort, stopChild } from './lib/child.mjs';
import { machineBusySeconds, processCpuSeconds } from './lib/cpu.mjs';
import { assertIssuesToken, runLoad, tokenRequest } from './lib/load.mjs';
import { benchPostgres, freshDatabase } from './lib/postgres.mjs';
import { TARGETS, checkOursBuilt, freshDataDir, ours } from './lib/targets.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP_SECONDS = 3;
const secret = randomBytes(24).toString('base64url');
const log = (msg) => console.error(`[bench] ${msg}`);
const baselineB = TARGETS.find((t) => t.key === 'b');

/** Starts `replicas` processes of one target; resolves to { urls, pids, stop }. */
async function startOurs({ main, databaseUrl, replicas = 1 }) {
  const dataDirs = [];
  const children = [];
  const ports = [];
  // One issuer for all replicas, as behind a balancer: A is started (and has migrated and seeded) first.
  const issuerPort = await freePort();
  for (let i = 0; i < replicas; i++) {
    const port = i === 0 ? issuerPort : await freePort();
    const dataDir = await freshDataDir(secret);
    const env = { SCALEKIT_ENVIRONMENT_URL: `http://127.0.0.1:${issuerPort}`, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
    const child = ours.spawn(port, { dataDir, env, ...(main ? { main } : {}) });
    dataDirs.push(dataDir);
    children.push(child);
    ports.push(port);
    await ours.ready(child, port);
  }
  return {
    requests: ports.map((port) => tokenRequest(ours, port, secret)),
    pids: children.map((c) => c.pid),
    stop: async () => {
      await Promise.all(children.map((c) => stopChild(c)));
      await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

async function startB() {
  const port = await freePort();
  const child = baselineB.spawn(port, { secret });
  await baselineB.ready(child, port);
  return { requests: [tokenRequest(baselineB, port, secret)], pids: [child.pid], stop: () => stopChild(child) };
}

/** Load split evenly over the running processes (each gets its share of the connections). */
async function measure(running) {
  for (const request of running.requests) await assertIssuesToken('sanity', request);
  const share = Math.max(1, Math.round(connections / running.requests.length));
  await Promise.all(running.requests.map((r) => runLoad(r, WARMUP_SECONDS, share)));
  const cpu0 = running.pids.map(processCpuSeconds);
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const results = await Promise.all(running.requests.map((r) => runLoad(r, seconds, share)));
  const wall = (performance.now() - t0) / 1000;
  const serverCpu = running.pids.reduce((sum, pid, i) => sum + (processCpuSeconds(pid) - cpu0[i]), 0);
  const total = results.reduce((n, r) => n + r.total, 0);
  return {
    rps: results.reduce((n, r) => n + r.rps, 0),
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    serverCpuPct: Math.round((100 * serverCpu) / wall),
    machineCpuPct: Math.round((100 * (machineBusySeconds() - busy0)) / wall),
    cpuMsPerToken: total ? (1000 * serverCpu) / total : NaN,
  };
}

async function main() {
  const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } } });
  const only = values.only?.flatMap((s) => s.split(','));
  const before = process.env.BENCH_BEFORE_MAIN;
  checkOursBuilt();
  const all = ['sqlite-before', 'sqlite', 'pg1-before', 'pg1', 'pg2', 'b'].filter((k) => (only ? only.includes(k) : !k.endsWith('-before') || before));
  if (all.some((k) => k.endsWith('-before')) && !before) throw new Error('the -before targets need BENCH_BEFORE_MAIN (the other build\'s dist/src/cli/main.js)');
  const postgres = all.some((k) => k.startsWith('pg')) ? await benchPostgres(process.env.BENCH_PG_CONF ?? '') : undefined;
  if (postgres) log(`PostgreSQL: ${postgres.url} (${postgres.settings})`);
  let dbNo = 0;
  const start = {
    'sqlite-before': () => startOurs({ main: before }),
    sqlite: () => startOurs({}),
    'pg1-before': async () => startOurs({ main: before, databaseUrl: await freshDatabase(postgres.url, `bench_${++dbNo}`) }),
    pg1: async () => startOurs({ databaseUrl: await freshDatabase(postgres.url, `bench_${++dbNo}`) }),
    pg2: async () => startOurs({ databaseUrl: await freshDatabase(postgres.url, `bench_${++dbNo}`), replicas: 2 }),
    b: startB,
  };
  const results = Object.fromEntries(all.map((k) => [k, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const key of all) {
        const running = await start[key]();
        try {
          const r = await measure(running);
          results[key].push(r);
          log(`round ${round} ${key}: ${Math.round(r.rps)} tok/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, server CPU ${r.serverCpuPct}%, machine ${r.machineCpuPct}%`);
        } finally {
          await running.stop();
        }
      }
    }
  } finally {
    await postgres?.stop();
  }
  const mean = (key, field) => results[key].reduce((n, r) => n + r[field], 0) / results[key].length;
  console.log(`\nclient_credentials, ${rounds} rounds × ${seconds} s, ${connections} connections (split over replicas)`);
  console.log('target          tok/s   p50   p99  non2xx  server CPU%  machine CPU%  CPU ms/token');
  for (const key of all) {
    console.log(`${key.padEnd(14)} ${String(Math.round(mean(key, 'rps'))).padStart(6)} ${mean(key, 'p50').toFixed(0).padStart(5)} ${mean(key, 'p99').toFixed(0).padStart(5)} ${String(Math.round(mean(key, 'non2xx'))).padStart(7)} ${mean(key, 'serverCpuPct').toFixed(0).padStart(12)} ${mean(key, 'machineCpuPct').toFixed(0).padStart(13)} ${mean(key, 'cpuMsPerToken').toFixed(3).padStart(12)}`);
  }
  const ratio = (a, b) => (results[a]?.length && results[b]?.length ? `${((100 * mean(a, 'rps')) / mean(b, 'rps')).toFixed(1)} %` : 'n/a');
  console.log(`\nSQLite now / before the async interface: ${ratio('sqlite', 'sqlite-before')} (goal ≥ 97 %)`);
  console.log(`PostgreSQL now / before, one replica:     ${ratio('pg1', 'pg1-before')}`);
  console.log(`PostgreSQL, one replica / SQLite:         ${ratio('pg1', 'sqlite')} (goal ≥ 80 %)`);
  console.log(`PostgreSQL, two replicas / one:           ${ratio('pg2', 'pg1')} (goal ≥ 100 %)`);
  console.log(`SQLite / (b):                             ${ratio('sqlite', 'b')}`);
  console.log(`PostgreSQL one replica / (b):             ${ratio('pg1', 'b')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
