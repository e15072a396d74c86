// The public JSON documents MCP servers and SDKs poll (/keys, the issuers' metadata): serialized once per
// change, with a strong ETag (a hash of the exact bytes), so a poller that sends If-None-Match gets a
// 304 with no body while nothing changed, and no request re-serializes what has not changed.
//
//   const doc = jsonDocument(value);          // when the value changes, not per request
//   return sendDocument(request, reply, doc, 'public, max-age=60');
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeTopic, StoreChanges } from '../store/index.js';

export interface JsonDocument {
  readonly body: string;
  /** Strong entity tag, quotes included. */
  readonly etag: string;
}

export function jsonDocument(value: unknown): JsonDocument {
  const body = JSON.stringify(value);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

// Entity tags in an If-None-Match list; an opaque tag holds no DQUOTE (RFC 9110 §8.8.3), so each tag is
// a quoted run, with or without W/.
const ENTITY_TAG = /(?:W\/)?"([^"]*)"/g;

/**
 * RFC 9110 §13.1.2: `*`, or any tag of the list equal to ours by the weak comparison (the W/ prefix
 * ignored). Node joins several If-None-Match lines into one list.
 */
export function noneMatch(list: string | undefined, etag: string): boolean {
  if (list === undefined) return false;
  if (list.trim() === '*') return true;
  const opaque = etag.slice(1, -1);
  for (const [, tag] of list.matchAll(ENTITY_TAG)) if (tag === opaque) return true;
  return false;
}

/** 200 with the bytes, or 304 with no body (and the same ETag and Cache-Control, §15.4.5) on a match. */
export function sendDocument(request: FastifyRequest, reply: FastifyReply, doc: JsonDocument, cacheControl: string): FastifyReply {
  reply.header('etag', doc.etag).header('cache-control', cacheControl);
  if (noneMatch(request.headers['if-none-match'], doc.etag)) return reply.code(304).send();
  return reply.header('content-type', 'application/json; charset=utf-8').send(doc.body);
}

/**
 * Documents built from what the store holds (the metadata lists grants that depend on every MCP
 * server's settings), kept per key and issuer until the store says `topic` changed, here or on another
 * replica. A document whose build a change overtook is served but not kept.
 */
export function storeDocuments<K extends object>(changes: StoreChanges, topic: ChangeTopic) {
  let generation = 0;
  let kept = new WeakMap<K, { issuer: string; doc: JsonDocument }>();
  changes.on(topic, () => {
    generation += 1;
    kept = new WeakMap();
  });
  return async (key: K, issuer: string, build: () => Promise<unknown>): Promise<JsonDocument> => {
    const entry = kept.get(key);
    if (entry?.issuer === issuer) return entry.doc;
    const started = generation;
    const doc = jsonDocument(await build());
    if (started === generation) kept.set(key, { issuer, doc });
    return doc;
  };
}
