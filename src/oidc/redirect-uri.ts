// Redirect URIs: the one rule for which a client may register, whichever way it enters (DCR, the
// management API, the seed's environment redirect URIs, client ID metadata documents), and matching.
// Registrable (OAuth 2.1 §2.3.1, RFC 8252 §7): https; http on a loopback host only (127.0.0.1, [::1],
// localhost), any port; or an app's private-use scheme in reverse-domain form (com.example.app:/cb,
// RFC 8252 §7.1). Never a fragment (RFC 6749 §3.1.2) or a user name and password. Everything else a
// browser would send over the network or run (ws:, ftp:, view-source:, javascript:, data:, file:) is refused.
// Matching is exact, except that a loopback redirect URI matches on any port (RFC 8252 §7.3, OAuth 2.1
// §8.4.2), whatever the client's application_type.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** How many redirect URIs a client may register, and how long each may be. */
export const REDIRECT_URI_LIMITS = { count: 10, length: 2048 } as const;

// RFC 8252 §7.1: a scheme built from a domain name the app controls, in reverse order (at least two labels).
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+:$/;
// MCP hosts whose private-use scheme predates that rule and that real users run: Cursor registers
// cursor://anysphere.cursor-mcp/oauth/callback beside its https and loopback ones, and refusing one URI
// refuses the whole registration.
const MCP_HOST_SCHEMES = new Set(['cursor:']);

const isPrivateUseScheme = (protocol: string) => REVERSE_DOMAIN_SCHEME.test(protocol) || MCP_HOST_SCHEMES.has(protocol);

/** Why `value` cannot be registered as a redirect URI, or undefined when it can. */
export function redirectUriProblem(value: string): string | undefined {
  if (value.length > REDIRECT_URI_LIMITS.length) return `must be at most ${REDIRECT_URI_LIMITS.length} characters`;
  const url = URL.parse(value);
  if (!url) return 'is not an absolute URI';
  if (value.includes('#')) return 'must not have a fragment';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : 'must use https (http is allowed for 127.0.0.1, [::1] and localhost only)';
  }
  if (isPrivateUseScheme(url.protocol)) return undefined;
  return `must use https, http on a loopback address, or an app's private-use scheme in reverse-domain form such as com.example.app:/callback (not ${url.protocol})`;
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
