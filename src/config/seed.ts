// The seed file: organizations, MCP servers (resources), M2M clients, users and test users, in Scalekit's REST
// field names (snake_case). Checked strictly: an unknown field or a wrong type rejects the whole file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type * as Yaml from 'yaml';
import { z } from 'zod';
import { audienceEntry, customClaimKey, scopeToken, serverUrlIdentity } from './field-rules.js';
import { seedProblems } from './seed-problems.js';

const id = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9]+$`), `must look like ${prefix}<digits>`);
const seconds = z.number().int('must be a whole number of seconds').positive('must be positive');
const url = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const text = z.string().min(1, 'must not be empty');

const organization = z.strictObject({
  id: id('org_'),
  display_name: text,
});

const scope = z.strictObject({
  name: scopeToken,
  description: z.string().default(''),
});

const resource = z.strictObject({
  id: id('res_'),
  name: text,
  description: z.string().default(''),
  resource_type: z.literal('MCP_SERVER', { error: 'must be MCP_SERVER (the only kind of resource served)' }).default('MCP_SERVER'),
  resource_id: url,
  scopes: z.array(scope).default([]),
  access_token_expiry: seconds.default(3600),
  refresh_token_expiry: seconds.default(86400),
  disable_dynamic_client_registration: z.boolean().default(false),
  enable_cimd: z.boolean().default(false),
  /** Offers the device authorization grant (RFC 8628) at the server's issuer, and its tokens at the environment's. */
  enable_device_flow: z.boolean().default(false),
  /** `iss` of the tokens for this server: the environment URL, or the server's own issuer (default: env; resource for rfc9068). */
  token_issuer: z.enum(['env', 'resource'], { error: 'must be env or resource' }).optional(),
  /** The shape of its access tokens: Scalekit's (`typ: JWT`), or RFC 9068's (`typ: at+jwt`, the server's issuer). */
  token_profile: z.enum(['scalekit', 'rfc9068'], { error: 'must be scalekit or rfc9068' }).default('scalekit'),
  /** Scalekit's xaa_enabled: its issuer accepts ID-JAGs (enterprise-managed authorization). */
  xaa_enabled: z.boolean().default(false),
  /** RFC 8693: the MCP servers whose people's tokens this one takes in a token exchange. */
  token_exchange: z.strictObject({ accept_from: z.array(id('res_')).default([]) }).optional(),
});

const client = z.strictObject({
  client_id: id('m2morg_'),
  organization_id: id('org_'),
  name: text,
  description: z.string().default(''),
  scopes: z.array(scope.shape.name).default([]),
  audience: z.array(audienceEntry).default([]),
  expiry: seconds.default(3600),
  custom_claims: z
    .array(
      z.strictObject({
        key: customClaimKey,
        value: z.string(),
      }),
    )
    .default([]),
  plain_secret: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
});

const user = z.strictObject({
  id: id('usr_'),
  email: z.email({ error: 'must be an email address' }),
  name: z.string().default(''),
  password: text.optional(),
  organization_id: id('org_').optional(),
});

// The environment's own client also signs users in to web apps (Scalekit's SDK uses it for
// getAuthorizationUrl / authenticateWithCode): its allowed callback and post-logout URLs. Checked by
// the one redirect URI rule when the seed is applied (oidc/redirect-uri.ts, through the management service).
const environment = z.strictObject({
  redirect_uris: z.array(z.string()).default([]),
  post_logout_redirect_uris: z.array(z.string()).default([]),
});

// Identity providers besides the environment whose ID-JAGs the MCP servers with xaa_enabled accept.
const trustedIdentityProvider = z.strictObject({ issuer: url, jwks_uri: url });

// Scalekit's test users: the allow-list of up to 5 `+sktest` emails that sign in with the static code
// (the management service checks the emails and the code, as for REST and the dashboard).
const testUsers = z.strictObject({
  enabled: z.boolean().default(true),
  emails: z.array(z.string()).default([]),
  static_code: z.string().default('424242'),
});

export const seedSchema = z
  .strictObject({
    environment: environment.optional(),
    organizations: z.array(organization).default([]),
    resources: z.array(resource).default([]),
    clients: z.array(client).default([]),
    users: z.array(user).default([]),
    test_users: testUsers.optional(),
    trusted_identity_providers: z.array(trustedIdentityProvider).optional(),
  })
  .superRefine((seed, ctx) => {
    const orgs = new Set(seed.organizations.map((o) => o.id));
    seed.clients.forEach((c, i) => {
      if (!orgs.has(c.organization_id)) {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'organization_id'], message: `names no organization of the seed (${c.organization_id})` });
      }
    });
    seed.users.forEach((u, i) => {
      if (u.organization_id && !orgs.has(u.organization_id)) {
        ctx.addIssue({ code: 'custom', path: ['users', i, 'organization_id'], message: `names no organization of the seed (${u.organization_id})` });
      }
    });
    // One MCP server per Server URL (the token audience), with or without a trailing slash.
    const serverUrls = new Map<string, number>();
    seed.resources.forEach((r, i) => {
      const url = serverUrlIdentity(r.resource_id);
      const first = serverUrls.get(url);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['resources', i, 'resource_id'], message: `is the Server URL of resources.${first} (${seed.resources[first]!.id}) already` });
      } else serverUrls.set(url, i);
    });
    for (const [list, key] of [
      ['organizations', 'id'],
      ['resources', 'id'],
      ['clients', 'client_id'],
      ['users', 'id'],
    ] as const) {
      const seen = new Set<string>();
      (seed[list] as Record<string, unknown>[]).forEach((item, i) => {
        const value = String(item[key]);
        if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [list, i, key], message: `duplicates ${value}` });
        seen.add(value);
      });
    }
  });

export type Seed = z.output<typeof seedSchema>;
export type SeedInput = z.input<typeof seedSchema>;

export class SeedError extends Error {
  constructor(source: string, readonly problems: string[]) {
    super(`Invalid seed ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SeedError';
  }
}

