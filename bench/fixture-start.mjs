// How long startEmulator() takes in a test suite: the median and p90 of N starts with the package's fixed
// test key (no RSA generation) and the demo seed, each closed before the next. Prints numbers, asserts nothing.
// Usage: npm run build && node bench/fixture-start.mjs [N]
import { startEmulator } from '../dist/src/index.js';

const runs = Number(process.argv[2] ?? 21);
const times = [];
await (await startEmulator({ keys: 'fixed' })).close(); // warm the module graph first
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const em = await startEmulator({ keys: 'fixed' });
  times.push(performance.now() - t0);
  await em.close();
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
console.log(`startEmulator({ keys: 'fixed' }) x${runs}: median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${times[0].toFixed(1)} ms`);
