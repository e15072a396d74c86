// What the CLI's API commands need to reach a running emulator: the same three values the Scalekit
// SDKs take. Read here, like every other setting, so only config/ touches process.env.
import { z } from 'zod';
import { configError, pickSet } from './index.js';

const apiSchema = z.object({
  SCALEKIT_ENVIRONMENT_URL: z
    .string({ error: 'is required (the URL of a running emulator)' })
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
    .transform((u) => u.replace(/\/+$/, '')),
  SCALEKIT_CLIENT_ID: z.string({ error: 'is required' }).min(1, 'is required'),
  SCALEKIT_CLIENT_SECRET: z.string({ error: 'is required' }).min(1, 'is required'),
});

export interface ApiClientConfig {
  environmentUrl: string;
  clientId: string;
  clientSecret: string;
}

/** `credentials: false` when the caller brings its own client (the CLI's `token --client-id`). */
export function loadApiClientConfig(env: Record<string, string | undefined>, options = { credentials: true }): ApiClientConfig {
  const schema = options.credentials ? apiSchema : apiSchema.partial({ SCALEKIT_CLIENT_ID: true, SCALEKIT_CLIENT_SECRET: true });
  const parsed = schema.safeParse(pickSet(env, Object.keys(apiSchema.shape)));
  if (!parsed.success) throw configError(parsed.error);
  return {
    environmentUrl: parsed.data.SCALEKIT_ENVIRONMENT_URL,
    clientId: parsed.data.SCALEKIT_CLIENT_ID ?? '',
    clientSecret: parsed.data.SCALEKIT_CLIENT_SECRET ?? '',
  };
}
