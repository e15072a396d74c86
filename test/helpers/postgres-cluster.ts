// vitest globalSetup: the PostgreSQL server the suite's PostgreSQL runs use. TEST_DATABASE_URL (a
// superuser URL on a throwaway server) wins; without it, when Debian's PostgreSQL binaries are there
// (/usr/lib/postgresql/<version>/bin), .ci/postgres starts a throwaway cluster (as CI does: a temporary
// folder, the `postgres` user under root, 127.0.0.1 on a free port, no fsync), stopped and removed at
// the end. Without either, the PostgreSQL runs are skipped (vitest.config.ts says so once).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CI_POSTGRES = fileURLToPath(new URL('../../.ci/postgres', import.meta.url));

/** The bin folder of the newest PostgreSQL Debian installed, if any. */
function debianPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

export default function setup(): (() => void) | undefined {
  if (process.env.TEST_DATABASE_URL) return undefined; // given, or started by an earlier project's setup
  if (!debianPostgresBin()) return undefined;
  const exports = execFileSync(CI_POSTGRES, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const value = (name: string) => new RegExp(`^export ${name}=(.*)$`, 'm').exec(exports)?.[1];
  const dir = value('CI_POSTGRES_DIR')!;
  process.env.TEST_DATABASE_URL = value('TEST_DATABASE_URL');
  return () => {
    try {
      execFileSync(CI_POSTGRES, ['stop', dir], { stdio: 'ignore' });
    } finally {
      delete process.env.TEST_DATABASE_URL;
    }
  };
}
