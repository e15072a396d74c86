import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SEED, loadSeedFile, parseSeed, SeedError, type Seed } from '../../src/config/seed.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seed-file-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | object): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const SEED_IS = 'a seed is a mapping of environment, organizations, resources, clients, users, test_users, trusted_identity_providers (each optional), as in the README\'s "Seed file"';

/** The SeedError `loadSeedFile(path)` throws; fails the test when it does not throw one. */
function errorOf(path: string): SeedError {
  let seed: Seed | undefined;
  try {
    seed = loadSeedFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(SeedError);
    return err as SeedError;
  }
  expect.fail(`expected a SeedError, got ${JSON.stringify(seed)}`);
}

const ORG = { id: 'org_1', display_name: 'Acme' };
const CLIENT = { client_id: 'm2morg_1', organization_id: 'org_1', name: 'Agent' };

const EXPECTED: Seed = {
  organizations: [{ id: 'org_1', display_name: 'Acme' }],
  resources: [
    {
      id: 'res_1',
      name: 'Todo',
      description: '',
      resource_type: 'MCP_SERVER',
      resource_id: 'http://localhost:3002/',
      scopes: [{ name: 'todo:read', description: 'Read' }],
      access_token_expiry: 3600,
      refresh_token_expiry: 86400,
      disable_dynamic_client_registration: false,
      enable_cimd: false,
      enable_device_flow: false,
      token_profile: 'scalekit',
      xaa_enabled: false,
    },
  ],
  clients: [
    {
      client_id: 'm2morg_1',
      organization_id: 'org_1',
      name: 'Agent',
      description: '',
      scopes: ['todo:read'],
      audience: [],
      expiry: 60,
      custom_claims: [],
    },
  ],
  users: [{ id: 'usr_1', email: 'alice@example.com', name: '', password: 'pw' }],
};

const YAML_SEED = `# a comment
organizations:
  - id: org_1
    display_name: Acme
resources:
  - id: res_1
    name: Todo
    resource_id: http://localhost:3002/
    scopes:
      - name: todo:read
        description: Read
clients:
  - client_id: m2morg_1
    organization_id: org_1
    name: Agent
    scopes: [todo:read]
    expiry: 60
users:
  - id: usr_1
    email: alice@example.com
    password: pw
`;

describe('loadSeedFile reads', () => {
  it('a JSON file, filling the defaults', () => {
    const path = write('seed.json', {
      organizations: [ORG],
      resources: [
        { id: 'res_1', name: 'Todo', resource_id: 'http://localhost:3002/', scopes: [{ name: 'todo:read', description: 'Read' }] },
      ],
      clients: [{ ...CLIENT, scopes: ['todo:read'], expiry: 60 }],
      users: [{ id: 'usr_1', email: 'alice@example.com', password: 'pw' }],
    });
    expect(loadSeedFile(path)).toEqual(EXPECTED);
  });

  it('a .yaml file, filling the defaults', () => {
    expect(loadSeedFile(write('seed.yaml', YAML_SEED))).toEqual(EXPECTED);
  });

  it('a .yml file', () => {
    expect(loadSeedFile(write('seed.yml', YAML_SEED))).toEqual(EXPECTED);
  });

  it('a file with any other extension as YAML', () => {
    expect(loadSeedFile(write('seed.conf', YAML_SEED))).toEqual(EXPECTED);
  });

  it('an empty object as an empty seed', () => {
    expect(loadSeedFile(write('seed.json', '{}'))).toEqual({ organizations: [], resources: [], clients: [], users: [] });
  });
});

