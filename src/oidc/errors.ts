// OAuth errors as vocabulary (RFC 6749 §5.2, RFC 8707 §2): one class per code we emit. Only these
// reach a client as they are; anything else becomes a plain server_error.
import { STORAGE_RETRY_AFTER_SECONDS, storageFailure, storageProblem } from '../store/storage-failure.js';
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

export class InvalidRequest extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_request', description);
  }
}

export class InvalidClient extends OAuthError {
  /** `challenge` is the realm to name in WWW-Authenticate when the client tried HTTP Basic. */
  constructor(description: string, challenge?: string) {
    super(401, 'invalid_client', description, challenge ? { 'www-authenticate': `Basic realm="${challenge}"` } : {});
  }
}

export class UnauthorizedClient extends OAuthError {
  constructor(description: string) {
    super(400, 'unauthorized_client', description);
  }
}

export class UnsupportedGrantType extends OAuthError {
  constructor(description: string) {
    super(400, 'unsupported_grant_type', description);
  }
}

export class InvalidScope extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_scope', description);
  }
}

/** A grant (a subject token, an assertion) that is invalid, expired, revoked, replayed or not for this request. */
export class InvalidGrant extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_grant', description);
  }
}

export class InvalidTarget extends OAuthError {
  constructor(description: string) {
    super(400, 'invalid_target', description);
  }
}

/** A path under /resources/<res_id>/ names no MCP server. */
export class UnknownMcpServer extends OAuthError {
  constructor() {
    super(404, 'invalid_request', 'no such MCP server');
  }
}

export class ServerError extends OAuthError {
  constructor() {
    super(500, 'server_error', 'the server could not complete the request');
  }
}

/** The database cannot take a write now (a full disk): try again later (RFC 6749 §4.1.2.1's code). */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description: string) {
    super(503, 'temporarily_unavailable', description, { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) });
  }
}

/** The error to show a client: OAuth errors as they are, a storage failure as temporarily_unavailable, anything else as a bare server_error. */
export function exposeOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  const storage = storageFailure(err);
  return storage ? new TemporarilyUnavailable(storageProblem(storage)) : new ServerError();
}
