// DATA_DIR holds the private signing key and the install keys: only its owner may read it.
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';

let root: string;
let dataDir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'emulator-perms-'));
  dataDir = join(root, 'data');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`;
const FILES = ['emulator.sqlite', 'emulator.sqlite-wal', 'emulator.sqlite-shm', 'emulator.keys.json', 'emulator.lock'];

describe('a new DATA_DIR', () => {
  it('is created 0700, and the database (with -wal and -shm), key file and lock file 0600', async () => {
    const cli = await startCli({ DATA_DIR: dataDir });
    try {
      expect(mode(dataDir)).toBe('0700');
      for (const file of FILES) {
        expect(existsSync(join(dataDir, file)), file).toBe(true);
        expect(mode(join(dataDir, file)), file).toBe('0600');
      }
    } finally {
      await cli.stop();
    }
  });
});

describe('a DATA_DIR left readable by others (as 0.1.0 made it)', () => {
  it('is tightened at start, with one warning naming each file', async () => {
    await (await startCli({ DATA_DIR: dataDir })).stop();
    chmodSync(dataDir, 0o755);
    for (const file of ['emulator.sqlite', 'emulator.keys.json']) chmodSync(join(dataDir, file), 0o644);
    writeFileSync(join(dataDir, 'emulator.sqlite-wal'), '', { mode: 0o644 }); // what a crash leaves behind

    const cli = await startCli({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    try {
      expect(await cli.stop()).toBe(0); // all of its log written
      const warnings = cli
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; path: string; from: string; to: string })
        .filter((w) => w.msg === 'tightened permissions to owner-only: other local users could read this');
      expect(warnings.map(({ path, from, to }) => ({ path, from, to }))).toEqual([
        { path: dataDir, from: '0755', to: '0700' },
        { path: join(dataDir, 'emulator.sqlite'), from: '0644', to: '0600' },
        { path: join(dataDir, 'emulator.sqlite-wal'), from: '0644', to: '0600' },
        { path: join(dataDir, 'emulator.keys.json'), from: '0644', to: '0600' },
      ]);
      expect(mode(dataDir)).toBe('0700');
      for (const file of ['emulator.sqlite', 'emulator.keys.json', 'emulator.lock']) expect(mode(join(dataDir, file)), file).toBe('0600');
    } finally {
      await cli.stop();
    }
  });

  it('warns about nothing once it is tight', async () => {
    await (await startCli({ DATA_DIR: dataDir })).stop();
    const cli = await startCli({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    try {
      expect(await cli.stop()).toBe(0);
      expect(cli.output()).toContain('emulator listening');
      expect(cli.output()).not.toContain('tightened permissions');
    } finally {
      await cli.stop();
    }
  });
});
