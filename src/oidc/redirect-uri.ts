// Redirect URIs: which ones a client may register (OAuth 2.1 §2.3.1, RFC 8252: https, http on loopback
// only, or an app's own private-use scheme), and matching: exact, except that a loopback redirect URI
// (http, 127.0.0.1, [::1] or localhost) matches on any port (RFC 8252 §7.3, OAuth 2.1 §8.4.2), whatever
// the client's application_type.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'about:', 'blob:']);

/** Why `value` cannot be registered as a redirect URI, or undefined when it can. */
export function redirectUriProblem(value: string): string | undefined {
  const url = URL.parse(value);
  if (!url) return 'is not an absolute URI';
  if (url.hash) return 'must not have a fragment';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return 'must use https (http is allowed for 127.0.0.1, [::1] and localhost only)';
  return undefined;
}

function withoutLoopbackPort(value: string): string | undefined {
  const url = URL.parse(value);
  if (!url || url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  url.port = '';
  return url.href;
}

export function redirectUriAllowed(registered: readonly string[], value: string): boolean {
  if (registered.includes(value)) return true;
  const portless = withoutLoopbackPort(value);
  return portless !== undefined && registered.some((r) => withoutLoopbackPort(r) === portless);
}
