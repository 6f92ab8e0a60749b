/**
 * Typed errors with stable codes. Every failure a client can see is one of these codes; the
 * HTTP status, title and RFC 9457 `type` URI of each live here and are mapped to a response
 * in one place (plugins/problem-handler.ts).
 */

export const PROBLEM_TYPE_BASE = 'https://focal-loss.dev/problems/';

export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request is not valid' },
  'malformed-body': { status: 400, title: 'The request body could not be parsed' },
  // The request itself (its HTTP framing or its URL), before any route could look at it.
  'malformed-request': { status: 400, title: 'The request could not be parsed' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'request-timeout': { status: 408, title: 'The request did not arrive in time' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'too-many-elements': { status: 413, title: 'The batch has too many elements' },
  'uri-too-long': { status: 414, title: 'The request URL is too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'result-not-finite': { status: 422, title: 'The result overflows float64' },
  'answer-too-large': { status: 422, title: 'The answer asked for is larger than this service sends' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  // nginx's convention for a client that went away before its answer; only logs and metrics see it.
  cancelled: { status: 499, title: 'The client closed the request' },
  internal: { status: 500, title: 'Internal error' },
  overloaded: { status: 503, title: 'The service is overloaded' },
  unavailable: { status: 503, title: 'The service is shutting down' },
  timeout: { status: 504, title: 'The request took longer than REQUEST_TIMEOUT_MS' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

/** One offending field: a JSON pointer into the request body and why it is wrong. */
export interface FieldError {
  /** JSON pointer (RFC 6901) fragment into the request body, e.g. "#/logits/3/1". */
  pointer: string;
  /** Why the value is rejected, e.g. "must be a finite number". */
  detail: string;
}

/** A problem as plain data, to cross a thread boundary (errors lose their class in structured cloning). */
export interface ProblemData {
  code: ProblemCode;
  detail: string;
  errors: FieldError[];
  headers: Record<string, string>;
}

export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[];
  /** Extra response headers, e.g. Retry-After for 503 and 429. */
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.title = PROBLEMS[code].title;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
  }

  toData(): ProblemData {
    return { code: this.code, detail: this.message, errors: this.errors, headers: this.headers };
  }

  static fromData(data: ProblemData): ProblemError {
    return new ProblemError(data.code, data.detail, { errors: data.errors, headers: data.headers });
  }
}

/** JSON pointer fragment for a path of keys and indices ("#/logits/3/1"). */
export function pointer(...path: (string | number)[]): string {
  return '#' + path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
