// oidc-provider stamps ID tokens with the real time, while every other token follows the emulator's
// clock, which a fixture may have moved. When it has been moved, the ID token of a token response is
// re-stamped (iat, exp, auth_time by the same offset) and signed again with the key that signed it, so
// a test that moves the clock sees every token move with it. On the real clock nothing is touched.
import type Provider from 'oidc-provider';
import type { EnvironmentContext } from './environment.js';
import { signJwt } from './token-signer.js';

const TIMES = ['iat', 'exp', 'auth_time', 'nbf'] as const;

/** Seconds the emulator's clock is ahead of the real one (by which oidc-provider stamps its times). */
export const emulatorClockOffset = (clock: () => number) => Math.floor(clock() / 1000) - Math.floor(Date.now() / 1000);

export function idTokensOnEmulatorClock(provider: Provider, env: Pick<EnvironmentContext, 'clock' | 'keys'>): void {
  provider.use(async (ctx, next) => {
    await next();
    const offset = emulatorClockOffset(env.clock);
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (offset === 0 || ctx.oidc?.route !== 'token' || typeof body?.id_token !== 'string') return;
    ctx.body = { ...body, id_token: await restamp(body.id_token, offset, env.keys.all) };
  });
}

async function restamp(idToken: string, offset: number, keys: EnvironmentContext['keys']['all']): Promise<string> {
  const [header, payload] = idToken.split('.', 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
  const key = keys.find((k) => k.kid === header!.kid);
  if (!key) return idToken; // signed by a key no longer held: leave it as issued
  const claims = { ...payload! };
  for (const name of TIMES) if (typeof claims[name] === 'number') claims[name] = (claims[name] as number) + offset;
  return signJwt(key, header!, claims);
}
