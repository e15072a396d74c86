// The rules every management input obeys, whichever door it came through (seed, REST, gRPC, CLI):
// one zod schema per shape, failures reported as INVALID_ARGUMENT naming the field in Scalekit's
// REST/proto names (snake_case; the Server URL is `resource_id`).
import { z } from 'zod';
import { audienceEntry, customClaimKey, scopeToken } from '../config/field-rules.js';
import { REDIRECT_URI_LIMITS, redirectUriProblem } from '../oidc/redirect-uri.js';
import { InvalidArgument } from './errors.js';

const MAX_SECONDS = 10 * 365 * 86400; // ten years: a lifetime beyond it is a typo

const seconds = z.number().int('must be a whole number of seconds').positive('must be positive').max(MAX_SECONDS, 'is too long');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048);
const uniqueNames = <T>(name: (item: T) => string) => (list: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (seen.has(name(item))) ctx.addIssue({ code: 'custom', path: [i], message: `duplicates ${name(item)}` });
    seen.add(name(item));
  });
};

export const organizationInput = z.object({
  displayName: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
});

const customClaim = z.object({
  key: customClaimKey,
  value: z.string().max(2048, 'must be at most 2048 characters'),
});

/** The name and description every client may have, however it was made (API, dashboard, DCR, RegisterClient). */
export const clientName = z.string().max(128, 'must be at most 128 characters');
export const clientDescription = z.string().max(512, 'must be at most 512 characters');

/** One redirect URI, by the one rule of oidc/redirect-uri.ts; and a client's list of them. */
export const redirectUri = z.string().superRefine((value, ctx) => {
  const problem = redirectUriProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
export const redirectUriList = z
  .array(redirectUri, { error: 'must be an array of redirect URIs' })
  .max(REDIRECT_URI_LIMITS.count, `must list at most ${REDIRECT_URI_LIMITS.count} redirect URIs`);

// Shared by organization and MCP-server clients (OrganizationClient / ResourceClient fields 1-6).
const clientFields = {
  name: clientName,
  description: clientDescription,
  scopes: z.array(scopeToken).max(100).superRefine(uniqueNames((s: string) => s)),
  audience: z.array(audienceEntry).max(20),
  customClaims: z.array(customClaim).max(50).superRefine(uniqueNames((c: { key: string }) => c.key)),
  expiry: seconds,
};

export const organizationClientInput = z.object(clientFields);

export const resourceClientInput = z.object({ ...clientFields, redirectUris: redirectUriList });

/** The environment client's callback and post-logout URLs (web apps signing people in). */
export const environmentRedirectsInput = z.object({ redirectUris: redirectUriList, postLogoutRedirectUris: redirectUriList });

export const resourceInput = z.object({
  name: z.string().trim().min(1, 'is required').max(128, 'must be at most 128 characters'),
  description: z.string().max(512, 'must be at most 512 characters'),
  serverUrl: httpUrl,
  accessTokenExpiry: seconds,
  refreshTokenExpiry: seconds,
  disableDynamicClientRegistration: z.boolean(),
  enableCimd: z.boolean(),
  enableDeviceFlow: z.boolean({ error: 'must be true or false' }),
  tokenIssuer: z.enum(['env', 'resource'], { error: "must be 'env' or 'resource'" }),
  tokenProfile: z.enum(['scalekit', 'rfc9068'], { error: "must be 'scalekit' or 'rfc9068'" }),
  xaaEnabled: z.boolean(),
  scopes: z
    .array(z.object({ name: scopeToken, description: z.string().max(512), enabled: z.boolean() }))
    .max(100)
    .superRefine(uniqueNames((s: { name: string }) => s.name)),
}).refine((r) => r.tokenProfile !== 'rfc9068' || r.tokenIssuer === 'resource', {
  path: ['tokenIssuer'],
  error: "must be 'resource' when token_profile is 'rfc9068' (RFC 9068 tokens name the server's own issuer)",
});

/** RFC 8693: the MCP servers (res_ ids) whose people's tokens an MCP server takes in a token exchange. */
export const tokenExchangeInput = z.object({
  acceptFrom: z
    .array(z.string().regex(/^res_[0-9]+$/, 'must be an MCP server id (res_<digits>)'), { error: 'must be an array of MCP server ids' })
    .max(100, 'must list at most 100 MCP servers'),
});

/** Identity providers whose ID-JAGs the MCP servers accept: an issuer (compared exactly with `iss`) and its JWKS URL. */
export const trustedIdentityProvidersInput = z
  .array(z.object({ issuer: httpUrl, jwksUri: httpUrl }), { error: 'must be an array of {issuer, jwks_uri}' })
  .max(20, 'must list at most 20 identity providers')
  .superRefine(uniqueNames((p: { issuer: string }) => p.issuer));

export const userInput = z.object({
  email: z.email('must be an email address').max(320),
  name: z.string().max(256, 'must be at most 256 characters'),
});

// Scalekit's test users: an email whose local part has `+sktest` right after its `+` (any domain), kept
// lower case; at most 5, no repeats; a static code of exactly 6 digits.
const testUserEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'must be an email address', abort: true }).max(320))
  .refine((email) => /^[^@+]+\+sktest[^@]*@/.test(email), 'must have +sktest right after the + of its local part, e.g. qa+sktest@example.com');

export const testUsersInput = z.object({
  enabled: z.boolean(),
  emails: z
    .array(testUserEmail)
    .max(5, 'must list at most 5 emails')
    .transform((emails) => [...new Set(emails)]),
  staticCode: z.string().regex(/^\d{6}$/, 'must be exactly 6 digits'),
});

export const passkeyNameInput = z.string().trim().min(1, 'is required').max(64, 'must be at most 64 characters');

export const passwordInput = z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters');

/** The wire name of a domain field: snake_case, and the Server URL is Scalekit's `resource_id`. */
export function wireName(key: string): string {
  if (key === 'serverUrl') return 'resource_id';
  if (key === 'disableDynamicClientRegistration') return 'disable_dynamic_client_registration';
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const fieldPath = (path: PropertyKey[]) =>
  path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${wireName(String(p))}` : wireName(String(p))), '');

/** Parses `input`, or throws INVALID_ARGUMENT naming every bad field (prefixed by `prefix`, e.g. `client`). */
export function validate<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidArgument(
    result.error.issues.map((i) => {
      const path = fieldPath(i.path);
      return { field: prefix && path ? `${prefix}${path.startsWith('[') ? '' : '.'}${path}` : prefix || path || '(request)', description: i.message };
    }),
  );
}
