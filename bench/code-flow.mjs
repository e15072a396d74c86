// Authorization-code flow benchmark: full flows per second (authorize → login → consent → token, then
// one refresh), ours vs bare oidc-provider doing the same flow with the same key type in the same run.
// Two scenarios: `pages` (a person at the login and consent forms, scrypt password check) and
// `hands-free` (ours with AUTO_LOGIN=1, the baseline finishing login and consent in code: no pages).
// Every flow uses a client registered beforehand and never used before, so no remembered consent
// shortens ours. Prints numbers; asserts nothing but a sane first flow.
// Usage: node bench/code-flow.mjs [--json] [--only ours|op|op-mem[,...]] [--scenario pages|hands-free[,...]]
// Env: BENCH_SECONDS (default 10, per target and scenario), BENCH_ROUNDS (default 5: the seconds are
//      measured in that many turns per target), BENCH_WORKERS (default 8), BENCH_PROFILE=1 (CPU-profile ours),
//      BENCH_OURS_MAIN (another build of the CLI).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, stopChild } from './lib/child.mjs';
import { CODE_FLOW_TARGETS, freshDataDir } from './lib/code-flow-targets.mjs';
import { startCpuMeter } from './lib/cpu.mjs';
import { ClientPool, quantile, runFlow, runFlows } from './lib/flow.mjs';
import { keepAliveAgent } from './lib/mini-browser.mjs';
import { fmt, table, verdict } from './lib/report.mjs';
import { checkOursBuilt } from './lib/targets.mjs';
import { printTop } from './profile-top.mjs';

