// The steps of a compose check (check.mjs, check-replicas.mjs), printed one line each, TAP-like: its
// title, what it found and how long it took; the first failure prints why and ends the run with exit 1.
const started = Date.now();
let stepNo = 0;

/** A failure the check words itself: printed as its message, without a stack. */
export class CheckFailed extends Error {}

export function fail(message) {
  throw new CheckFailed(message);
}

export async function step(title, fn) {
  stepNo += 1;
  const t0 = Date.now();
  try {
    const detail = await fn();
    console.log(`ok ${stepNo} - ${title}${detail ? `: ${detail}` : ''} (${Date.now() - t0} ms)`);
    return detail;
  } catch (err) {
    console.error(`not ok ${stepNo} - ${title}`);
    console.error(`  ${err instanceof CheckFailed ? err.message : (err?.stack ?? String(err))}`.replace(/\n/g, '\n  '));
    process.exit(1);
  }
}

/** The last line, once every step passed. */
export function allPassed(check) {
  console.log(`${check}: all ${stepNo} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
