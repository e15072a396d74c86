// The management API's errors as vocabulary: one class per gRPC status we answer with. Each transport
// has one serialiser (gRPC status + ErrorInfo detail; Scalekit's REST error JSON); anything that is
// not a ManagementError is an internal error, shown without its message (a full disk: UNAVAILABLE).
import { storageFailure, storageProblem } from '../store/storage-failure.js';

/** gRPC status codes we emit (google.rpc.Code), with the HTTP status grpc-gateway maps each to. */
export const STATUS = {
  INVALID_ARGUMENT: { code: 3, http: 400 },
  NOT_FOUND: { code: 5, http: 404 },
  ALREADY_EXISTS: { code: 6, http: 409 },
  FAILED_PRECONDITION: { code: 9, http: 400 },
  UNIMPLEMENTED: { code: 12, http: 501 },
  INTERNAL: { code: 13, http: 500 },
  UNAUTHENTICATED: { code: 16, http: 401 },
  UNAVAILABLE: { code: 14, http: 503 },
} as const;

export type StatusName = keyof typeof STATUS;

export interface FieldViolation {
  /** The field as the caller named it: proto/REST snake_case, e.g. `client.scopes[1]`. */
  field: string;
  description: string;
}

export class ManagementError extends Error {
  constructor(
    readonly status: StatusName,
    message: string,
    readonly violations: FieldViolation[] = [],
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}

export class InvalidArgument extends ManagementError {
  constructor(violations: FieldViolation[]) {
    super('INVALID_ARGUMENT', violations.map((v) => `${v.field}: ${v.description}`).join('; '), violations);
  }

  static field(field: string, description: string): InvalidArgument {
    return new InvalidArgument([{ field, description }]);
  }
}

export class NotFound extends ManagementError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`);
  }
}

export class AlreadyExists extends ManagementError {
  constructor(message: string) {
    super('ALREADY_EXISTS', message);
  }
}

export class FailedPrecondition extends ManagementError {
  constructor(message: string) {
    super('FAILED_PRECONDITION', message);
  }
}

export class Unauthenticated extends ManagementError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** The database cannot take a write now (a full disk): nothing changed, try again later. */
export class Unavailable extends ManagementError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

/** The error to show a caller: management errors as they are, a storage failure as UNAVAILABLE, anything else as a bare internal error. */
export function exposeManagementError(err: unknown): ManagementError {
  if (err instanceof ManagementError) return err;
  const storage = storageFailure(err);
  return storage ? new Unavailable(storageProblem(storage)) : new ManagementError('INTERNAL', 'internal error');
}
