// Long identifiers (URLs, the Metadata JSON) as HTML that wraps between their parts, never inside a word:
// a <wbr> after each slash (not inside `//`) and each dot (not one that opens a segment, `/.well-known`),
// and before `?`, `&` and `#`. Escaped here, so templates print it with `<%~ %>`; <wbr> adds no text,
// so copying the element copies the URL as it is.
const BREAKS = /(?<=\/)(?!\/)|(?<=[^/]\.)|(?=[?&#])/;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function breakable(text: string): string {
  return text.split(BREAKS).map(escapeHtml).join('<wbr>');
}

/** Scope names, each kept whole on its line; the list wraps between them. '—' for none. */
export function scopeList(scopes: readonly string[]): string {
  return scopes.length === 0 ? '—' : scopes.map((s) => `<span class="scope">${escapeHtml(s)}</span>`).join(' ');
}
