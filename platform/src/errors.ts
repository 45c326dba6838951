/**
 * The platform's one error type. Domain code throws `AppError`; the HTTP edge
 * (http/problem.ts) turns it into application/problem+json.
 */
export type ErrorKind =
  | 'malformed' // 400: the request cannot be read (bad JSON, bad query)
  | 'unauthenticated' // 401: no, bad or expired credentials
  | 'forbidden' // 403: known caller, action not allowed
  | 'not_found' // 404: absent, or in another territory
  | 'conflict' // 409: the state of the world refuses it (slot taken, last admin)
  | 'gone' // 410: existed once, no more (expired link)
  | 'too_large' // 413: body over the limit
  | 'invalid' // 422: well-formed but refused by a schema or a rule
  | 'challenged' // 428: retry with the proof the answer asks for (a proof of work)
  | 'too_many' // 429: too many attempts
  | 'unavailable' // 503: a dependency does not answer
  | 'internal'; // 500: a bug; details go to the log, not to the caller

export const STATUS_OF: Record<ErrorKind, number> = {
  malformed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  invalid: 422,
  challenged: 428,
  too_many: 429,
  unavailable: 503,
  internal: 500,
};

/** One field-level problem; `path` is dotted (`custom_fields.nir`, `motif_ids.0`). */
export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly errors: FieldError[] = [],
    /** Sent as Retry-After (429, 503). */
    readonly retryAfterSeconds?: number,
    /** Members of the problem document besides the standard ones (a challenge to solve). */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS_OF[this.kind];
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found`);
  }

  static forbidden(message = 'You are not allowed to do this'): AppError {
    return new AppError('forbidden', message);
  }

  static invalid(message: string, errors: FieldError[] = []): AppError {
    return new AppError('invalid', message, errors);
  }

  /** A single-field validation failure. */
  static invalidField(path: string, message: string): AppError {
    return new AppError('invalid', message, [{ path, message }]);
  }

  static conflict(message: string, errors: FieldError[] = []): AppError {
    return new AppError('conflict', message, errors);
  }
}