describe('loadSeedFile rejects, with a SeedError that names the path', () => {
  it('an unknown field: the path of its object and the field name', () => {
    const error = errorOf(write('seed.json', { organizations: [ORG], clients: [{ ...CLIENT, colour: 'red' }] }));
    // An unknown key is reported on its parent object: `clients.0: "colour" is not a field here; …`.
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^clients\.0: .*"colour"/);
  });

  it('an unknown top-level field, at the root', () => {
    const error = errorOf(write('seed.json', { organisations: [ORG] }));
    expect(error.problems).toEqual([
      '(root): "organisations" (did you mean "organizations"?) is not a seed key; a seed\'s keys are environment, organizations, resources, clients, users, test_users, trusted_identity_providers',
    ]);
  });

  it('a wrong type: expiry "soon"', () => {
    const error = errorOf(write('seed.json', { organizations: [ORG], clients: [{ ...CLIENT, expiry: 'soon' }] }));
    expect(error.problems).toEqual(['clients.0.expiry: must be a number, not the string "soon"']);
  });

  it('a non-positive or fractional expiry', () => {
    expect(errorOf(write('a.json', { organizations: [ORG], clients: [{ ...CLIENT, expiry: 0 }] })).problems).toEqual([
      'clients.0.expiry: must be positive',
    ]);
    expect(errorOf(write('b.json', { organizations: [ORG], clients: [{ ...CLIENT, expiry: 1.5 }] })).problems).toEqual([
      'clients.0.expiry: must be a whole number of seconds',
    ]);
  });

  it('a bad id prefix: resource_1 for a res_ id', () => {
    const error = errorOf(write('seed.json', { resources: [{ id: 'resource_1', name: 'Todo', resource_id: 'http://x/' }] }));
    expect(error.problems).toEqual(['resources.0.id: must look like res_<digits>']);
  });

  it('an id with the prefix but no digits', () => {
    expect(errorOf(write('seed.json', { organizations: [{ id: 'org_', display_name: 'x' }] })).problems).toEqual([
      'organizations.0.id: must look like org_<digits>',
    ]);
  });

  it('a client naming an organization not in the seed', () => {
    const error = errorOf(write('seed.json', { organizations: [ORG], clients: [{ ...CLIENT, organization_id: 'org_2' }] }));
    expect(error.problems).toEqual([expect.stringMatching(/^clients\.0\.organization_id: .*org_2/)]);
  });

  it('a user naming an organization not in the seed', () => {
    const error = errorOf(write('seed.json', { users: [{ id: 'usr_1', email: 'a@example.com', organization_id: 'org_2' }] }));
    expect(error.problems).toEqual([expect.stringMatching(/^users\.0\.organization_id: .*org_2/)]);
  });

  it('duplicate ids, at the later occurrence', () => {
    const error = errorOf(
      write('seed.json', {
        organizations: [ORG, { id: 'org_2', display_name: 'B' }, { id: 'org_1', display_name: 'Again' }],
        clients: [CLIENT, { ...CLIENT, name: 'Twin' }],
      }),
    );
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^organizations\.2\.id: .*org_1/),
        expect.stringMatching(/^clients\.1\.client_id: .*m2morg_1/),
      ]),
    );
    expect(error.problems).toHaveLength(2);
  });

  it('a scope name with a space', () => {
    const error = errorOf(
      write('seed.json', { resources: [{ id: 'res_1', name: 'T', resource_id: 'http://x/', scopes: [{ name: 'todo read' }] }] }),
    );
    expect(error.problems).toEqual(['resources.0.scopes.0.name: must be a scope token (no spaces or quotes)']);
  });

  it('a plain_secret shorter than 16 characters', () => {
    const error = errorOf(write('seed.json', { organizations: [ORG], clients: [{ ...CLIENT, plain_secret: 'short' }] }));
    expect(error.problems).toEqual(['clients.0.plain_secret: must be at least 16 characters']);
  });

  it('an audience entry that is not a URL', () => {
    const error = errorOf(write('seed.json', { organizations: [ORG], clients: [{ ...CLIENT, audience: ['http://localhost:3002/', 'todo-server'] }] }));
    expect(error.problems).toEqual(['clients.0.audience.1: must be an http:// or https:// URL, or an MCP server id (res_<digits>)']);
  });

  it('two resources with one Server URL, also when only a trailing slash differs', () => {
    const todo = { name: 'Todo', resource_id: 'http://localhost:3002/' };
    const error = errorOf(
      write('seed.json', {
        resources: [
          { ...todo, id: 'res_1' },
          { ...todo, id: 'res_2', resource_id: 'http://localhost:3003/' },
          { ...todo, id: 'res_3' },
          { ...todo, id: 'res_4', resource_id: 'http://localhost:3002' },
        ],
      }),
    );
    expect(error.problems).toEqual([
      'resources.2.resource_id: is the Server URL of resources.0 (res_1) already',
      'resources.3.resource_id: is the Server URL of resources.0 (res_1) already',
    ]);
  });

  it('a reserved custom claim, naming the key', () => {
    for (const key of ['iss', 'aud', 'exp', 'scopes', 'client_id']) {
      const error = errorOf(write(`${key}.json`, { organizations: [ORG], clients: [{ ...CLIENT, custom_claims: [{ key: 'team', value: 'a' }, { key, value: 'x' }] }] }));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(new RegExp(`^clients\\.0\\.custom_claims\\.1\\.key: "${key}" is a reserved claim; a custom claim may not set iss, sub, `));
    }
  });

  it('every problem of the file at once, each in the message', () => {
    const error = errorOf(
      write('seed.json', { organizations: [{ id: 'x', display_name: '' }], clients: [{ ...CLIENT, expiry: 'soon' }] }),
    );
    expect(error.problems.length).toBeGreaterThanOrEqual(3);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('a file that does not exist, with the error code', () => {
    const path = join(dir, 'missing.yaml');
    const error = errorOf(path);
    expect(error.problems).toEqual(['cannot be read (ENOENT)']);
    expect(error.message).toContain(path);
  });

  it('a directory given as the file', () => {
    expect(errorOf(dir).problems).toEqual(['cannot be read (EISDIR)']);
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission', () => {
    const path = write('seed.json', '{}');
    chmodSync(path, 0o000);
    expect(errorOf(path).problems).toEqual(['cannot be read (EACCES)']);
  });

  it('invalid JSON, saying JSON', () => {
    const error = errorOf(write('seed.json', '{ "organizations": [ }'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^is not valid JSON: /);
  });

  // src/config/seed.ts parses by `extname(path).toLowerCase()` but words the error with the
  // case-sensitive `extname(path) === '.json'`, so a broken seed.JSON is reported as YAML.
  it('invalid JSON in a .JSON (upper-case) file, saying JSON', () => {
    const error = errorOf(write('seed.JSON', '{ "organizations": [ }'));
    expect(error.problems[0]).toMatch(/^is not valid JSON: /);
  });

  it('invalid YAML, saying YAML', () => {
    const error = errorOf(write('seed.yaml', 'organizations:\n  - id: org_1\n   display_name: [unclosed\n'));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^is not valid YAML: /);
  });

  it('JSON that is not an object', () => {
    expect(errorOf(write('seed.json', '[]')).problems).toEqual([`(root): the file holds a list, not a mapping; ${SEED_IS}`]);
  });
});

