// What every dashboard page shares: who is signed in, the page frame (navigation, notice, CSRF token),
// the one-time notice after an action, and management errors turned into readable messages.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../management/audit.js';
import { ManagementError, STATUS, type FieldViolation } from '../../management/errors.js';
import type { ManagementService } from '../../management/service.js';
import type { EnvironmentContext } from '../../oidc/environment.js';
import { breakable, scopeList } from '../breakable.js';
import { hostOf } from '../interaction-context.js';
import type { DashboardSession, DashboardSessions, RevealedSecret } from './session.js';

export type Section = 'mcp-servers' | 'organizations' | 'users' | 'test-users' | 'consents' | 'environment' | 'keys' | 'audit';

export const SECTIONS: { key: Section; label: string; href: string }[] = [
  { key: 'mcp-servers', label: 'MCP servers', href: '/dashboard/mcp-servers' },
  { key: 'organizations', label: 'Organizations', href: '/dashboard/organizations' },
  { key: 'users', label: 'Users', href: '/dashboard/users' },
  { key: 'test-users', label: 'Test users', href: '/dashboard/test-users' },
  { key: 'consents', label: 'Consents', href: '/dashboard/consents' },
  { key: 'environment', label: 'Environment', href: '/dashboard/environment' },
  { key: 'keys', label: 'Signing keys', href: '/dashboard/keys' },
  { key: 'audit', label: 'Audit log', href: '/dashboard/audit' },
];

/** A management error as the page shows it. */
export interface Problem {
  status: number;
  message: string;
  fields: FieldViolation[];
}

export interface Dashboard {
  env: EnvironmentContext;
  management: ManagementService;
  sessions: DashboardSessions;
  session(request: FastifyRequest): DashboardSession;
  caller(request: FastifyRequest): Caller;
  /** Renders views/dashboard/<view>.eta inside the dashboard's frame. */
  render(request: FastifyRequest, reply: FastifyReply, section: Section | undefined, view: string, model: Record<string, unknown>): Promise<FastifyReply>;
  /** After an action: a notice for the next page (and a secret for it to show once), and 303 to it. */
  done(request: FastifyRequest, reply: FastifyReply, to: string, notice: string, revealed?: RevealedSecret): Promise<FastifyReply>;
}

export function dashboard(env: EnvironmentContext, management: ManagementService, sessions: DashboardSessions): Dashboard {
  const session = (request: FastifyRequest) => sessions.loaded(request);
  return {
    env,
    management,
    sessions,
    session,
    caller: (request) => session(request).caller,
    async render(request, reply, section, view, model) {
      const current = session(request);
      const notice = current.notice;
      if (notice !== undefined) await sessions.update(request, { notice: undefined });
      return reply.header('cache-control', 'no-store').view(`dashboard/${view}.eta`, {
        environmentHost: hostOf(env.issuer),
        signedInAs: current.signedInAs,
        sections: SECTIONS.map((s) => ({ ...s, active: s.key === section })),
        csrf: reply.generateCsrf(),
        breakable,
        scopeList,
        ...(notice ? { notice } : {}),
        ...model,
      });
    },
    async done(request, reply, to, notice, revealed) {
      await sessions.update(request, { notice, ...(revealed ? { revealed } : {}) });
      return reply.redirect(to, 303);
    },
  };
}

/** Runs a management call; a ManagementError comes back as a Problem for the page, anything else is thrown. */
export async function attempt<T>(action: () => T | Promise<T>): Promise<{ ok: T; problem?: undefined } | { problem: Problem }> {
  try {
    return { ok: await action() };
  } catch (err) {
    if (!(err instanceof ManagementError)) throw err;
    return { problem: problemOf(err) };
  }
}

// The service names fields as its wire does (`resource.resource_id`); the forms label them.
const FIELD_LABELS: Record<string, string> = {
  resource_id: 'Server URL',
  name: 'Name',
  description: 'Description',
  display_name: 'Name',
  access_token_expiry: 'Access token lifetime',
  refresh_token_expiry: 'Refresh token lifetime',
  token_issuer: 'Issuer of user tokens',
  token_profile: 'Token profile',
  expiry: 'Token lifetime',
  email: 'Email',
  password: 'Password',
  audience: 'Audience',
  scopes: 'Scopes',
  switch_after_seconds: 'Sign with it',
  start_time: 'From',
  static_code: 'Static confirmation code',
  end_time: 'Until',
};

function labelled(violation: FieldViolation): FieldViolation {
  const path = violation.field.replace(/^(resource|client|user|organization|test_users)\./, '');
  const scope = /^scopes\[(\d+)\]/.exec(path);
  if (scope) return { field: `Scope ${Number(scope[1]) + 1}`, description: violation.description };
  const email = /^emails\[(\d+)\]/.exec(path);
  if (email) return { field: `Email ${Number(email[1]) + 1}`, description: violation.description };
  const provider = /^trusted_identity_providers\[\d+\]\.(\w+)$/.exec(path);
  if (provider) return { field: provider[1] === 'jwks_uri' ? 'JWKS URL' : 'Issuer', description: violation.description };
  if (path.startsWith('token_exchange.accept_from')) return { field: 'Token exchange', description: violation.description };
  const [name, ...rest] = path.split(/(?=[.[])/);
  return { field: (FIELD_LABELS[name!] ?? name!) + rest.join(''), description: violation.description };
}

export function problemOf(err: ManagementError): Problem {
  const status = err.status === 'INTERNAL' ? 500 : STATUS[err.status].http;
  if (err.violations.length > 0) return { status, message: 'Some fields need another look:', fields: err.violations.map(labelled) };
  return { status, message: sentence(err.message), fields: [] };
}

const sentence = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) + (text.endsWith('.') ? '' : '.') : text);
