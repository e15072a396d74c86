// Who is signed in to the dashboard: a session per sign-in, named by a random id in an HttpOnly,
// SameSite=Lax cookie scoped to /dashboard, and kept in the store (dashboard-sessions.ts), so every
// replica of one database knows it. Sessions end after SESSION_LIFETIME_MS or at sign-out. A session
// also carries what is shown once on the next page: a notice, or a client secret just created (never
// put in a URL or cookie; sealed in the row under a key only the cookie's id gives).
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../management/audit.js';
import type { DashboardSessionRepository, StoredDashboardSession } from '../../store/dashboard-sessions.js';
import type { Repositories } from '../../store/index.js';

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

/** What waits for the next page; a field set to undefined is cleared. */
export type PendingChange = Partial<Pick<DashboardSession, 'notice' | 'revealed'>>;

export interface DashboardSessions {
  start(reply: FastifyReply, caller: Caller, signedInAs: string): Promise<void>;
  /** The request's live session, or undefined (read from the store once per request). */
  of(request: FastifyRequest): Promise<DashboardSession | undefined>;
  /** The session of() found for this request; throws when it found none. */
  loaded(request: FastifyRequest): DashboardSession;
  /** Changes what the next page shows once. */
  update(request: FastifyRequest, change: PendingChange): Promise<void>;
  end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

const digest = (label: string, id: string) => createHash('sha256').update(`${label}\n${id}`).digest();
const idHash = (id: string) => digest('dashboard session', id).toString('hex');

// AES-256-GCM under a key derived from the session id, which only the cookie holds: the row alone opens nothing.
function seal(id: string, revealed: RevealedSecret): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', digest('dashboard revealed secret', id), iv);
  const data = Buffer.concat([cipher.update(revealed.plainSecret, 'utf8'), cipher.final()]);
  return JSON.stringify({ client_id: revealed.clientId, iv: iv.toString('base64url'), data: data.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') });
}

function unseal(id: string, sealed: string): RevealedSecret | undefined {
  try {
    const { client_id: clientId, iv, data, tag } = JSON.parse(sealed) as Record<string, string>;
    const decipher = createDecipheriv('aes-256-gcm', digest('dashboard revealed secret', id), Buffer.from(iv!, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
    const plainSecret = Buffer.concat([decipher.update(Buffer.from(data!, 'base64url')), decipher.final()]).toString('utf8');
    return { clientId: clientId!, plainSecret };
  } catch {
    return undefined;
  }
}

export function dashboardSessions(repo: DashboardSessionRepository, clock: () => number): DashboardSessions {
  // By request: its session id and what the store said, read once.
  const found = new WeakMap<FastifyRequest, Promise<{ id: string; session: DashboardSession } | undefined>>();
  const idOf = (request: FastifyRequest) => {
    const raw = request.cookies[SESSION_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    return unsigned?.valid ? unsigned.value : undefined;
  };
  const read = async (request: FastifyRequest) => {
    const id = idOf(request);
    const stored = id ? await repo.get(idHash(id), clock()) : undefined;
    if (!id || !stored) return undefined;
    const revealed = stored.revealed ? unseal(id, stored.revealed) : undefined;
    const session: DashboardSession = {
      caller: { actor: stored.actor },
      signedInAs: stored.signedInAs,
      expiresAt: stored.expiresAt,
      ...(stored.notice !== undefined ? { notice: stored.notice } : {}),
      ...(revealed ? { revealed } : {}),
    };
    return { id, session };
  };
  const current = (request: FastifyRequest) => {
    let entry = found.get(request);
    if (!entry) found.set(request, (entry = read(request)));
    return entry;
  };
  const loaded = new WeakMap<FastifyRequest, DashboardSession>();

  return {
    async start(reply, caller, signedInAs) {
      const now = clock();
      const id = randomBytes(32).toString('base64url');
      const stored: StoredDashboardSession = { actor: caller.actor, signedInAs, expiresAt: now + SESSION_LIFETIME_MS };
      await repo.create(idHash(id), stored, now, MAX_SESSIONS);
      reply.setCookie(SESSION_COOKIE, id, {
        path: '/dashboard',
        httpOnly: true,
        sameSite: 'lax', // Secure over https: pages/secure-cookies.ts
        signed: true,
        maxAge: SESSION_LIFETIME_MS / 1000,
      });
    },
    async of(request) {
      const entry = await current(request);
      if (entry) loaded.set(request, entry.session);
      return entry?.session;
    },
    loaded(request) {
      const session = loaded.get(request);
      if (!session) throw new Error('dashboard route reached without a session'); // the onRequest hook prevents it
      return session;
    },
    async update(request, change) {
      const entry = await current(request);
      if (!entry) return;
      const { session } = entry;
      for (const key of ['notice', 'revealed'] as const) {
        if (!(key in change)) continue;
        if (change[key] === undefined) delete session[key];
        else (session as PendingChange)[key] = change[key] as never;
      }
      await repo.setPending(idHash(entry.id), {
        ...(session.notice !== undefined ? { notice: session.notice } : {}),
        ...(session.revealed ? { revealed: seal(entry.id, session.revealed) } : {}),
      });
    },
    async end(request, reply) {
      const id = idOf(request);
      if (id) await repo.remove(idHash(id));
      reply.clearCookie(SESSION_COOKIE, { path: '/dashboard' });
    },
  };
}

/**
 * The caller the sign-in form names: the environment client (id and secret), or the operator with
 * ADMIN_PASSWORD. An unknown client id costs the same work as a wrong secret (the store checks the
 * secret before it looks the client up).
 */
export async function dashboardCaller(
  store: Repositories,
  adminPassword: string | undefined,
  form: { client_id?: string; client_secret?: string; password?: string },
): Promise<{ caller: Caller; signedInAs: string } | undefined> {
  if (form.password !== undefined) {
    if (adminPassword === undefined || !samePassword(form.password, adminPassword)) return undefined;
    return { caller: { actor: 'admin' }, signedInAs: 'admin' };
  }
  const clientId = (form.client_id ?? '').trim();
  const secret = form.client_secret ?? '';
  if (!clientId || !secret || clientId.length > 256 || secret.length > 1024) return undefined;
  const verified = await store.secrets.verify(clientId, secret);
  const client = verified ? await store.clients.get(clientId) : undefined;
  return client?.kind === 'environment' ? { caller: { actor: clientId }, signedInAs: clientId } : undefined;
}

// Equal-length digests, so the comparison neither fails early nor tells the password's length.
function samePassword(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
