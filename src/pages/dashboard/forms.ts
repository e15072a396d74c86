// Reading the dashboard's plain HTML forms into the management service's fields. A value the service
// would refuse anyway is passed on as it is; only what HTML cannot say (a number typed as text) is
// refused here, as INVALID_ARGUMENT naming the field like the service does.
import { InvalidArgument } from '../../management/errors.js';

export type FormBody = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

export function text(body: FormBody, name: string): string {
  return first(body[name]).trim();
}

/** A password as typed (spaces count), or undefined when left blank. */
export function password(body: FormBody, name: string): string | undefined {
  return first(body[name]) || undefined;
}

export function checked(body: FormBody, name: string): boolean {
  return body[name] !== undefined;
}

/** A whole number of seconds, or undefined when blank. */
export function seconds(body: FormBody, name: string): number | undefined {
  const value = text(body, name);
  if (!value) return undefined;
  if (!/^\d+$/.test(value)) throw InvalidArgument.field(name, 'must be a whole number of seconds');
  return Number(value);
}

/** One entry per line or comma (URLs, audiences). */
export function lines(body: FormBody, name: string): string[] {
  return text(body, name).split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);
}

/** Every value of a repeated field (checkboxes of one name). */
export function all(body: FormBody, name: string): string[] {
  const value = body[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => v.trim()).filter(Boolean);
}

/** Rows of fields named `<prefix>.<n>.<field>`, in the order of n. */
export function rows(body: FormBody, prefix: string): Record<string, string>[] {
  const out = new Map<number, Record<string, string>>();
  for (const [key, value] of Object.entries(body)) {
    const match = new RegExp(`^${prefix}\\.(\\d{1,3})\\.(\\w+)$`).exec(key);
    if (!match) continue;
    const row = out.get(Number(match[1])) ?? {};
    row[match[2]!] = first(value).trim();
    out.set(Number(match[1]), row);
  }
  return [...out.entries()].sort(([a], [b]) => a - b).map(([, row]) => row);
}
