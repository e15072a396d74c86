// The value rules a seed file and the management API share: a seed is applied through the management
// service, and both must refuse the same values, so each rule is written once, here (config/ imports
// nothing of the project, so both can read it), and the seed schema and management/validation.ts use it.
import { z } from 'zod';
import { RESERVED_CLAIMS } from './reserved-claims.js';

/** A scope name: an RFC 6749 §3.3 scope token. */
export const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token (no spaces or quotes)').max(256);

/** An entry of a client's token audience: a URL (an MCP server's Server URL, an API) or an MCP server's res_ id. */
export const audienceEntry = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => /^res_[0-9]+$/.test(value) || /^https?:$/.test(URL.parse(value)?.protocol ?? ''), 'must be an http:// or https:// URL, or an MCP server id (res_<digits>)');

/** A custom claim's key: never one of the claims that identify or bound a token. */
export const customClaimKey = z
  .string()
  .min(1, 'is required')
  .max(128, 'must be at most 128 characters')
  .refine((key) => !RESERVED_CLAIMS.has(key), {
    error: (issue) => `${JSON.stringify(issue.input)} is a reserved claim; a custom claim may not set ${[...RESERVED_CLAIMS].join(', ')}`,
  });

/** Two Server URLs name one MCP server when they differ only by a trailing slash (the token audience). */
export const serverUrlIdentity = (url: string): string => url.replace(/\/$/, '');
