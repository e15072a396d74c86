// Redirect URI matching: exact, except that a loopback redirect URI (http, 127.0.0.1, [::1] or localhost)
// matches on any port (RFC 8252 §7.3, OAuth 2.1 §8.4.2), whatever the client's application_type.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

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
