#!/usr/bin/env node
// `npm start` runs this first (prestart). In a checkout it brings dist/ up to date with `tsc -b`: the
// first start compiles everything; later starts compile again only when a source file or a tsconfig is
// newer than the outputs, or an output is missing, and otherwise cost a comparison of file times. (Not
// `incremental`: its build record stands in for the outputs, so a deleted output would not be rebuilt.)
// An installed package ships dist/ without src/ or TypeScript: there is nothing to build, so it does not try.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'src'))) process.exit(0);

// tsc -b writes its record of the last build here.
if (!existsSync(join(root, 'dist/tsconfig.build.tsbuildinfo'))) {
  process.stderr.write('First start: compiling the TypeScript sources into dist/ (half a minute at most; later starts reuse it)\n');
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status, error } = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (error) throw error;
process.exit(status ?? 1);
