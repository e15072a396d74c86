// Top functions by self time in a V8 .cpuprofile (from node --cpu-prof).
// Usage: node bench/profile-top.mjs <file.cpuprofile> [count]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

function location({ url, lineNumber }) {
  if (!url) return '';
  const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/');
  return `${short}:${lineNumber + 1}`; // V8 line numbers are 0-based
}

export function topSelfTime(profile, count = 15) {
  // Self time = samples that landed in the node itself; `samples` is exact, hitCount is the fallback.
  const hits = new Map();
  if (profile.samples?.length) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  // Idle time is reported on its own so the table shows where the busy time goes.
  const byFunction = new Map();
  let busy = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (!n) continue;
    if (node.callFrame.functionName === '(idle)') { idle += n; continue; }
    const key = `${node.callFrame.functionName || '(anonymous)'}  ${location(node.callFrame)}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + n);
    busy += n;
  }
  const rows = [...byFunction]
    .sort((x, y) => y[1] - x[1])
    .slice(0, count)
    .map(([name, n]) => ({ name, samples: n, percent: (100 * n) / busy }));
  return { rows, idlePercent: (100 * idle) / (idle + busy) };
}

export function printTop(file, count = 15) {
  const { rows, idlePercent } = topSelfTime(JSON.parse(readFileSync(file, 'utf8')), count);
  console.log(`\nTop ${rows.length} functions by self time, % of busy main-thread samples`
    + ` (idle ${idlePercent.toFixed(1)} % of all), ${file}:`);
  for (const { name, percent } of rows) console.log(`${percent.toFixed(1).padStart(6)} %  ${name}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv[2]) {
    console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [count]');
    process.exit(2);
  }
  printTop(process.argv[2], Number(process.argv[3] ?? 15));
}
