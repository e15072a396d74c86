// Marks every cookie of a page's answer Secure (CSRF, dashboard session, any added later), so that no
// cookie of an https site can be read or set over plain http.
import type { FastifyReply } from 'fastify';

const SECURE = /;\s*secure\s*(;|$)/i;

export function secureCookies(reply: FastifyReply): void {
  const header = reply.getHeader('set-cookie');
  if (header === undefined) return;
  const cookies = (Array.isArray(header) ? header : [String(header)]).map((c) => (SECURE.test(c) ? c : `${c}; Secure`));
  reply.removeHeader('set-cookie'); // reply.header() adds to a Set-Cookie list instead of replacing it
  reply.header('set-cookie', cookies);
}
