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

  it('listens on host 127.0.0.1 (this machine only), still named localhost in the default environment URL', () => {
    expect(loadConfig({}, CWD)).toMatchObject({ host: '127.0.0.1', environmentHost: 'localhost' });
    expect(loadConfig({ HOST: '127.0.0.1' }, CWD).environmentHost).toBeUndefined();
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
        'ALLOW_INSECURE_JWKS',
        'AUDIT_RETENTION_DAYS',
        'AUTO_LOGIN',
        'DATABASE_POOL_SIZE',
        'DATABASE_URL',
        'DATA_DIR',
        'EMULATION_SHORTCUTS',
        'HOST',
        'LOGIN_METHOD',
        'LOG_LEVEL',
        'MAX_CONNECTIONS',
        'MAX_CONNECTIONS_PER_ADDRESS',
        'PORT',
        'REGISTRATION_RATE_LIMIT',
        'SCALEKIT_CLIENT_ID',
        'SCALEKIT_CLIENT_SECRET',
        'SCALEKIT_ENVIRONMENT_URL',
        'SEED',
        'SMTP_URL',
        'TEST_CONTROL',
        'TEST_CONTROL_TOKEN',
        'TLS',
        'TLS_CERT',
        'TLS_KEY',
        'TLS_NAMES',
        'TRUST_PROXY',
        'UNUSED_DCR_CLIENT_DAYS',
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

describe('REGISTRATION_RATE_LIMIT and UNUSED_DCR_CLIENT_DAYS', () => {
  it('default to 20 registrations an hour and 7 days, and take 0 (off)', () => {
    expect(loadConfig({})).toMatchObject({ registrationRateLimit: 20, unusedDcrClientDays: 7 });
    expect(loadConfig({ REGISTRATION_RATE_LIMIT: '0', UNUSED_DCR_CLIENT_DAYS: '0' })).toMatchObject({ registrationRateLimit: 0, unusedDcrClientDays: 0 });
    expect(loadConfig({ UNUSED_DCR_CLIENT_DAYS: '0.5' }).unusedDcrClientDays).toBe(0.5);
  });

  it('names the variable for a bad value', () => {
    expect(() => loadConfig({ REGISTRATION_RATE_LIMIT: '2.5' })).toThrow(/REGISTRATION_RATE_LIMIT: must be a whole number/);
    expect(() => loadConfig({ REGISTRATION_RATE_LIMIT: 'lots' })).toThrow(/REGISTRATION_RATE_LIMIT: must be a number of registrations/);
    expect(() => loadConfig({ UNUSED_DCR_CLIENT_DAYS: '-1' })).toThrow(/UNUSED_DCR_CLIENT_DAYS: must be 0 or more/);
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

describe('on/off settings: TEST_CONTROL, AUTO_LOGIN, ALLOW_INSECURE_CIMD, ALLOW_INSECURE_JWKS', () => {
  const flags = ['TEST_CONTROL', 'AUTO_LOGIN', 'ALLOW_INSECURE_CIMD', 'ALLOW_INSECURE_JWKS'];

  it.each(flags)('%s refuses another value with the values --help and the README list', (name) => {
    const listed = configReference.find((s) => s.name === name)!.allowed;
    expect(listed).toEqual(['0', '1', 'true', 'false']);
    expect(problemsOf({ HOST: '127.0.0.1', [name]: 'yes' })).toEqual([`${name}: must be one of ${listed.join(', ')}`]);
  });

  it.each(flags)('%s takes true and false as well as 1 and 0', (name) => {
    const on = loadConfig({ HOST: '127.0.0.1', [name]: 'true' });
    const off = loadConfig({ HOST: '127.0.0.1', [name]: 'false' });
    const key = { TEST_CONTROL: 'testControl', AUTO_LOGIN: 'autoLogin', ALLOW_INSECURE_CIMD: 'allowInsecureCimd', ALLOW_INSECURE_JWKS: 'allowInsecureJwks' }[name] as keyof Config;
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
    expect(loadConfig({ TEST_CONTROL: '1' }).testControl).toBe(true); // the default HOST is loopback
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
  it('asks for an email code after the email by default, as Scalekit does, and for a password with LOGIN_METHOD=password', () => {
    expect(loadConfig({}).loginMethod).toBe('email_code');
    expect(loadConfig({ LOGIN_METHOD: 'password' }).loginMethod).toBe('password');
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

describe('TLS, TLS_CERT, TLS_KEY, TLS_NAMES', () => {
  it('is off by default; TLS=1 takes the local CA in DATA_DIR with the extra names, lowercased and unbracketed', () => {
    expect(loadConfig({}).tls).toBeUndefined();
    expect(loadConfig({ TLS: '1', DATA_DIR: '/srv/data', TLS_NAMES: 'Emulator, [::2], 10.0.0.7' }).tls).toEqual({
      source: 'local-ca',
      dir: '/srv/data',
      names: ['emulator', '::2', '10.0.0.7'],
    });
  });

  it('TLS_CERT and TLS_KEY turn TLS on with the files, resolved from the working folder', () => {
    expect(loadConfig({ TLS_CERT: 'cert.pem', TLS_KEY: '/keys/key.pem' }, '/work').tls).toEqual({ source: 'files', certPath: '/work/cert.pem', keyPath: '/keys/key.pem' });
  });

  it('refuses a lone TLS_CERT, TLS=0 with a pair, TLS_NAMES with a pair, an http:// environment URL, and a bad name', () => {
    const problem = (env: Record<string, string>) => (() => loadConfig(env)) as () => unknown;
    expect(problem({ TLS_KEY: 'key.pem' })).toThrow('TLS_CERT and TLS_KEY: set both or neither');
    expect(problem({ TLS: 'false', TLS_CERT: 'c.pem', TLS_KEY: 'k.pem' })).toThrow('TLS=false: TLS_CERT and TLS_KEY serve HTTPS; unset them, or set TLS=1');
    expect(problem({ TLS_CERT: 'c.pem', TLS_KEY: 'k.pem', TLS_NAMES: 'emulator' })).toThrow("TLS_NAMES: names the local CA's certificate");
    expect(problem({ TLS: '1', SCALEKIT_ENVIRONMENT_URL: 'http://localhost:8080' })).toThrow('SCALEKIT_ENVIRONMENT_URL: must be an https:// URL when TLS is on');
    expect(problem({ TLS: '1', TLS_NAMES: 'under_score' })).toThrow('TLS_NAMES: under_score is not a host name or an IP address');
    expect(problem({ TLS: 'yes' })).toThrow('TLS: must be one of 0, 1, true, false');
  });
});

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default, and takes addresses, CIDR ranges and proxy-addr names', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,::1,fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.1', '172.16.0.0/12', '::1', 'fd00::/8', 'loopback']);
  });

  it('refuses what is neither an address, a range nor a name, saying which entry', () => {
    expect(problemsOf({ TRUST_PROXY: '10.0.0.1,proxy.internal' })).toEqual(['TRUST_PROXY: "proxy.internal" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal']);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33' })).toEqual(['TRUST_PROXY: "10.0.0.0/33" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal']);
    expect(problemsOf({ TRUST_PROXY: 'true' })).toEqual(['TRUST_PROXY: "true" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal']);
  });
});

describe('connection caps: MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS', () => {
  it('default to 900 and 256, and take whole numbers from 1', () => {
    expect(loadConfig({})).toMatchObject({ maxConnections: 900, maxConnectionsPerAddress: 256 });
    expect(loadConfig({ MAX_CONNECTIONS: '2000', MAX_CONNECTIONS_PER_ADDRESS: '10' })).toMatchObject({ maxConnections: 2000, maxConnectionsPerAddress: 10 });
    expect(problemsOf({ MAX_CONNECTIONS: '0' })).toEqual(['MAX_CONNECTIONS: must be at least 1']);
    expect(problemsOf({ MAX_CONNECTIONS_PER_ADDRESS: '2.5' })).toEqual(['MAX_CONNECTIONS_PER_ADDRESS: must be a whole number']);
    expect(problemsOf({ MAX_CONNECTIONS: 'many' })).toEqual(['MAX_CONNECTIONS: must be a number of connections']);
  });
});

describe('EMULATION_SHORTCUTS', () => {
  it('is on by default; off turns them off', () => {
    expect(loadConfig({}).emulationShortcuts).toBe(true);
    expect(loadConfig({ EMULATION_SHORTCUTS: 'off' }).emulationShortcuts).toBe(false);
    expect(problemsOf({ EMULATION_SHORTCUTS: 'no' })).toEqual(['EMULATION_SHORTCUTS: must be on or off']);
  });

  it('off with AUTO_LOGIN or TEST_CONTROL on is a contradiction, refused naming both settings', () => {
    expect(problemsOf({ EMULATION_SHORTCUTS: 'off', AUTO_LOGIN: '1' })).toEqual([
      'EMULATION_SHORTCUTS=off contradicts AUTO_LOGIN=1: these are emulation shortcuts; unset it or turn the shortcuts on',
    ]);
    expect(problemsOf({ EMULATION_SHORTCUTS: 'off', AUTO_LOGIN: 'true', TEST_CONTROL: '1' })).toEqual([
      'EMULATION_SHORTCUTS=off contradicts AUTO_LOGIN=1 and TEST_CONTROL=1: these are emulation shortcuts; unset them or turn the shortcuts on',
    ]);
    expect(loadConfig({ EMULATION_SHORTCUTS: 'off', AUTO_LOGIN: '0', TEST_CONTROL: 'false' }).emulationShortcuts).toBe(false);
  });
});
