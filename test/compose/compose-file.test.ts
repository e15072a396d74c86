// docker-compose.yml as Compose reads it: `${NAME:-default}` taken from the shell (or .env), so the
// host ports can move when 8080 or 3002 is taken, and the URLs people and MCP hosts use follow them.
// (The stack itself runs under `.ci/run` with test/compose/check.mjs.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS } from '../../src/config/index.js';

const root = new URL('../../', import.meta.url);

interface Service {
  ports: string[];
  environment: Record<string, string>;
}

/** The services with Compose's interpolation (`${NAME}`, `${NAME:-default}`: default when unset or empty) from `env`. */
function services(env: Record<string, string>, file = 'docker-compose.yml'): Record<string, Service> {
  const text = readFileSync(new URL(file, root), 'utf8').replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback = '') => env[name] || fallback);
  // merge: `<<: *anchor`, as Compose reads it (the replicas share one definition).
  return (parse(text, { merge: true }) as { services: Record<string, Service> }).services;
}

describe('docker-compose.yml host ports', () => {
  it('are 8080 (emulator) and 3002 (Todo server) by default, with the URLs on them', () => {
    const { emulator, 'todo-mcp-server': todo } = services({});
    expect(emulator!.ports).toEqual(['8080:8080']);
    expect(todo!.ports).toEqual(['3002:3002']);
    expect(emulator!.environment.SCALEKIT_ENVIRONMENT_URL).toBe('http://localhost:8080');
    expect(todo!.environment).toMatchObject({ SCALEKIT_PUBLIC_URL: 'http://localhost:8080', MCP_SERVER_URL: 'http://localhost:3002/' });
  });

  it('move with EMULATOR_PORT and TODO_PORT; the issuer and the Todo server URL follow, the container ports stay', () => {
    const { emulator, 'todo-mcp-server': todo } = services({ EMULATOR_PORT: '9080', TODO_PORT: '4002' });
    expect(emulator!.ports).toEqual(['9080:8080']);
    expect(todo!.ports).toEqual(['4002:3002']);
    expect(emulator!.environment.SCALEKIT_ENVIRONMENT_URL).toBe('http://localhost:9080');
    expect(todo!.environment).toMatchObject({
      PORT: '3002',
      SCALEKIT_ENVIRONMENT_URL: 'http://emulator:8080',
      SCALEKIT_PUBLIC_URL: 'http://localhost:9080',
      MCP_SERVER_URL: 'http://localhost:4002/',
    });
  });

  it('are documented in the README', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(readme).toContain('`EMULATOR_PORT`');
    expect(readme).toContain('`TODO_PORT`');
  });
});

// docker-compose.postgres.yml: replicas on one database behind HAProxy in TCP mode (deploy/haproxy.cfg).
// The stack itself runs under `.ci/run` with test/compose/check-replicas.mjs.
describe('docker-compose.postgres.yml', () => {
  const file = 'docker-compose.postgres.yml';
  const haproxy = readFileSync(new URL('deploy/haproxy.cfg', root), 'utf8');
  const replicasOf = (all: Record<string, Service>) =>
    Object.entries(all).filter(([, s]) => (s as Service & { build?: { target?: string } }).build?.target === 'emulator');

  it('publishes only the balancer, on EMULATOR_PORT, and every replica names its URL (ISSUER_HOST) as the issuer', () => {
    const cases = [
      [{}, '8080', 'http://localhost:8080'],
      [{ EMULATOR_PORT: '9080', ISSUER_HOST: 'auth.ci.internal' }, '9080', 'http://auth.ci.internal:9080'],
    ] as const;
    for (const [env, port, issuer] of cases) {
      const all = services(env, file);
      expect(Object.entries(all).filter(([, s]) => s.ports).map(([name, s]) => [name, s.ports])).toEqual([['balancer', [`${port}:8080`]]]);
      const replicas = replicasOf(all);
      expect(replicas.map(([name]) => name)).toEqual(['emulator-a', 'emulator-b']);
      for (const [, replica] of replicas) expect(replica.environment.SCALEKIT_ENVIRONMENT_URL).toBe(issuer);
    }
  });

  it('gives every replica the same settings, and a DATABASE_URL that is the postgres service with its own user, password and database', () => {
    for (const env of [{}, { POSTGRES_PASSWORD: 'another-password-0123' }] as Record<string, string>[]) {
      const all = services(env, file);
      const [[, first], ...others] = replicasOf(all) as [[string, Service], ...[string, Service][]];
      for (const [, other] of others) expect(other.environment).toEqual(first.environment);
      // Each its own named /data (only TLS=1's CA lives there), so `down`/`up` leaves no anonymous volume.
      const dataVolumes = replicasOf(all).map(([, r]) => (r as Service & { volumes: string[] }).volumes.find((v) => v.endsWith(':/data')));
      expect(new Set(dataVolumes).size).toBe(dataVolumes.length);
      const url = new URL(first.environment.DATABASE_URL!);
      const db = all.postgres!.environment;
      expect([url.protocol, url.hostname, url.port, url.username, decodeURIComponent(url.password), url.pathname]).toEqual([
        'postgres:', 'postgres', '5432', db.POSTGRES_USER, db.POSTGRES_PASSWORD, `/${db.POSTGRES_DB}`,
      ]);
    }
  });

  it('balances in TCP mode over every replica, with the per-address cap at the balancer and none of X-Forwarded-* trusted', () => {
    const replicas = replicasOf(services({}, file));
    expect(haproxy).toMatch(/^\s*mode tcp$/m);
    expect(haproxy).toMatch(/^\s*bind :8080$/m);
    expect([...haproxy.matchAll(/^\s*server (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]])).toEqual(replicas.map(([name]) => [name, `${name}:8080`]));
    // The replicas see one address (the balancer's): their own per-address cap is their total, the
    // balancer's is the emulator's default per address, and its slots per replica are the replica's total.
    expect(haproxy).toContain(`reject if { sc0_conn_cur gt ${DEFAULT_MAX_CONNECTIONS_PER_ADDRESS} }`);
    expect(haproxy).toMatch(new RegExp(`^\\s*default-server .*\\bmaxconn ${DEFAULT_MAX_CONNECTIONS}\\b`, 'm'));
    for (const [, replica] of replicas) {
      expect(replica.environment.MAX_CONNECTIONS_PER_ADDRESS).toBe(String(DEFAULT_MAX_CONNECTIONS));
      expect(replica.environment).not.toHaveProperty('TRUST_PROXY');
      expect(replica.environment).not.toHaveProperty('TEST_CONTROL');
      expect(replica.environment.EMULATION_SHORTCUTS).toBe('off');
    }
  });

  it('gives every variable it reads a default, as podman-compose passes `${NAME:-}` on literally', () => {
    expect(readFileSync(new URL(file, root), 'utf8').match(/\$\{\w+(:-)?\}/g)).toBeNull();
  });

  it('names official images that test/compose/standins/build.sh can stand in for where Docker Hub is unreachable', () => {
    const images = Object.values(services({}, file)).map((s) => (s as Service & { image?: string }).image).filter(Boolean);
    expect(images).toEqual(['docker.io/library/postgres:15-bookworm', 'docker.io/library/haproxy:lts']);
    const standins = readFileSync(new URL('test/compose/standins/build.sh', root), 'utf8');
    for (const image of images) expect(standins).toContain(`${image!.slice(0, image!.indexOf(':'))}:*)`);
  });
});
