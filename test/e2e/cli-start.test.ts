// `npm start` as a user runs it: the built CLI, a data folder on disk, restarts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failingStart, isRunning, startCli } from '../helpers/cli.js';
import { decodeJwt, TEST_SEED, tokenRequest } from '../helpers/server.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const secretOf = (output: string, clientId: string) =>
  new RegExp(`client_id\\s+${clientId}\\s+client_secret\\s+(\\S+)\\s+\\(shown once`).exec(output)?.[1];

async function kidOf(url: string): Promise<string> {
  return ((await (await fetch(`${url}/keys`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
}

describe('start with the built-in demo seed', () => {
  it('prints the environment and demo credentials once, and they work', async () => {
    const cli = await startCli({ DATA_DIR: dir });
    try {
      const out = cli.output();
      expect(out).toContain('MCP server "Todo"');
      expect(out).toContain('http://localhost:3002/');
      const envId = /client_id\s+(skc_\d+)/.exec(out)?.[1];
      expect(envId).toBeDefined();
      const envSecret = secretOf(out, envId!);
      const agentSecret = secretOf(out, 'm2morg_10000000000000001');
      expect(envSecret).toBeDefined();
      expect(agentSecret).toBeDefined();
      const res = await tokenRequest(cli.url, {
        grant_type: 'client_credentials',
        client_id: 'm2morg_10000000000000001',
        client_secret: agentSecret!,
        scope: 'todo:read',
      });
      expect(res.status).toBe(200);
      const env = await tokenRequest(cli.url, { grant_type: 'client_credentials', client_id: envId!, client_secret: envSecret! });
      expect(env.status).toBe(200);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });

  it('keeps the kid, the environment client and the secrets across a restart, and shows no secret again', async () => {
    const first = await startCli({ DATA_DIR: dir });
    const out1 = first.output();
    const kid = await kidOf(first.url);
    const envId = /client_id\s+(skc_\d+)/.exec(out1)![1]!;
    const agentSecret = secretOf(out1, 'm2morg_10000000000000001')!;
    await first.stop();

    const second = await startCli({ DATA_DIR: dir });
    try {
      const out2 = second.output();
      expect(await kidOf(second.url)).toBe(kid);
      expect(out2).toContain(envId);
      expect(out2).not.toContain(agentSecret);
      expect(out2).not.toContain('shown once');
      expect(out2).toContain(`ends in …${agentSecret.slice(-4)}`);
      const res = await tokenRequest(second.url, {
        grant_type: 'client_credentials',
        client_id: 'm2morg_10000000000000001',
        client_secret: agentSecret,
      });
      expect(res.status).toBe(200);
      expect(decodeJwt(((await res.json()) as { access_token: string }).access_token).header.kid).toBe(kid);
    } finally {
      await second.stop();
    }
  });

  it('stores no secret in plain text in the database', async () => {
    const cli = await startCli({ DATA_DIR: dir });
    const agentSecret = secretOf(cli.output(), 'm2morg_10000000000000001')!;
    await cli.stop();
    const db = new Database(join(dir, 'emulator.sqlite'), { readonly: true });
    const dump = JSON.stringify(db.prepare('SELECT * FROM client_secrets').all()) + JSON.stringify(db.prepare('SELECT * FROM clients').all());
    db.close();
    expect(dump).not.toContain(agentSecret);
  });
});

describe('start with SEED', () => {
  it('applies the same seed twice without changing anything the second time', async () => {
    const seedPath = join(dir, 'seed.json');
    writeFileSync(seedPath, JSON.stringify(TEST_SEED));
    const env = { DATA_DIR: join(dir, 'data'), SEED: seedPath };
    const snapshot = () => {
      const db = new Database(join(dir, 'data', 'emulator.sqlite'), { readonly: true });
      const rows = ['organizations', 'resources', 'resource_scopes', 'clients', 'client_secrets', 'users'].map((t) =>
        db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all(),
      );
      db.close();
      return JSON.stringify(rows);
    };
    await (await startCli(env)).stop();
    const after1 = snapshot();
    await (await startCli(env)).stop();
    expect(snapshot()).toBe(after1);
  });

  it('uses SCALEKIT_CLIENT_ID / SCALEKIT_CLIENT_SECRET as the environment client', async () => {
    const cli = await startCli({ DATA_DIR: dir, SCALEKIT_CLIENT_ID: 'skc_12345', SCALEKIT_CLIENT_SECRET: 'a-configured-secret-value' });
    try {
      const res = await tokenRequest(cli.url, { grant_type: 'client_credentials', client_id: 'skc_12345', client_secret: 'a-configured-secret-value' });
      expect(res.status).toBe(200);
      expect(cli.output()).not.toContain('a-configured-secret-value');
    } finally {
      await cli.stop();
    }
  });

  it('says at start when another SCALEKIT_CLIENT_ID replaces the environment client kept in DATA_DIR', async () => {
    const first = await startCli({ DATA_DIR: dir });
    const earlier = /client_id\s+(skc_\d+)/.exec(first.output())![1]!;
    const earlierSecret = secretOf(first.output(), earlier)!;
    await first.stop();
    const warningOf = (output: string) =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{"level":40'))
        .map((line) => JSON.parse(line) as { msg: string; client_id?: string; replaced_client_id?: string });

    const second = await startCli({ DATA_DIR: dir, SCALEKIT_CLIENT_ID: 'skc_12345', SCALEKIT_CLIENT_SECRET: 'a-configured-secret-value' });
    try {
      const warnings = warningOf(second.output());
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({
        client_id: 'skc_12345',
        replaced_client_id: earlier,
        msg: `SCALEKIT_CLIENT_ID skc_12345 replaced the environment client ${earlier} stored in DATA_DIR: ${earlier} and its secrets no longer work (management API, dashboard, its tokens). To go back, start with SCALEKIT_CLIENT_ID=${earlier} and a SCALEKIT_CLIENT_SECRET.`,
      });
      // What the warning says: the earlier client no longer gets a token.
      const res = await tokenRequest(second.url, { grant_type: 'client_credentials', client_id: earlier, client_secret: earlierSecret });
      expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
    } finally {
      await second.stop();
    }
    // The same id again: nothing is replaced, nothing is said.
    const third = await startCli({ DATA_DIR: dir, SCALEKIT_CLIENT_ID: 'skc_12345', SCALEKIT_CLIENT_SECRET: 'a-configured-secret-value' });
    await third.stop();
    expect(warningOf(third.output())).toEqual([]);
  });

  it('uses SCALEKIT_ENVIRONMENT_URL as the issuer', async () => {
    const cli = await startCli({ DATA_DIR: dir, SCALEKIT_ENVIRONMENT_URL: 'http://auth.test:8080/' });
    try {
      expect(cli.url).toBe('http://auth.test:8080');
    } finally {
      await cli.stop();
    }
  });
});

describe('bad configuration and bad seeds fail clearly', () => {
  it.each([
    [{ PORT: 'eighty' }, /PORT: /],
    [{ SCALEKIT_ENVIRONMENT_URL: 'localhost:8080' }, /SCALEKIT_ENVIRONMENT_URL: must be an http/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of/],
    // What --help and the README say these take: 0, 1, true, false.
    [{ TEST_CONTROL: 'yes' }, /TEST_CONTROL: must be one of 0, 1, true, false$/m],
    [{ AUTO_LOGIN: 'on' }, /AUTO_LOGIN: must be one of 0, 1, true, false$/m],
    [{ ALLOW_INSECURE_CIMD: '2' }, /ALLOW_INSECURE_CIMD: must be one of 0, 1, true, false$/m],
    [{ SCALEKIT_CLIENT_ID: 'skc_1' }, /SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET/],
  ])('exits 2 naming the variable for %o', async (env, message) => {
    const { code, output } = await failingStart({ DATA_DIR: dir, ...env });
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 naming the field of a bad seed, and applies nothing', async () => {
    const seedPath = join(dir, 'seed.yaml');
    writeFileSync(seedPath, 'organizations:\n  - id: org_1\n    display_name: A\nclients:\n  - client_id: m2morg_1\n    organization_id: org_1\n    name: x\n    expiry: soon\n');
    const { code, output } = await failingStart({ DATA_DIR: join(dir, 'data'), SEED: seedPath });
    expect(code).toBe(2);
    expect(output).toContain('clients.0.expiry');
    expect(output).toContain(seedPath);
    expect(existsSync(join(dir, 'data', 'emulator.sqlite'))).toBe(false);
  });

  it('exits 2 saying what a seed holds, for an empty seed file or a misspelt key', async () => {
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    const first = await failingStart({ DATA_DIR: join(dir, 'data'), SEED: empty });
    expect(first.code).toBe(2);
    expect(first.output).toContain(
      `Invalid seed ${empty}:\n  - (root): the file is empty (or only comments, or null); a seed is a mapping of environment, organizations, resources, clients, users, test_users, trusted_identity_providers (each optional), as in the README's "Seed file"\n`,
    );
    const misspelt = join(dir, 'misspelt.yaml');
    writeFileSync(misspelt, 'organisations:\n  - id: org_1\n    display_name: Acme\n');
    const second = await failingStart({ DATA_DIR: join(dir, 'data'), SEED: misspelt });
    expect(second.code).toBe(2);
    expect(second.output).toContain(`  - (root): "organisations" (did you mean "organizations"?) is not a seed key; a seed's keys are environment, organizations, resources, clients, users, test_users, trusted_identity_providers\n`);
  });

  it('exits 2 for a seed file that does not exist', async () => {
    const { code, output } = await failingStart({ DATA_DIR: dir, SEED: join(dir, 'missing.json') });
    expect(code).toBe(2);
    expect(output).toMatch(/cannot be read \(ENOENT\)/);
  });
});

describe('start-up failures a user can cause name their cause and exit 2', () => {
  const expectExit2 = async (env: Record<string, string>, message: string) => {
    const { code, output } = await failingStart(env);
    expect(code).toBe(2);
    // The one line for a person; JSON log lines (the seed's audit lines, when it got that far) aside.
    const said = output.split('\n').filter((line) => line && !line.startsWith('{"level":'));
    expect(said).toEqual([message]);
  };

  it('DATA_DIR pointing at a file', async () => {
    writeFileSync(join(dir, 'file'), '');
    await expectExit2(
      { DATA_DIR: join(dir, 'file') },
      `DATA_DIR ${join(dir, 'file')} is not a folder: ${join(dir, 'file')} is a file. Set DATA_DIR to a folder (it is created when missing).`,
    );
  });

  it('DATA_DIR below a file', async () => {
    writeFileSync(join(dir, 'file'), '');
    const { code, output } = await failingStart({ DATA_DIR: join(dir, 'file', 'data') });
    expect(code).toBe(2);
    expect(output).toMatch(new RegExp(`^DATA_DIR ${join(dir, 'file', 'data')} is not a folder: ${join(dir, 'file')}\\S* is a file\\.`));
  });

  // Root writes through permission bits, so as root a read-only file system stands in for them.
  it('DATA_DIR that this user cannot write', async () => {
    let dataDir = '/sys/fs/scalekit-emulator-data';
    if (process.getuid?.() !== 0) {
      chmodSync(dir, 0o500);
      dataDir = join(dir, 'data');
    }
    try {
      const { code, output } = await failingStart({ DATA_DIR: dataDir });
      expect(code).toBe(2);
      expect(output).toMatch(new RegExp(`^DATA_DIR ${dataDir} is not writable by this user \\((EACCES|EPERM|EROFS) on ${dataDir}\\)\\. `));
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  // Each of these made `npm start` fail raw (exit 1, ENOENT) or, nested, spin in Node's recursive mkdir
  // at full CPU, deaf to SIGTERM (failingStart kills it after 15 s: exit code null).
  describe.runIf(existsSync('/proc/self'))('DATA_DIR that cannot be created', () => {
    const cannotBeMade = (dataDir: string, folder: string) =>
      `DATA_DIR ${dataDir} cannot be created: no folder can be made in ${dirname(folder)} (ENOENT on ${folder}); it is a system folder such as /proc, or a link to nowhere. Set DATA_DIR to a folder this user can create.`;

    it('a folder in /proc', async () => {
      await expectExit2({ DATA_DIR: '/proc/scalekit-emulator-data' }, cannotBeMade('/proc/scalekit-emulator-data', '/proc/scalekit-emulator-data'));
    });

    it('a folder below a missing folder in /proc', async () => {
      const dataDir = '/proc/scalekit-emulator/deeper/data';
      await expectExit2({ DATA_DIR: dataDir }, cannotBeMade(dataDir, '/proc/scalekit-emulator'));
    });

    it('a folder below a link to nowhere', async () => {
      symlinkSync(join(dir, 'gone'), join(dir, 'link'));
      const dataDir = join(dir, 'link', 'a', 'data');
      await expectExit2({ DATA_DIR: dataDir }, cannotBeMade(dataDir, join(dir, 'link', 'a')));
    });

    it('a name longer than the file system takes', async () => {
      const long = join(dir, 'x'.repeat(300));
      await expectExit2(
        { DATA_DIR: join(long, 'data') },
        `DATA_DIR ${join(long, 'data')} cannot be created: making ${long} failed (ENAMETOOLONG). Set DATA_DIR to a folder this user can create.`,
      );
    });
  });

  it('a database file that is not a database', async () => {
    writeFileSync(join(dir, 'emulator.sqlite'), 'this is not SQLite, it is a shopping list\n'.repeat(200));
    await expectExit2(
      { DATA_DIR: dir },
      `DATA_DIR ${dir}: ${join(dir, 'emulator.sqlite')} is not a database of this server, or is damaged (SQLITE_NOTADB). Restore it from a backup, or set DATA_DIR to another folder.`,
    );
  });

  it('a damaged key file', async () => {
    writeFileSync(join(dir, 'emulator.keys.json'), '{"secret_hash_key": ');
    await expectExit2(
      { DATA_DIR: dir },
      `DATA_DIR ${dir}: ${join(dir, 'emulator.keys.json')} is not JSON; restore it from a backup, or delete it to make new keys`,
    );
  });

  it('PORT already in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expectExit2(
        { DATA_DIR: dir, PORT: String(port) },
        `PORT ${port} is already in use on HOST 127.0.0.1 (127.0.0.1:${port}). Stop what listens there, or set PORT to another port (0 picks a free one).`,
      );
    } finally {
      taken.close();
    }
  });

  it('HOST that is not an address of this machine', async () => {
    await expectExit2(
      { DATA_DIR: dir, HOST: '192.0.2.1' }, // TEST-NET-1: assigned to no machine
      'HOST 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL). Use 0.0.0.0 for every interface, or 127.0.0.1 for this machine only.',
    );
  });
});

describe('npm start', () => {
  it('SIGTERM to the npm process stops the server too', async () => {
    // --ignore-scripts skips prestart (the build, done already); start itself still runs.
    const npm = spawn('npm', ['start', '--ignore-scripts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const started = new Promise<{ pid: number; url: string }>((resolve) =>
      npm.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const line = output.split('\n').find((l) => l.includes('"msg":"started"'));
        if (line) resolve({ pid: (JSON.parse(line) as { pid: number }).pid, url: (JSON.parse(line) as { issuer: string }).issuer });
      }),
    );
    const exited = once(npm, 'exit');
    const server = await started;
    try {
      expect(server.pid).not.toBe(npm.pid);
      npm.kill('SIGTERM');
      expect(await exited).toEqual([0, null]);
      while (isRunning(server.pid)) await sleep(20);
      await expect(fetch(`${server.url}/health`)).rejects.toThrow(new TypeError('fetch failed'));
    } finally {
      if (isRunning(server.pid)) process.kill(server.pid, 'SIGKILL');
    }
  });
});

