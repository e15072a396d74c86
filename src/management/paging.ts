// page_size / page_token over a list ordered by (create_time, id). The token names the last item of
// the previous page, not an offset, so a delete between two calls neither skips nor repeats an item.
import { InvalidArgument } from './errors.js';

export interface PageRequest {
  /** 0: the list's default. */
  pageSize?: number;
  pageToken?: string;
}

export interface Page<T> {
  items: T[];
  /** Empty on the last page. */
  nextPageToken: string;
  totalSize: number;
}

export interface PageRules {
  defaultSize: number;
  /** Larger sizes are cut to this (Scalekit documents 10-100 for its lists). */
  maxSize: number;
  /** Larger sizes are refused instead of cut (e.g. ListResources: page_size <= 30). */
  strictMax?: boolean;
}

export type Position = [string, string];

export function encodePageToken(position: unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodePageToken(token: string, length: number): unknown[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === length) return value;
  } catch {
    // not JSON: the same answer as any other foreign token
  }
  throw InvalidArgument.field('page_token', 'is not a page token of this list');
}

export function pageSize(request: PageRequest, rules: PageRules): number {
  const size = request.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0) throw InvalidArgument.field('page_size', 'must be a whole number');
  if (rules.strictMax && size > rules.maxSize) throw InvalidArgument.field('page_size', `must be at most ${rules.maxSize}`);
  return size === 0 ? rules.defaultSize : Math.min(size, rules.maxSize);
}

/**
 * One page read straight from the store, for lists too long to load whole: `read(after, limit)` gives
 * the items after a position (create time, id), in order; `totalSize` is the whole list's length.
 */
export async function pageFrom<T>(
  request: PageRequest,
  rules: PageRules,
  totalSize: number,
  read: (after: Position | undefined, limit: number) => Promise<T[]>,
  position: (item: T) => Position,
): Promise<Page<T>> {
  const size = pageSize(request, rules);
  const after = request.pageToken ? decodePageToken(request.pageToken, 2) : undefined;
  if (after && !after.every((p) => typeof p === 'string')) throw InvalidArgument.field('page_token', 'is not a page token of this list');
  const rows = await read(after as Position | undefined, size + 1);
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return { items, nextPageToken: rows.length > size && last !== undefined ? encodePageToken(position(last)) : '', totalSize };
}

/** One page of `items` (already ordered by create time, then id). */
export function pageOf<T>(items: T[], request: PageRequest, rules: PageRules, position: (item: T) => Position): Page<T> {
  const size = pageSize(request, rules);
  let start = 0;
  if (request.pageToken) {
    const [time, id] = decodePageToken(request.pageToken, 2) as Position;
    start = items.findIndex((item) => {
      const [t, i] = position(item);
      return t > time || (t === time && i > id);
    });
    if (start === -1) start = items.length;
  }
  const slice = items.slice(start, start + size);
  const last = slice[slice.length - 1];
  const more = start + size < items.length && last !== undefined;
  return { items: slice, nextPageToken: more ? encodePageToken(position(last)) : '', totalSize: items.length };
}
