// docker-compose.yml as Compose reads it: `${NAME:-default}` taken from the shell (or .env), so the
// host ports can move when 8080 or 3002 is taken, and the URLs people and MCP hosts use follow them.
// (The stack itself runs under `.ci/run` with test/compose/check.mjs.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const composeText = readFileSync(new URL('docker-compose.yml', root), 'utf8');

interface Service {
  ports: string[];
  environment: Record<string, string>;
}

/** The services with Compose's interpolation (`${NAME}`, `${NAME:-default}`: default when unset or empty) from `env`. */
function services(env: Record<string, string>): Record<string, Service> {
  const text = composeText.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback = '') => env[name] || fallback);
  return (parse(text) as { services: Record<string, Service> }).services;
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