const WARMUP_SECONDS = 3;
const GOAL_PCT = 90;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const workers = Number(process.env.BENCH_WORKERS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const profiling = process.env.BENCH_PROFILE === '1';
const SCENARIOS = [
  { key: 'pages', name: 'login + consent pages', handsFree: false },
  { key: 'hands-free', name: 'hands-free (ours AUTO_LOGIN=1; baseline finishes in code)', handsFree: true },
];
const log = (msg) => console.error(`[bench] ${msg}`);

function selectRun() {
  const { values } = parseArgs({ options: {
    json: { type: 'boolean' }, only: { type: 'string', multiple: true }, scenario: { type: 'string', multiple: true },
  } });
  const pick = (all, asked, what) => {
    const keys = asked?.flatMap((s) => s.split(','));
    const unknown = keys?.filter((k) => !all.some((x) => x.key === k)) ?? [];
    if (unknown.length) throw new Error(`unknown ${what}: ${unknown.join(', ')} (use ${all.map((x) => x.key).join(', ')})`);
    return keys ? all.filter((x) => keys.includes(x.key)) : all;
  };
  const targets = pick(CODE_FLOW_TARGETS, values.only, '--only target(s)');
  if (targets.some((t) => t.key === 'ours')) checkOursBuilt();
  return { targets, scenarios: pick(SCENARIOS, values.scenario, '--scenario'), json: values.json };
}

/** One flow by hand first: it must go through the pages the scenario promises and give both tokens. */
async function sanityFlow(target, scenario, ctx, pool) {
  const flow = await runFlow(ctx, pool.take());
  const expected = scenario.handsFree ? [] : ['login', 'consent'];
  const missing = expected.filter((step) => !flow.submitted.includes(step));
  if (missing.length || (scenario.handsFree && flow.submitted.length)) {
    throw new Error(`${target.name} (${scenario.key}): forms submitted were [${flow.submitted}], expected ${expected.join(' and ') || 'none'}`);
  }
  const claims = JSON.parse(Buffer.from(flow.tokens.access_token.split('.')[1], 'base64url').toString());
  const aud = [claims.aud].flat();
  if (!aud.includes('http://localhost:3002/') || !flow.refreshed.access_token || !flow.refreshed.refresh_token) {
    throw new Error(`${target.name} (${scenario.key}): unexpected tokens: aud ${JSON.stringify(claims.aud)}, refresh answered ${JSON.stringify(flow.refreshed).slice(0, 200)}`);
  }
  return flow;
}

// Little's law: W workers whose flows take at least `ms` each cannot finish more than W / ms flows a second.
const ceilingPerSecond = (ms) => (1000 * workers) / ms;

/**
 * Starts the target for the scenario, checks a few flows by hand, warms it up and registers enough
 * clients for the measured rounds. `profileDir` (BENCH_PROFILE=1) applies to ours only.
 */
async function prepare(target, scenario, profileDir) {
  const label = `${target.name} (${scenario.key})`;
  const port = await freePort();
  const dataDir = await freshDataDir();
  const password = randomBytes(12).toString('base64url');
  const profiled = target.key === 'ours' && profileDir !== undefined;
  const child = await target.spawn(port, { dataDir, password, handsFree: scenario.handsFree, profileDir: profiled ? join(profileDir, scenario.key) : undefined });
  const agent = keepAliveAgent(workers);
  const session = { target, scenario, label, child, agent, dataDir, profiled, rounds: [] };
  await target.ready(child, port);
  const urls = target.urls(port);
  session.ctx = { agent, urls, authorizeParams: target.authorizeParams, password };
  session.pool = new ClientPool(() => target.register(agent, urls.register));
  await session.pool.fill(6, 1);
  let fastest = Infinity;
  for (let i = 0; i < 5; i++) {
    const flow = await sanityFlow(target, scenario, session.ctx, session.pool);
    session.requestsPerFlow ??= flow.requests;
    fastest = Math.min(fastest, flow.ms);
  }

  // Enough clients for the warm-up at the fastest rate the single flows allow, then enough for the
  // measured rounds at 3 × the rate the warm-up reached (a warm-up slowed by JIT or by other load can
  // reach half the measured rate). Registration is not timed.
  await session.pool.fill(Math.ceil(ceilingPerSecond(fastest) * WARMUP_SECONDS), workers);
  log(`${label}: warm-up ${WARMUP_SECONDS} s, ${session.pool.left} clients`);
  const warm = await runFlows(session.ctx, session.pool, { workers, seconds: WARMUP_SECONDS });
  if (warm.errors) throw new Error(`${label}: ${warm.errors} failed flows in the warm-up, first: ${warm.firstError}`);
  await session.pool.fill(Math.ceil((warm.flows / warm.elapsed) * seconds * 3) + 4 * workers, workers);
  return session;
}

/** One measured round of the target, with the CPU each process used meanwhile. */
async function measureRound(session, roundSeconds) {
  const stopMeter = startCpuMeter(session.child.pid);
  const run = await runFlows(session.ctx, session.pool, { workers, seconds: roundSeconds });
  session.rounds.push({ ...run, cpu: stopMeter() });
  if (run.errors) log(`${session.label}: ${run.errors} failed flows, first: ${run.firstError}`);
  if (run.exhausted) log(`${session.label}: ran out of unused clients; the rate is over the time it ran`);
  if (run.errors || run.exhausted) process.exitCode = 1;
}

/** The rounds of one target added up. */
function summarize({ target, scenario, label, rounds, requestsPerFlow }) {
  const sum = (f) => rounds.reduce((total, r) => total + f(r), 0);
  const elapsed = sum((r) => r.elapsed);
  const flows = sum((r) => r.flows);
  // CPU seconds of each kind over all rounds, back to % of one core over the measured time.
  const cpuPct = (kind) => (rounds.some((r) => r.cpu[kind] == null) ? null : sum((r) => r.cpu[kind] * r.elapsed) / elapsed);
  const cpu = { server: cpuPct('server'), loadgen: cpuPct('loadgen'), other: cpuPct('other') };
  if (cpu.other > 25) log(`${label}: other processes used ${cpu.other.toFixed(0)} % of a core during its rounds; numbers are skewed`);
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    target: target.key,
    name: target.name,
    scenario: scenario.key,
    flowsPerSecond: flows / elapsed,
    // What a flow costs the server, whatever share of the cores other processes left it.
    serverCpuMsPerFlow: cpu.server == null || !flows ? null : (cpu.server * elapsed * 10) / flows,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    requestsPerFlow,
    requestsPerSecond: sum((r) => r.requests) / elapsed,
    flows,
    errors: sum((r) => r.errors),
    exhausted: rounds.some((r) => r.exhausted),
    seconds: elapsed,
    cpu,
  };
}

async function stop(session) {
  session.agent.destroy();
  // SIGINT lets the server close gracefully so --cpu-prof writes its file on exit.
  await stopChild(session.child, session.profiled ? 'SIGINT' : 'SIGTERM', session.profiled ? 30_000 : 10_000);
  await rm(session.dataDir, { recursive: true, force: true });
}

/**
 * All targets of a scenario are up together and measured in turns (ours, baseline, ..., ours, ...), so
 * a change in what other processes take from the machine falls on every target alike.
 */
