// Refresh-token rotation (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): every use of a refresh token replaces it,
// and a replaced token presented again ends the grant. A client that lost the response (a dropped
// connection) may present the replaced token again for a short while: it is answered with the SAME
// successor (and a new access token of the same grant), so there is never a second chain. Once the
// successor has been used, or the grace window is over, the replaced token is reuse: oidc-provider ends
// the grant (adapter.ts, grants.ts).
import type { IncomingMessage } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { OidcPayload, OidcPayloadRepository } from '../store/oidc-payloads.js';

/** How long after its first use a replaced refresh token still leads to its successor. */
export const REFRESH_GRACE_SECONDS = 30;

/** A refresh token consumed at `consumed` (epoch s) is still within its grace window at `now`. */
const withinRefreshGrace = (consumed: unknown, now: number) => now - Number(consumed) <= REFRESH_GRACE_SECONDS;

const MODEL = 'RefreshToken';

/**
 * The refresh token a presented one stands for at `now`: itself while unused; for a replaced one
 * within its grace window, its successor while that is unused; else none (unknown, expired, or reuse).
 */
export async function refreshTokenInForce(payloads: OidcPayloadRepository, ns: string, id: string, now: number): Promise<{ id: string; payload: OidcPayload } | undefined> {
  const payload = await payloads.find(ns, MODEL, id, now);
  if (!payload) return undefined;
  if (payload.consumed === undefined) return { id, payload };
  if (!withinRefreshGrace(payload.consumed, now)) return undefined;
  const successorId = await payloads.successorOf(ns, MODEL, id);
  const successor = successorId === undefined ? undefined : await payloads.find(ns, MODEL, successorId, now);
  return successor && successor.consumed === undefined ? { id: successorId!, payload: successor } : undefined;
}

// A retry is answered from the successor without rotating it again. The mark sits on the request object
// itself (never a header or a parameter a client could send), set by the token route before the provider
// reads the request.
const ANSWERS_RETRY = Symbol('refresh retry answered with the successor');

export function markRetryAnsweredBySuccessor(req: IncomingMessage): void {
  (req as IncomingMessage & { [ANSWERS_RETRY]?: true })[ANSWERS_RETRY] = true;
}

/** oidc-provider's rotateRefreshToken: always, except when a retry is answered with the successor. */
export const rotatesRefreshToken = (ctx: KoaContextWithOIDC): boolean => !(ctx.req as IncomingMessage & { [ANSWERS_RETRY]?: true })[ANSWERS_RETRY];
