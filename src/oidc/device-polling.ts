// How fast a device may poll (RFC 8628 §3.2, §3.5). The device authorization response names the
// interval (5 s, the RFC's default, said outright); oidc-provider answers authorization_pending to every
// poll of a code the person has not answered yet, and never slow_down. Here a pending answer to a poll
// that came sooner than the interval becomes slow_down, and the interval asked of that device grows by
// 5 s, as the RFC has the client do. Only a poll the provider has checked (its client authenticated and
// owning the code, the code live) is paced, on the emulator's clock.
import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { DevicePollRules } from '../store/device-code-polls.js';
import type { EnvironmentContext } from './environment.js';
import type { IssuerScope } from './provider.js';

export const DEVICE_POLL_RULES: DevicePollRules = {
  intervalSeconds: 5,
  stepSeconds: 5,
  // A client that waits exactly the interval may arrive a little early by our clock (timers, networks).
  slackMs: 500,
};

/** How long a device code's polling row outlives its last poll. */
const POLL_ROW_SECONDS = 3600;

export function pacesDevicePolling(provider: Provider, env: EnvironmentContext, scope: IssuerScope): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (oidc?.route === 'device_authorization' && ctx.status === 200 && typeof body?.device_code === 'string') {
      ctx.body = { ...body, interval: DEVICE_POLL_RULES.intervalSeconds };
      return;
    }
    if (oidc?.route !== 'token' || ctx.status !== 400 || body?.error !== 'authorization_pending') return;
    const now = env.clock();
    const digest = createHash('sha256').update(String(oidc.params?.device_code)).digest('hex');
    const poll = await env.store.deviceCodePolls.record(scope.ns, digest, now, Math.floor(now / 1000) + POLL_ROW_SECONDS, DEVICE_POLL_RULES);
    if (poll.slowDown) {
      ctx.body = { error: 'slow_down', error_description: `the device polls too often: wait at least ${poll.intervalSeconds} seconds between requests` };
    }
  });
}