async function measureScenario(targets, scenario, profileDir) {
  const sessions = [];
  try {
    for (const target of targets) sessions.push(await prepare(target, scenario, profileDir));
    const roundSeconds = seconds / rounds;
    for (let i = 1; i <= rounds; i++) {
      log(`${scenario.key}: round ${i}/${rounds}, ${roundSeconds} s per target`);
      for (const session of sessions) await measureRound(session, roundSeconds);
    }
    return sessions.map(summarize);
  } finally {
    for (const session of sessions) await stop(session);
  }
}

function evaluate(results) {
  return SCENARIOS.flatMap(({ key }) => {
    const of = (t) => results.find((r) => r.scenario === key && r.target === t);
    const ours = of('ours');
    return ['op', 'op-mem'].filter((t) => ours && of(t)).map((t) => {
      const pct = (100 * ours.flowsPerSecond) / of(t).flowsPerSecond;
      const cpuPct = ours.serverCpuMsPerFlow && of(t).serverCpuMsPerFlow ? (100 * of(t).serverCpuMsPerFlow) / ours.serverCpuMsPerFlow : null;
      return { scenario: key, versus: of(t).name, pct, cpuPct, ok: t === 'op' ? pct >= GOAL_PCT : null };
    });
  });
}

function printReport(results, ratios) {
  console.log(`\ncode flow (authorize → login → consent → token → refresh), ${workers} workers, `
    + `${seconds} s measured per target in ${rounds} turns after a ${WARMUP_SECONDS} s warm-up, a fresh client and cookie jar per flow`
    + ' (CPU % is of one core; "other" = rest of the machine)\n');
  table([
    ['scenario', 'target', 'flows/s', 'p50 ms', 'p99 ms', 'req/flow', 'req/s', 'errors', 'server CPU ms/flow', 'CPU %: server', 'loadgen', 'other'],
    ...results.map((r) => [r.scenario, r.name, fmt(r.flowsPerSecond, 1), fmt(r.p50, 1), fmt(r.p99, 1), r.requestsPerFlow,
      fmt(r.requestsPerSecond), r.errors + (r.exhausted ? ' (pool ran dry)' : ''), fmt(r.serverCpuMsPerFlow, 1),
      fmt(r.cpu.server), fmt(r.cpu.loadgen), fmt(r.cpu.other)]),
  ]);
  if (ratios.length) {
    console.log('\nours / baseline: flows/s (the goal), and flows per server CPU-second (steadier when other processes take cores)');
    table([
      ['scenario', 'versus', 'flows/s', 'per CPU-s', `goal ≥ ${GOAL_PCT} %`],
      ...ratios.map((r) => [r.scenario, r.versus, `${fmt(r.pct, 1)} %`, r.cpuPct == null ? 'n/a' : `${fmt(r.cpuPct, 1)} %`,
        r.ok === null ? '(for reference)' : verdict(r.ok)]),
    ]);
  }
  console.log('\nOurs does more per flow by design, and the numbers include it: a CSRF token (cookie + hidden field)'
    + ' on every form, the email asked on its own page before the password (one more request), templated pages,'
    + ' consent remembered in its own table, an audit row per token, Scalekit claims on each access token.');
}

async function printProfiles(profileDir, scenarios) {
  for (const { key } of scenarios) {
    const dir = join(profileDir, key);
    const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'));
    if (!files.length) log(`no .cpuprofile written in ${dir} (did the server exit cleanly on SIGINT?)`);
    for (const f of files) {
      console.log(`\nours, ${key}:`);
      printTop(join(dir, f), 15);
    }
  }
  console.log(`(profiles kept in ${profileDir}; open them in Chrome DevTools for the call tree)`);
}

async function main() {
  const { targets, scenarios, json } = selectRun();
  let profileDir;
  if (profiling && targets.some((t) => t.key === 'ours')) {
    profileDir = await mkdtemp(join(tmpdir(), 'bench-prof-'));
    log('BENCH_PROFILE=1: ours runs under --cpu-prof, its numbers are slower than normal');
  }
  const results = [];
  for (const scenario of scenarios) results.push(...await measureScenario(targets, scenario, profileDir));
  const ratios = evaluate(results);
  printReport(results, ratios);
  if (profileDir) await printProfiles(profileDir, scenarios);
  if (json) console.log(JSON.stringify({ seconds, rounds, workers, warmupSeconds: WARMUP_SECONDS, results, ratios }, null, 2));
}

main().catch((err) => {
  console.error(`\nbenchmark failed: ${err.message}`);
  process.exit(1);
});
