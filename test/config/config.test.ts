import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configDescriptions, configReference, loadConfig, type Config } from '../../src/config/index.js';

const CWD = resolve('/srv/emulator');
const SECRET = 'a-client-secret-of-32-characters';

/** The ConfigError `loadConfig(env)` throws; fails the test when it does not throw one. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  let config: Config | undefined;
  try {
    config = loadConfig(env, CWD);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  expect.fail(`expected a ConfigError, got ${JSON.stringify(config)}`);
}

describe('loadConfig defaults', () => {
  it('listens on port 8080', () => {
    expect(loadConfig({}, CWD).port).toBe(8080);
  });

  it('listens on host 0.0.0.0', () => {
    expect(loadConfig({}, CWD).host).toBe('0.0.0.0');
  });

  it('puts the database at data/emulator.sqlite under the given cwd', () => {
    expect(loadConfig({}, CWD).databasePath).toBe(join(CWD, 'data', 'emulator.sqlite'));
  });

  it('logs at level info', () => {
    expect(loadConfig({}, CWD).logLevel).toBe('info');
  });

  it('leaves environmentUrl, environmentClient and seedPath undefined when unset', () => {
    const config = loadConfig({}, CWD);
    expect(config.environmentUrl).toBeUndefined();
    expect(config.environmentClient).toBeUndefined();
    expect(config.seedPath).toBeUndefined();
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', FOO: 'bar' }, CWD)).toEqual(loadConfig({}, CWD));
  });
});

describe('loadConfig with values set', () => {
  it('strips trailing slashes from SCALEKIT_ENVIRONMENT_URL', () => {
    expect(loadConfig({ SCALEKIT_ENVIRONMENT_URL: 'https://auth.example.com/' }, CWD).environmentUrl).toBe(
      'https://auth.example.com',
    );
    expect(loadConfig({ SCALEKIT_ENVIRONMENT_URL: 'http://localhost:8080/env///' }, CWD).environmentUrl).toBe(
      'http://localhost:8080/env',
    );
  });

  it('reads PORT as a number', () => {
    expect(loadConfig({ PORT: '3000' }, CWD).port).toBe(3000);
    expect(loadConfig({ PORT: '0' }, CWD).port).toBe(0);
  });

  it('resolves a relative DATA_DIR against cwd and keeps an absolute one', () => {
    expect(loadConfig({ DATA_DIR: 'state' }, CWD).databasePath).toBe(join(CWD, 'state', 'emulator.sqlite'));
    const abs = resolve('/var/lib/emulator');
    expect(loadConfig({ DATA_DIR: abs }, CWD).databasePath).toBe(join(abs, 'emulator.sqlite'));
  });

  it('resolves SEED against cwd', () => {
    expect(loadConfig({ SEED: 'seed.yaml' }, CWD).seedPath).toBe(join(CWD, 'seed.yaml'));
  });

  it('gives environmentClient when both SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET are set', () => {
    expect(loadConfig({ SCALEKIT_CLIENT_ID: 'skc_123', SCALEKIT_CLIENT_SECRET: SECRET }, CWD).environmentClient).toEqual({
      clientId: 'skc_123',
      clientSecret: SECRET,
    });
  });

  it('accepts every pino level for LOG_LEVEL', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) {
      expect(loadConfig({ LOG_LEVEL: level }, CWD).logLevel).toBe(level);
    }
  });
});

describe('loadConfig with a bad value throws a ConfigError naming the variable', () => {
  it.each([
    ['SCALEKIT_ENVIRONMENT_URL', 'not a url'],
    ['SCALEKIT_ENVIRONMENT_URL', 'ftp://x'],
    ['SCALEKIT_ENVIRONMENT_URL', 'http://x/?a=1'],
    ['SCALEKIT_ENVIRONMENT_URL', 'http://x/#top'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['SCALEKIT_CLIENT_ID', 'abc'],
  ])('%s=%j', (name, value) => {
    const env: Record<string, string> = { [name]: value };
    if (name === 'SCALEKIT_CLIENT_ID') env.SCALEKIT_CLIENT_SECRET = SECRET;
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('says why a URL with a query is refused', () => {
    expect(problemsOf({ SCALEKIT_ENVIRONMENT_URL: 'http://x/?a=1' })).toEqual([
      'SCALEKIT_ENVIRONMENT_URL: must not carry a query or a fragment',
    ]);
  });

  it('puts every problem in the message, one per line', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' }, CWD);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(2);
    expect((error as ConfigError).message).toMatch(/^Invalid configuration:\n {2}- PORT: .*\n {2}- LOG_LEVEL: /);
  });

  it('refuses SCALEKIT_CLIENT_ID set without SCALEKIT_CLIENT_SECRET', () => {
    const problems = problemsOf({ SCALEKIT_CLIENT_ID: 'skc_123' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('SCALEKIT_CLIENT_ID');
    expect(problems[0]).toContain('SCALEKIT_CLIENT_SECRET');
  });

  it('refuses SCALEKIT_CLIENT_SECRET set without SCALEKIT_CLIENT_ID', () => {
    const problems = problemsOf({ SCALEKIT_CLIENT_SECRET: SECRET });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('SCALEKIT_CLIENT_ID');
    expect(problems[0]).toContain('SCALEKIT_CLIENT_SECRET');
  });

  it('refuses a SCALEKIT_CLIENT_SECRET shorter than 16 characters', () => {
    expect(problemsOf({ SCALEKIT_CLIENT_ID: 'skc_1', SCALEKIT_CLIENT_SECRET: 'short' })[0]).toMatch(/^SCALEKIT_CLIENT_SECRET: /);
  });

  // `Number(' ')` is 0, and PORT=0 means "pick a free port": a blank PORT silently moves the server.
  it('a blank PORT (" ") never resolves to port 0', () => {
    let port: number | undefined;
    try {
      port = loadConfig({ PORT: ' ' }, CWD).port;
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return;
    }
    expect(port).not.toBe(0);
  });
});

describe('an empty string counts as unset', () => {
  it('gives the defaults when every variable is the empty string', () => {
    const empty = Object.fromEntries(Object.keys(configDescriptions).map((k) => [k, '']));
    expect(loadConfig(empty, CWD)).toEqual(loadConfig({}, CWD));
  });

  it('accepts an empty SCALEKIT_CLIENT_SECRET next to an empty SCALEKIT_CLIENT_ID', () => {
    expect(loadConfig({ SCALEKIT_CLIENT_ID: '', SCALEKIT_CLIENT_SECRET: '' }, CWD).environmentClient).toBeUndefined();
  });

  it('refuses SCALEKIT_CLIENT_ID set next to an empty SCALEKIT_CLIENT_SECRET', () => {
    expect(problemsOf({ SCALEKIT_CLIENT_ID: 'skc_123', SCALEKIT_CLIENT_SECRET: '' })[0]).toContain('set both or neither');
  });

  it('takes an empty PORT as the default 8080', () => {
    expect(loadConfig({ PORT: '' }, CWD).port).toBe(8080);
  });
});

describe('configDescriptions', () => {
  it('describes every variable loadConfig reads', () => {
    expect(Object.keys(configDescriptions).sort()).toEqual(
      [
        'ADMIN_PASSWORD',
        'ALLOW_INSECURE_CIMD',
        'AUDIT_RETENTION_DAYS',
        'AUTO_LOGIN',
        'DATA_DIR',
        'HOST',
        'LOGIN_METHOD',
        'LOG_LEVEL',
        'PORT',
        'SCALEKIT_CLIENT_ID',
        'SCALEKIT_CLIENT_SECRET',
        'SCALEKIT_ENVIRONMENT_URL',
        'SEED',
        'SMTP_URL',
        'TEST_CONTROL',
        'TEST_CONTROL_TOKEN',
      ],
    );
    for (const text of Object.values(configDescriptions)) expect(text).toBeTruthy();
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  it('keeps 7 days by default, takes 0 (keep everything) and fractions of a day', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(7);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBe(0);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '0.5' }).auditRetentionDays).toBe(0.5);
  });

  it('names the variable for a negative or non-numeric value', () => {
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '-1' })).toThrow(/AUDIT_RETENTION_DAYS: must be 0 or more/);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: 'week' })).toThrow(/AUDIT_RETENTION_DAYS: must be a number of days/);
  });
});

describe('TEST_CONTROL', () => {
  it('is off by default and on for 1 or true', () => {
    const loopback = { HOST: '127.0.0.1' };
    expect(loadConfig({}).testControl).toBe(false);
    expect(loadConfig({ ...loopback, TEST_CONTROL: '1' }).testControl).toBe(true);
    expect(loadConfig({ ...loopback, TEST_CONTROL: 'true' }).testControl).toBe(true);
    expect(loadConfig({ TEST_CONTROL: '0' }).testControl).toBe(false);
  });

  it('names the variable for any other value', () => {
    expect(problemsOf({ TEST_CONTROL: 'yes' })).toEqual(['TEST_CONTROL: must be one of 0, 1, true, false']);
  });
});

describe('on/off settings: TEST_CONTROL, AUTO_LOGIN, ALLOW_INSECURE_CIMD', () => {
  const flags = ['TEST_CONTROL', 'AUTO_LOGIN', 'ALLOW_INSECURE_CIMD'];

  it.each(flags)('%s refuses another value with the values --help and the README list', (name) => {
    const listed = configReference.find((s) => s.name === name)!.allowed;
    expect(listed).toEqual(['0', '1', 'true', 'false']);
    expect(problemsOf({ HOST: '127.0.0.1', [name]: 'yes' })).toEqual([`${name}: must be one of ${listed.join(', ')}`]);
  });

  it.each(flags)('%s takes true and false as well as 1 and 0', (name) => {
    const on = loadConfig({ HOST: '127.0.0.1', [name]: 'true' });
    const off = loadConfig({ HOST: '127.0.0.1', [name]: 'false' });
    const key = { TEST_CONTROL: 'testControl', AUTO_LOGIN: 'autoLogin', ALLOW_INSECURE_CIMD: 'allowInsecureCimd' }[name] as keyof Config;
    expect([on[key], off[key]]).toEqual([true, false]);
  });
});

describe('TEST_CONTROL on a HOST other people can reach', () => {
  const TOKEN = 'a-test-control-token-0123456789';

  it('is refused without TEST_CONTROL_TOKEN, naming TEST_CONTROL, HOST and TEST_CONTROL_TOKEN', () => {
    for (const HOST of ['0.0.0.0', '::', '192.168.1.20', 'emulator.example']) {
      const [problem] = problemsOf({ TEST_CONTROL: '1', HOST });
      expect(problem).toContain(`TEST_CONTROL=1 with HOST=${HOST}`);
      expect(problem).toContain('set TEST_CONTROL_TOKEN');
    }
    expect(problemsOf({ TEST_CONTROL: '1' })[0]).toContain('HOST=0.0.0.0'); // the default HOST
  });

  it('is accepted with TEST_CONTROL_TOKEN, which the config then carries', () => {
    expect(loadConfig({ TEST_CONTROL: '1', HOST: '0.0.0.0', TEST_CONTROL_TOKEN: TOKEN }).testControlToken).toBe(TOKEN);
  });

  it('needs no token on a loopback HOST', () => {
    for (const HOST of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) {
      expect(loadConfig({ TEST_CONTROL: '1', HOST }).testControlToken).toBeUndefined();
    }
  });

  it('refuses a TEST_CONTROL_TOKEN shorter than 16 characters', () => {
    expect(problemsOf({ TEST_CONTROL_TOKEN: 'short' })).toEqual(['TEST_CONTROL_TOKEN: must be at least 16 characters']);
  });
});

describe('the pages: LOGIN_METHOD, ADMIN_PASSWORD, SMTP_URL', () => {
  it('asks for a password after the email by default, and for an email code with LOGIN_METHOD=email_code', () => {
    expect(loadConfig({}).loginMethod).toBe('password');
    expect(loadConfig({ LOGIN_METHOD: 'email_code' }).loginMethod).toBe('email_code');
    expect(problemsOf({ LOGIN_METHOD: 'magic' })).toEqual(['LOGIN_METHOD: must be password or email_code']);
  });

  it('carries ADMIN_PASSWORD when set, and refuses one shorter than 12 characters', () => {
    expect(loadConfig({}).adminPassword).toBeUndefined();
    expect(loadConfig({ ADMIN_PASSWORD: 'a-dashboard-password' }).adminPassword).toBe('a-dashboard-password');
    expect(problemsOf({ ADMIN_PASSWORD: 'short' })).toEqual(['ADMIN_PASSWORD: must be at least 12 characters']);
  });

  it('takes an smtp:// or smtps:// SMTP_URL and refuses any other', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://localhost:1025' }).smtpUrl).toBe('smtp://localhost:1025');
    expect(problemsOf({ SMTP_URL: 'http://localhost:1025' })).toEqual(['SMTP_URL: must be an smtp:// or smtps:// URL']);
  });
});
