// What every API command gets: the environment (read by config/ only) and where to print.
import { Command } from 'commander';
import { loadApiClientConfig } from '../config/api-client.js';
import { apiClient, type ApiClient } from './api.js';
import type { Output } from './output.js';

/** A command used wrongly in a way commander cannot see (e.g. two options that exclude each other). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliContext {
  env: Record<string, string | undefined>;
  write(text: string): void;
}

export interface JsonOption {
  json?: boolean;
}

export function connect(ctx: CliContext, opts: JsonOption, options = { credentials: true }): { api: ApiClient; out: Output } {
  return { api: apiClient(loadApiClientConfig(ctx.env, options)), out: { json: opts.json === true, write: ctx.write } };
}

/** A subcommand that talks to a running emulator: every one takes --json. */
export function apiCommand(name: string, description: string): Command {
  return new Command(name).description(description).option('--json', 'print the API response as JSON');
}

/** Every page of a list, `page_size` at a time. */
export async function allPages<T>(api: ApiClient, path: string, key: string, pageSize: number): Promise<T[]> {
  const items: T[] = [];
  let token = '';
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api.call<Record<string, unknown>>('GET', `${path}${sep}page_size=${pageSize}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    items.push(...((page[key] as T[] | undefined) ?? []));
    token = String(page.next_page_token ?? '');
  } while (token);
  return items;
}

/** Repeatable option values: `--scope a --scope b` or `--scope a,b`. */
export const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export const path = (...parts: string[]) => parts.map((p) => (p.startsWith('/') ? p : `/${encodeURIComponent(p)}`)).join('');
