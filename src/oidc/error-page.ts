// The page oidc-provider shows when an authorization request fails before a redirect is possible:
// the error code and description, escaped; never a stack trace.
import type { KoaContextWithOIDC } from 'oidc-provider';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function errorPage(error: string, description = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Something went wrong</h1>
<p><code>${escape(error)}</code></p>
<p>${escape(description)}</p></main></body></html>`;
}

export async function renderErrorPage(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  ctx.type = 'html';
  ctx.body = errorPage(out.error, out.error_description);
}
