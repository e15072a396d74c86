// Parses an application/x-www-form-urlencoded token request body. RFC 6749 §3.2: a parameter sent
// more than once is an invalid request.
import { InvalidRequest } from './errors.js';

export type FormParams = Map<string, string>;

export function parseForm(body: unknown): FormParams {
  if (typeof body !== 'string') {
    throw new InvalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  const params: FormParams = new Map();
  for (const [key, value] of new URLSearchParams(body)) {
    if (params.has(key)) throw new InvalidRequest(`'${key}' parameter must only be provided once`);
    if (value !== '') params.set(key, value); // RFC 6749 §3.1: empty means omitted
  }
  return params;
}
