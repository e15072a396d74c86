// What `npm start` compiles before it starts (prestart: scripts/build-checkout.mjs). A small project with
// this repository's package.json scripts, build script and tsconfigs stands in for a checkout, so that
// each build takes a second and the repository's own dist/ (which other tests run) is never rewritten.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const { scripts } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'emulator-prestart-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'checkout', private: true, type: 'module', scripts }));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'scripts/build-checkout.mjs']) cpSync(join(repo, file), join(project, file));
  symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'));
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'src/a.ts'), '// a comment\nexport const a: number = 1;\n');
  writeFileSync(join(project, 'src/b.ts'), "import { a } from './a.js';\nexport const b = a + 1;\n");
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

/** Runs `npm run prestart` (what `npm start` runs first) in the project. */
function prestart() {
  const run = spawnSync('npm', ['run', '--silent', 'prestart'], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
  return { code: run.status, stderr: run.stderr };
}

/** Every file under dist/ with its modification time. */
function distFiles(): Record<string, number> {
  const dist = join(project, 'dist');
  return Object.fromEntries(
    readdirSync(dist, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .map((path) => [relative(dist, path), statSync(path).mtimeMs]),
  );
}

const read = (path: string) => readFileSync(join(project, path), 'utf8');
/** Moves a file's modification time a minute ahead, as an editor's save after the last build would. */
const later = (path: string) => utimesSync(join(project, path), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));

describe('npm start compiles only what changed', () => {
  it('the first start compiles into dist/ and says so', () => {
    const first = prestart();
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('First start: compiling the TypeScript sources into dist/');
    expect(read('dist/src/a.js')).toContain('export const a = 1;');
    expect(read('dist/src/b.js')).toContain('export const b = a + 1;');
  });

  it('a start with nothing changed runs no compiler: no file in dist/ is written', () => {
    expect(prestart().code).toBe(0);
    const before = distFiles();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['src/a.js', 'src/a.d.ts', 'src/a.js.map', 'tsconfig.build.tsbuildinfo']));
    const again = prestart();
    expect(again).toEqual({ code: 0, stderr: '' });
    expect(distFiles()).toEqual(before);
  });

  it('a changed source file is compiled again', () => {
    expect(prestart().code).toBe(0);
    writeFileSync(join(project, 'src/a.ts'), 'export const a: number = 2;\n');
    later('src/a.ts');
    expect(prestart().code).toBe(0);
    expect(read('dist/src/a.js')).toContain('export const a = 2;');
  });

  it('a changed tsconfig compiles again with it', () => {
    expect(prestart().code).toBe(0);
    expect(read('dist/src/a.js')).toContain('// a comment');
    const config = JSON.parse(read('tsconfig.build.json')) as object;
    writeFileSync(join(project, 'tsconfig.build.json'), JSON.stringify({ ...config, compilerOptions: { removeComments: true } }));
    later('tsconfig.build.json');
    expect(prestart().code).toBe(0);
    expect(read('dist/src/a.js')).not.toContain('// a comment');
  });

  it('a deleted output file is written again', () => {
    expect(prestart().code).toBe(0);
    rmSync(join(project, 'dist/src/b.js'));
    expect(prestart().code).toBe(0);
    expect(read('dist/src/b.js')).toContain('export const b = a + 1;');
  });

  it('an installed package (dist/ without src/ or TypeScript) does not try to build', () => {
    expect(prestart().code).toBe(0);
    const before = distFiles();
    rmSync(join(project, 'src'), { recursive: true });
    rmSync(join(project, 'node_modules'));
    expect(prestart()).toEqual({ code: 0, stderr: '' });
    expect(distFiles()).toEqual(before);
  });
});
