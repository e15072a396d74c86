// JSON helpers for columns that hold arrays, and an order-independent comparison for upserts.
export function parseJsonArray<T>(text: string): T[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? (value as T[]) : [];
}

/** JSON with object keys sorted, so two values compare equal whatever order their keys were built in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** True when `a` and `b` agree on every key except the named ones. */
export function sameExcept(a: object, b: object, ignore: string[]): boolean {
  const strip = (o: object) => Object.fromEntries(Object.entries(o).filter(([k]) => !ignore.includes(k)));
  return stableJson(strip(a)) === stableJson(strip(b));
}
