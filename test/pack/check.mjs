// `npm pack` smoke test: the tarball holds compiled output only, installs into an empty folder, and
// both `npx scalekit-emulator start` and `import { startEmulator } from 'scalekit-emulator'` work there.
// It packs a fresh clone of the committed tree (HEAD), as a newcomer would, not this folder, whose
// dist/ is already built: the package must build itself on pack. Run by `npm test` after the unit and
// e2e suites (it compiles better-sqlite3 once, about a minute).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'emulator-pack-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const step = (text) => console.log(`pack: ${text}`);
const fail = (text) => {
  console.error(`pack: FAILED: ${text}`);
  process.exitCode = 1;
  throw new Error(text);
};

try {
  const checkout = join(work, 'checkout');
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  step(`cloning HEAD (${head}; uncommitted changes are not in it)`);
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, checkout]);
  if (existsSync(join(checkout, 'dist'))) fail('the clone has a dist/ folder: is dist/ committed?');
  // The dependencies are this folder's (installing them again would take minutes); the build is the clone's own.
  symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'));
  const [{ filename, files }] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], checkout));
  step(`packed ${filename} (${files.length} files)`);
  const stray = files.map((f) => f.path).filter((p) => !/^(dist\/src\/.+\.(js|d\.ts|js\.map|d\.ts\.map)|migrations\/(sqlite|postgres)\/\d{3}_[a-z0-9_]+\.sql|views\/[a-z0-9_/-]+\.(eta|css|js|svg)|scripts\/build-checkout\.mjs|package\.json|README\.md|LICENSE)$/.test(p));
  if (stray.length) fail(`unexpected files in the package: ${stray.join(', ')}`);
  for (const needed of ['dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'migrations/sqlite/001_initial.sql', 'migrations/postgres/001_initial.sql', 'views/login-email.eta', 'views/assets/styles.css', 'views/dashboard/layout.eta', 'views/assets/dashboard.js', 'views/assets/passkeys.js', 'views/assets/favicon.svg', 'scripts/build-checkout.mjs']) {
    if (!files.some((f) => f.path === needed)) fail(`missing ${needed}`);
  }

  const consumer = join(work, 'consumer');
  execFileSync('mkdir', ['-p', consumer]);
  // npm 11 runs a dependency's install script only when the project allows it.
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }));
  step('installing the tarball into an empty folder');
  npm(['install', '--no-audit', '--no-fund', join(work, filename)], consumer);

  step('npx scalekit-emulator start');
  await cliWorks(consumer);

  // `npm start` inside the installed package: its prestart finds no sources and builds nothing.
  step('npm run prestart in the installed package builds nothing');
  const installed = join(consumer, 'node_modules', 'scalekit-emulator');
  const prestart = execFileSync('npm', ['run', '--silent', 'prestart'], { cwd: installed, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (prestart !== '' || existsSync(join(installed, 'dist', 'tsconfig.build.tsbuildinfo'))) fail(`prestart tried to build: ${prestart}`);

  step("import { startEmulator } from 'scalekit-emulator'");
  writeFileSync(
    join(consumer, 'use.mjs'),
    `import { startEmulator } from 'scalekit-emulator';
const em = await startEmulator({ keys: 'fixed' });
const token = await em.mintToken({ scopes: ['todo:read'] });
const res = await fetch(em.urls.keys);
await em.close();
if (res.status !== 200 || token.split('.').length !== 3) process.exit(1);
console.log('fixture ok');`,
  );
  const out = execFileSync(process.execPath, ['use.mjs'], { cwd: consumer, encoding: 'utf8' });
  if (!out.includes('fixture ok')) fail('the fixture did not work from the installed package');

  step('types resolve for a TypeScript consumer');
  writeFileSync(
    join(consumer, 'use.ts'),
    `import { startEmulator, type Emulator, type MintOptions } from 'scalekit-emulator';
const options: MintOptions = { broken: 'expired' };
const em: Emulator = await startEmulator({ keys: 'fixed' });
export const token: Promise<string> = em.mintToken(options);`,
  );
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'use.ts'], { cwd: consumer, stdio: 'inherit' });
  step('ok');
} finally {
  rmSync(work, { recursive: true, force: true });
}

function cliWorks(cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npx', ['--no-install', 'scalekit-emulator', 'start'], {
      cwd,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npx runs the bin in a child that must be stopped too
    });
    let output = '';
    const timer = setTimeout(() => finish(new Error(`no start within 20 s:\n${output}`)), 20_000);
    const finish = (err) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      if (err) reject(err);
      else resolvePromise();
    };
    const onData = async (chunk) => {
      output += chunk;
      const url = /emulator listening: (\S+)/.exec(output)?.[1];
      const secret = /m2morg_10000000000000001\s+client_secret\s+(\S+)/.exec(output)?.[1];
      if (!url || !secret || child.done) return;
      child.done = true;
      try {
        const res = await fetch(`${url}/oauth/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'm2morg_10000000000000001', client_secret: secret }),
        });
        if (res.status !== 200) throw new Error(`token request answered ${res.status}`);
        finish();
      } catch (err) {
        finish(err);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => child.done || finish(new Error(`exited ${code}:\n${output}`)));
  });
}
