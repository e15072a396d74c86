// Cold start: wall time from spawn to the first 200 token response.
import { performance } from 'node:perf_hooks';
import { pollUntil, stopChild } from './child.mjs';
import { postToken } from './load.mjs';

/**
 * `spawn()` must start the child; polls `request` every 5 ms until it gets a token. `whileUp(child)`,
 * if given, runs after the first token and before the child is stopped (what else to measure of it).
 */
export async function coldStartMs(spawn, request, whileUp) {
  const t0 = performance.now();
  const child = spawn();
  let last = 'no HTTP answer';
  try {
    await pollUntil(child, 'first token', async () => {
      const { status, json } = await postToken(request);
      last = `${status} ${JSON.stringify(json)}`;
      return status === 200 && typeof json.access_token === 'string';
    }, { everyMs: 5, timeoutMs: 10_000 });
    const ms = performance.now() - t0;
    await whileUp?.(child);
    return ms;
  } catch (err) {
    err.message += `\nlast token response: ${last}`;
    throw err;
  } finally {
    await stopChild(child);
  }
}