export function parseSeed(value: unknown, source = '(inline)'): Seed {
  // The input of each issue, so that the sentence can say what was found instead.
  const parsed = seedSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new SeedError(source, seedProblems(parsed.error.issues, seedSchema));
  return parsed.data;
}

// The YAML parser (some 70 files) is loaded by the first YAML seed: a start without one never needs it.
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof Yaml).parse(text);

/** Reads a JSON (.json) or YAML (.yaml, .yml, anything else) seed file. */
export function loadSeedFile(path: string): Seed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeedError(path, [`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const json = extname(path).toLowerCase() === '.json';
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SeedError(path, [`is not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
  return parseSeed(value, path);
}

/** The password of a seeded user whose seed entry gives none (documented in the README and the banner). */
export const DEFAULT_USER_PASSWORD = 'emulator-password';
/** Its scrypt hash, computed once here so that seeding such users costs no key derivation at start. */
export const DEFAULT_USER_PASSWORD_HASH = 'scrypt$16384$8$1$qNVQCc5Lq_zkacDyHrCMmg$oAYYKVERxLLk6p5F5cGjlJq4_0xSx--iDKwVcZkqJy4';

/** Applied when no SEED is given and the database is empty: one org, the Todo MCP server, one agent, one user. */
export const DEMO_SEED: SeedInput = {
  organizations: [{ id: 'org_10000000000000001', display_name: 'Demo Organization' }],
  resources: [
    {
      id: 'res_10000000000000001',
      name: 'Todo',
      description: 'The example todo MCP server',
      resource_type: 'MCP_SERVER',
      resource_id: 'http://localhost:3002/',
      scopes: [
        { name: 'todo:read', description: 'Read your todos' },
        { name: 'todo:write', description: 'Add and change your todos' },
      ],
    },
  ],
  clients: [
    {
      client_id: 'm2morg_10000000000000001',
      organization_id: 'org_10000000000000001',
      name: 'Demo agent',
      description: 'An M2M client allowed to call the Todo MCP server',
      scopes: ['todo:read', 'todo:write'],
      audience: ['http://localhost:3002/'],
    },
  ],
  users: [{ id: 'usr_10000000000000001', email: 'demo@example.com', name: 'Demo User', organization_id: 'org_10000000000000001' }],
};
