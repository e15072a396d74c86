// When two resource URLs name the same resource (RFC 8707 §2, MCP "canonical server URI"): scheme and host
// compare case-insensitively (URL parsing lowercases them), a default port is the same as none, and one
// trailing slash on the path makes no difference. The one place that decides it.

/** A comparison key for a resource URL, or undefined when `value` is not an absolute http(s) URL. */
export function resourceKey(value: string): string | undefined {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash) return undefined;
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return `${url.protocol}//${url.host}${path}${url.search}`;
}

export function sameResource(a: string, b: string): boolean {
  const key = resourceKey(a);
  return key !== undefined && key === resourceKey(b);
}
