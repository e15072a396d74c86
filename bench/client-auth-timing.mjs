// Can a client id be probed by timing? Sends, one at a time over one keep-alive connection, token
// requests for a known client with a wrong secret and for an unknown client id, interleaved, and prints
// the latency of each kind. The two should not differ beyond noise (defect 6 of issue 6: 27-40 µs).
// Usage: npm run build && node bench/client-auth-timing.mjs   Env: BENCH_SAMPLES (default 6000 per kind).
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { freePort, stopChild } from './lib/child.mjs';
import { TARGETS, checkOursBuilt, freshDataDir } from './lib/targets.mjs';

const samples = Number(process.env.BENCH_SAMPLES ?? 6000);
const secret = randomBytes(24).toString('base64url');
const ours = TARGETS.find((t) => t.key === 'ours');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(port, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, micros: Number(process.hrtime.bigint() - started) / 1000 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const form = (clientId, clientSecret) => new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString();
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function main() {
  checkOursBuilt();
  const port = await freePort();
  const dataDir = await freshDataDir(secret);
  const child = ours.spawn(port, { dataDir });
  try {
    await ours.ready(child, port);
    const kinds = {
      'known id, wrong secret': form(ours.clientId, `${secret}x`),
      'unknown id': form('m2morg_19999999999999999', `${secret}x`),
    };
    const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
    for (let i = 0; i < 500; i++) for (const body of Object.values(kinds)) await post(port, body); // warm-up
    for (let i = 0; i < samples; i++) {
      for (const [kind, body] of i % 2 ? Object.entries(kinds) : Object.entries(kinds).reverse()) {
        const { status, micros } = await post(port, body);
        if (status !== 401) throw new Error(`${kind}: expected 401, got ${status}`);
        times[kind].push(micros);
      }
    }
    console.log(`client authentication failures, ${samples} sequential requests per kind, one keep-alive connection:`);
    const medians = [];
    for (const [kind, list] of Object.entries(times)) {
      list.sort((a, b) => a - b);
      medians.push(quantile(list, 0.5));
      console.log(`  ${kind.padEnd(24)} median ${quantile(list, 0.5).toFixed(1)} µs   p90 ${quantile(list, 0.9).toFixed(1)} µs`);
    }
    console.log(`  difference of medians    ${(medians[0] - medians[1]).toFixed(1)} µs (known minus unknown)`);
  } finally {
    agent.destroy();
    await stopChild(child);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`\nbenchmark failed: ${err.message}`);
  process.exit(1);
});
