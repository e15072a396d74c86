// The MCP conformance suite's authorization-server scenarios (@modelcontextprotocol/conformance
// 0.2.0-alpha.12 `authorization`), run against an MCP server's issuer with nobody at a browser: the suite
// prints the authorization URL, a MiniBrowser signs in and consents on the real pages, and the browser's
// last redirect is delivered to the suite's own callback listener.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { MiniBrowser } from '../helpers/browser.js';
import { registerClient } from '../helpers/code-flow.js';
import { ADA } from '../helpers/server.js';
import { freePort } from '../helpers/todo-stack.js';

const RES = 'res_10000000000000001';
const cli = join(dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json')), 'dist', 'index.js');
let em: Emulator;

beforeAll(async () => {
  em = await startEmulator({
    keys: 'fixed',
    seed: {
      resources: [{ id: RES, name: 'Todo', resource_id: 'http://localhost:3002/', scopes: [{ name: 'todo:read', description: 'Read your todos' }] }],
      users: [{ id: ADA.id, email: ADA.email, password: ADA.password }],
    },
  });
});
afterAll(() => em?.close());

it('passes both scenarios against the MCP server’s issuer: metadata endpoint and authorization-code grant', { timeout: 120_000 }, async () => {
  const issuer = em.urls.resourceIssuer(RES);
  const clientId = await registerClient(em.url, RES, { redirect_uris: ['http://127.0.0.1/callback'], client_name: 'MCP conformance suite' });
  const port = await freePort();
  const suite = spawn(process.execPath, [cli, 'authorization', '--url', issuer, '--client-id', clientId, '--resource', 'http://localhost:3002/', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const browsing: Promise<void>[] = [];
  suite.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const url = /^(http:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(chunk)?.[1];
    if (!url) return;
    browsing.push(
      (async () => {
        const callback = await new MiniBrowser({ email: ADA.email, password: ADA.password }).authorize(url, `http://127.0.0.1:${port}/callback`);
        await fetch(callback);
      })(),
    );
  });
  suite.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exitCode = await new Promise<number | null>((resolve) => suite.on('exit', resolve));
  await Promise.all(browsing);
  expect(output).toContain('✓ authorization-server-metadata-endpoint: 1 passed, 0 failed');
  expect(output).toContain('✓ authorization-code-grant: 1 passed, 0 failed');
  expect(output).toContain('Total: 2 passed, 0 failed');
  expect(exitCode).toBe(0);
});