// Each says where, and what belongs there, in words a newcomer knows (not "expected object, received null").
describe('a seed of the wrong shape: what the file should contain', () => {
  it.each([
    ['an empty file', 'seed.yaml', '', `(root): the file is empty (or only comments, or null); ${SEED_IS}`],
    ['only comments', 'seed.yaml', '# TODO: clients\n', `(root): the file is empty (or only comments, or null); ${SEED_IS}`],
    ['a list', 'seed.yaml', '- id: org_1\n  display_name: Acme\n', `(root): the file holds a list, not a mapping; ${SEED_IS}`],
    ['a scalar', 'seed.yaml', 'organizations\n', `(root): the file holds the string "organizations", not a mapping; ${SEED_IS}`],
    ['a number in JSON', 'seed.json', '42', `(root): the file holds the number 42, not a mapping; ${SEED_IS}`],
  ])('%s', (_name, file, content, problem) => {
    expect(errorOf(write(file, content)).problems).toEqual([problem]);
  });

  it('top-level keys it does not know, with the near miss named', () => {
    expect(errorOf(write('seed.yaml', 'Organizations: []\nmcp_servers: []\n')).problems).toEqual([
      '(root): "Organizations" (did you mean "organizations"?), "mcp_servers" are not seed keys; a seed\'s keys are environment, organizations, resources, clients, users, test_users, trusted_identity_providers',
    ]);
  });

  it('a field a client does not have, with the fields it has', () => {
    expect(errorOf(write('seed.json', { organizations: [ORG], clients: [{ ...CLIENT, scope: ['todo:read'] }] })).problems).toEqual([
      'clients.0: "scope" (did you mean "scopes"?) is not a field here; the fields are client_id, organization_id, name, description, scopes, audience, expiry, custom_claims, plain_secret',
    ]);
  });

  it('wrong types deep inside: a list, a mapping, a list of strings, true or false, a string', () => {
    const yaml = [
      'organizations:',
      '  id: org_1',
      'resources:',
      '  - id: res_1',
      '    name: Todo',
      '    resource_id: http://localhost:3002/',
      '    scopes: [todo:read]',
      '    enable_cimd: "yes"',
      'users:',
      '  - id: usr_1',
      '    email: 5',
      '',
    ].join('\n');
    expect(errorOf(write('seed.yaml', yaml)).problems).toEqual([
      'organizations: must be a list of mappings (fields: id, display_name), not a mapping',
      'resources.0.scopes.0: must be a mapping (fields: name, description), not the string "todo:read"',
      'resources.0.enable_cimd: must be true or false, not the string "yes"',
      'users.0.email: must be a string, not the number 5',
    ]);
    expect(errorOf(write('c.json', { organizations: [ORG], clients: [{ ...CLIENT, scopes: 'todo:read' }] })).problems).toEqual([
      'clients.0.scopes: must be a list of strings, not the string "todo:read"',
    ]);
  });

  it('values out of their set, empty names and a malformed email, in words', () => {
    const yaml = [
      'organizations: [{ id: org_1, display_name: "" }]',
      'resources: [{ id: res_1, name: Todo, resource_id: "http://localhost:3002/", token_issuer: mine, resource_type: API }]',
      'users: [{ id: usr_1, email: ada }]',
      '',
    ].join('\n');
    expect(errorOf(write('seed.yaml', yaml)).problems).toEqual([
      'organizations.0.display_name: must not be empty',
      'resources.0.resource_type: must be MCP_SERVER (the only kind of resource served)',
      'resources.0.token_issuer: must be env or resource',
      'users.0.email: must be an email address',
    ]);
  });
});

describe('DEMO_SEED', () => {
  it('parses', () => {
    const seed = parseSeed(DEMO_SEED);
    expect(seed.organizations.map((o) => o.id)).toEqual(['org_10000000000000001']);
    expect(seed.resources.map((r) => r.id)).toEqual(['res_10000000000000001']);
    expect(seed.clients.map((c) => c.client_id)).toEqual(['m2morg_10000000000000001']);
    expect(seed.users.map((u) => [u.id, u.email, u.password])).toEqual([['usr_10000000000000001', 'demo@example.com', undefined]]);
  });

  it('round-trips through a JSON file', () => {
    expect(loadSeedFile(write('demo.json', DEMO_SEED))).toEqual(parseSeed(DEMO_SEED));
  });
});
