// Who is signed in to the dashboard: a server-side session per sign-in, named by a random id in an
// HttpOnly, SameSite=Lax cookie scoped to /dashboard. Sessions live in this object (one per app) and
// end after SESSION_LIFETIME_MS, at sign-out, or when the server stops. A session also carries what is
// shown once on the next page: a notice, or a client secret just created (never put in a URL or cookie).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../management/audit.js';
import type { Store } from '../../store/index.js';

export const SESSION_COOKIE = 'emulator_dashboard';
const SESSION_LIFETIME_MS = 8 * 3600_000;
const MAX_SESSIONS = 1000;

/** A secret created by the last action, shown on the next page of that client and then forgotten. */
export interface RevealedSecret {
  clientId: string;
  plainSecret: string;
}

export interface DashboardSession {
  caller: Caller;
  /** Who signed in, as the page shows it. */
  signedInAs: string;
  expiresAt: number;
  notice?: string;
  revealed?: RevealedSecret;
}

export interface DashboardSessions {
  start(reply: FastifyReply, caller: Caller, signedInAs: string): void;
  /** The request's live session, or undefined. */
  of(request: FastifyRequest): DashboardSession | undefined;
  end(request: FastifyRequest, reply: FastifyReply): void;
}

export function dashboardSessions(clock: () => number): DashboardSessions {
  const sessions = new Map<string, DashboardSession>();
  const idOf = (request: FastifyRequest) => {
    const raw = request.cookies[SESSION_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    return unsigned?.valid ? unsigned.value : undefined;
  };
  return {
    start(reply, caller, signedInAs) {
      const now = clock();
      for (const [id, s] of sessions) if (s.expiresAt <= now) sessions.delete(id);
      while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { caller, signedInAs, expiresAt: now + SESSION_LIFETIME_MS });
      reply.setCookie(SESSION_COOKIE, id, {
        path: '/dashboard',
        httpOnly: true,
        sameSite: 'lax', // Secure over https: pages/secure-cookies.ts
        signed: true,
        maxAge: SESSION_LIFETIME_MS / 1000,
      });
    },
    of(request) {
      const id = idOf(request);
      const session = id ? sessions.get(id) : undefined;
      if (!session) return undefined;
      if (session.expiresAt <= clock()) {
        sessions.delete(id!);
        return undefined;
      }
      return session;
    },
    end(request, reply) {
      const id = idOf(request);
      if (id) sessions.delete(id);
      reply.clearCookie(SESSION_COOKIE, { path: '/dashboard' });
    },
  };
}

/**
 * The caller the sign-in form names: the environment client (id and secret), or the operator with
 * ADMIN_PASSWORD. An unknown client id costs the same work as a wrong secret (the store checks the
 * secret before it looks the client up).
 */
export function dashboardCaller(store: Store, adminPassword: string | undefined, form: { client_id?: string; client_secret?: string; password?: string }): { caller: Caller; signedInAs: string } | undefined {
  if (form.password !== undefined) {
    if (adminPassword === undefined || !samePassword(form.password, adminPassword)) return undefined;
    return { caller: { actor: 'admin' }, signedInAs: 'admin' };
  }
  const clientId = (form.client_id ?? '').trim();
  const secret = form.client_secret ?? '';
  if (!clientId || !secret || clientId.length > 256 || secret.length > 1024) return undefined;
  const verified = store.secrets.verify(clientId, secret);
  const client = verified ? store.clients.get(clientId) : undefined;
  return client?.kind === 'environment' ? { caller: { actor: clientId }, signedInAs: clientId } : undefined;
}

// Equal-length digests, so the comparison neither fails early nor tells the password's length.
function samePassword(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
