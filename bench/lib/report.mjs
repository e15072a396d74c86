// Printing: results table, ratios, cold starts and goals.
const GOALS = { ratioVsB: 80, p99Ms: 30, coldStartMs: 400 };

export const fmt = (n, digits = 0) => (n == null ? 'n/a' : n.toFixed(digits));
export const verdict = (ok) => (ok ? 'PASS' : 'FAIL');

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [n, row] of rows.entries()) {
    console.log(row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Evaluates the goals that the measured targets allow; returns [{ goal, value, ok }]. */
export function evaluateGoals({ load, coldStarts }) {
  const goals = [];
  const broken = Object.values(load).filter((r) => r.non2xx || r.errors);
  goals.push({
    goal: 'every response 2xx, no errors',
    value: broken.length ? `not ${broken.map((r) => r.name).join(', ')}` : 'yes',
    ok: !broken.length,
  });
  const ours = load.ours;
  if (ours && load.b) {
    const pct = (100 * ours.rps) / load.b.rps;
    goals.push({ goal: `ours ≥ ${GOALS.ratioVsB} % of (b)`, value: `${fmt(pct, 1)} %`, ok: pct >= GOALS.ratioVsB });
  }
  if (ours) goals.push({ goal: `ours p99 ≤ ${GOALS.p99Ms} ms`, value: `${ours.p99} ms`, ok: ours.p99 <= GOALS.p99Ms });
  for (const c of coldStarts.filter((x) => x.key === 'ours')) {
    goals.push({ goal: `${c.label} ≤ ${GOALS.coldStartMs} ms`, value: `${fmt(c.ms)} ms`, ok: c.ms <= GOALS.coldStartMs });
  }
  return goals;
}

export function printReport({ load, coldStarts, goals, seconds }) {
  console.log(`\nclient_credentials, 50 connections, ${seconds} s measured after a 3 s warm-up`
    + ' (CPU % is of one core; "other" = rest of the machine)\n');
  table([
    ['target', 'tokens/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'CPU %: server', 'loadgen', 'other'],
    ...Object.values(load).map((r) => [r.name, fmt(r.rps), r.p50, r.p99, r.non2xx, r.errors,
      fmt(r.cpu.server), fmt(r.cpu.loadgen), fmt(r.cpu.other)]),
  ]);

  if (load.ours && (load.a || load.b)) {
    console.log('');
    if (load.b) console.log(`ours / (b) = ${fmt((100 * load.ours.rps) / load.b.rps, 1)} %`);
    if (load.a) console.log(`ours / (a) = ${fmt((100 * load.ours.rps) / load.a.rps, 1)} %`);
  }

  console.log('\ncold start → first token');
  table([['run', 'ms'], ...coldStarts.map((c) => [c.label, fmt(c.ms)])]);

  console.log('\ngoals');
  table([['goal', 'measured', 'result'], ...goals.map((g) => [g.goal, g.value, verdict(g.ok)])]);
}
