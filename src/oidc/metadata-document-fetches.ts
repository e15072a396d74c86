// Per app: how long one fetch of a client ID metadata document may take in all (connect, headers and
// body together), and the fetches under way, one per URL, which concurrent authorizations share. Kept
// apart from client-metadata-document.ts so that building an app does not load the fetching code.
import type { Client } from '../store/clients.js';

export interface MetadataDocumentFetches {
  deadlineMs: number;
  /** By document URL: the fetch under way and the client it will store. */
  pending: Map<string, Promise<Client>>;
}

export const DEFAULT_METADATA_DOCUMENT_DEADLINE_MS = 5000;

export function metadataDocumentFetches(deadlineMs = DEFAULT_METADATA_DOCUMENT_DEADLINE_MS): MetadataDocumentFetches {
  return { deadlineMs, pending: new Map() };
}
