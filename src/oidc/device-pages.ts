// The person's side of the device flow (RFC 8628 §3.3), as oidc-provider runs it at `<issuer>/device`:
// the page where the code is typed (or arrives in verification_uri_complete), the code to confirm, and the
// end, in the pages' look (views/device-*.eta, through ProviderPages). Between them the person signs in and
// consents on the shared interaction pages. Wrong codes are limited per address (attempt-limits.ts): the
// code space (base-20, 8 characters: 20^8) is large, and guessing it from one address stops after a few.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AttemptKeys } from '../login/attempt-limits.js';
import type { EnvironmentContext } from './environment.js';
import { consentServers } from './interactions.js';
import { ENVIRONMENT_PATHS } from './paths.js';
import type { IssuerScope } from './provider.js';

/** What a person typed that leads nowhere, or why the page cannot go on. */
export type UserCodeProblem = 'not_found' | 'expired' | 'used' | 'no_code' | 'form_expired' | 'failed';

/** The provider's user-code form: where it posts, and its xsrf token (kept in the browser's session). */
export interface UserCodeForm {
  action: string;
  xsrf: string;
}

export interface DeviceCodePage extends UserCodeForm {
  userCode?: string;
  problem?: UserCodeProblem;
}

export interface DeviceConfirmPage extends UserCodeForm {
  userCode: string;
  /** Known once the code was looked up; absent on the page verification_uri_complete opens. */
  clientName?: string;
  serverName?: string;
}

export interface DeviceDonePage {
  approved: boolean;
  clientName?: string;
  serverName?: string;
}

/** An error the provider hands the user-code page: its re-render errors carry the code as typed. */
type ProviderError = Error & { userCode?: string };

/** Wrong user codes from one address: its own count (5 in 15 minutes), and the address's count of every wrong answer. */
const userCodeAttempts = (ip: string): AttemptKeys => ({ account: `user_code@${ip}`, ip });

// oidc-provider's errors of the user-code form, by name (lib/helpers/re_render_errors.js).
const PROBLEMS: Record<string, UserCodeProblem> = {
  NotFoundError: 'not_found',
  ExpiredError: 'expired',
  AlreadyUsedError: 'used',
  NoCodeError: 'no_code',
};

/** The deviceFlow sources of the provider of `scope`. */
export function devicePageSources(env: EnvironmentContext, scope: IssuerScope) {
  const serverName = async (resourceParam: unknown) =>
    (await consentServers(env.store, scope, resourceParam, env.issuer)).map((r) => r.name).join(' and ') || undefined;
  const clientName = (ctx: KoaContextWithOIDC) => (ctx.oidc.client ? (ctx.oidc.client.clientName ?? ctx.oidc.client.clientId) : undefined);

  return {
    charset: 'base-20' as const,
    mask: '****-****',
    async userCodeInputSource(ctx: KoaContextWithOIDC, _form: string, out?: { error: string; error_description?: string }, err?: ProviderError) {
      ctx.type = 'html';
      if (err?.name === 'AbortedError') {
        ctx.status = 200;
        ctx.body = env.pages.deviceDone({ approved: false, ...optional('clientName', clientName(ctx)) });
        return;
      }
      if (err?.name === 'NotFoundError') await env.attemptLimits.failed(userCodeAttempts(ctx.ip));
      const problem = err ? problemOf(err, out) : undefined;
      if (problem && problem !== 'failed') ctx.status = problem === 'form_expired' ? 403 : 400;
      ctx.body = env.pages.deviceCode({ ...userCodeForm(ctx), ...optional('userCode', err?.userCode), ...optional('problem', problem) });
    },
    async userCodeConfirmSource(ctx: KoaContextWithOIDC, _form: string, client: { clientId: string; clientName?: string }, _info: unknown, userCode: string) {
      ctx.type = 'html';
      const name = await serverName(ctx.oidc.entities.DeviceCode?.params?.resource);
      ctx.body = env.pages.deviceConfirm({ ...userCodeForm(ctx), userCode, clientName: client.clientName ?? client.clientId, ...optional('serverName', name) });
    },
    async successSource(ctx: KoaContextWithOIDC) {
      ctx.type = 'html';
      ctx.body = env.pages.deviceDone({ approved: true, ...optional('clientName', clientName(ctx)), serverName: (await serverName(ctx.oidc.params?.resource)) ?? 'your account' });
    },
  };
}

/**
 * Around the provider's user-code page: an address paused for wrong codes gets the 429 page before any
 * code is looked up; and verification_uri_complete (a GET carrying the code) opens the page that shows the
 * code to compare with the device's (RFC 8628 §3.3.1), in place of the provider's self-submitting form.
 */
export function userCodePageGuard(provider: Provider, env: EnvironmentContext): void {
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === ENVIRONMENT_PATHS.code_verification) {
      const now = env.clock();
      const retryAt = await env.attemptLimits.retryAt(userCodeAttempts(ctx.ip));
      if (retryAt !== undefined) {
        const seconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
        ctx.status = 429;
        ctx.set('retry-after', String(seconds));
        ctx.set('cache-control', 'no-store');
        ctx.type = 'html';
        ctx.body = env.pages.tooManyAttempts(seconds, new Date(retryAt));
        return;
      }
    }
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    if (oidc?.route === 'code_verification' || oidc?.route === 'device_resume') {
      // As the pages' own (pages/index.ts): never cached, never sniffed, and verification_uri_complete's
      // code never sent on as a referrer.
      ctx.set('cache-control', 'no-store');
      ctx.set('x-content-type-options', 'nosniff');
      ctx.set('referrer-policy', 'no-referrer');
    }
    const given = oidc?.route === 'code_verification' && ctx.method === 'GET' && ctx.status === 200 ? oidc.params?.user_code : undefined;
    if (typeof given === 'string') {
      ctx.type = 'html';
      ctx.body = env.pages.deviceConfirm({ ...userCodeForm(ctx as KoaContextWithOIDC), userCode: displayedUserCode(given) });
    }
  });
}

function userCodeForm(ctx: KoaContextWithOIDC): UserCodeForm {
  const state = ctx.oidc.session?.state as { secret?: string } | undefined;
  return { action: ctx.oidc.urlFor('code_verification'), xsrf: state?.secret ?? '' };
}

function problemOf(err: ProviderError, out?: { error: string; error_description?: string }): UserCodeProblem {
  const known = PROBLEMS[err.name];
  if (known) return known;
  // The provider's own xsrf check of its form (lib/shared/xsrf.js): the page is stale or forged.
  const description = out?.error_description ?? '';
  if (out?.error === 'invalid_request' && /xsrf|device form details/.test(description)) return 'form_expired';
  return 'failed';
}

// As oidc-provider reads a typed code (lib/helpers/user_codes.js normalize), shown in the mask's shape.
function displayedUserCode(given: string): string {
  const normalized = given.toUpperCase().replace(/\W/g, '').slice(0, 32);
  return normalized.length === 8 ? `${normalized.slice(0, 4)}-${normalized.slice(4)}` : normalized;
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
