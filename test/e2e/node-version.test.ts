// An older Node.js on PATH (Node 20 is still many machines' default `node`): the CLI and the package's
// main entry say which version they need and exit 2, before anything fails to link or load.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const PACKAGE_MAIN = new URL('../../dist/src/index.js', import.meta.url).href;

// The system's own `node`, outside the Node 22 that runs this suite.
function systemNode(): { path: string; version: string } | undefined {
  const probe = spawnSync('sh', ['-c', 'command -v node && node --version'], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    encoding: 'utf8',
  });
  const [path, version] = probe.stdout.trim().split('\n');
  return path && version ? { path, version: version.replace(/^v/, '') } : undefined;
}

const old = systemNode();
const tooOld = old !== undefined && Number(old.version.split('.')[0]) < 22;

describe.skipIf(!tooOld)(`on the system's Node.js ${old?.version ?? '(none)'}`, () => {
  const expected = `Node.js 22 or later is required, found ${old?.version}\n`;

  it('the CLI prints the required version and exits 2', () => {
    const run = spawnSync(old!.path, [CLI, 'start'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', PORT: '0' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(expected);
    expect(run.stdout).toBe('');
  });

  it('importing the package (the fixture) prints the required version and exits 2', () => {
    const run = spawnSync(old!.path, ['--input-type=module', '-e', `await import(${JSON.stringify(PACKAGE_MAIN)}); console.log('imported');`], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(expected);
    expect(run.stdout).toBe('');
  });
});
