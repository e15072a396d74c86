// Parses an application/x-www-form-urlencoded token request body. RFC 6749 §3.2: a parameter sent
// more than once is an invalid request, except the ones a specification lets repeat (RFC 8707 `resource`).
import { InvalidRequest } from './errors.js';

export class FormParams {
  constructor(private readonly values: Map<string, string[]>) {}

  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  getAll(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /** A copy with `name` set to `values` (removed when empty). */
  with(name: string, values: string[]): FormParams {
    const copy = new Map(this.values);
    if (values.length > 0) copy.set(name, values);
    else copy.delete(name);
    return new FormParams(copy);
  }

  toString(): string {
    const out = new URLSearchParams();
    for (const [key, values] of this.values) for (const v of values) out.append(key, v);
    return out.toString();
  }
}

const REPEATABLE = new Set(['resource']);

export function parseForm(body: unknown): FormParams {
  if (typeof body !== 'string') {
    throw new InvalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  const values = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (value === '') continue; // RFC 6749 §3.1: empty means omitted
    const list = values.get(key);
    if (list && !REPEATABLE.has(key)) throw new InvalidRequest(`'${key}' parameter must only be provided once`);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return new FormParams(values);
}
