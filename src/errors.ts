// One catalogue of every error spacewatch reports over HTTP or at startup: a stable code, an HTTP
// status and a message template. README.md's "Error codes" table is kept in step with this list by
// test/errors.test.ts, so a code is never added or renamed silently.

export interface ErrorSpec {
  status: number;
  /** `%s` is replaced by the detail given where the error is raised. */
  message: string;
}

export const ERRORS = {
  SW_VALIDATION: { status: 400, message: '%s' },
  SW_BAD_JSON: { status: 400, message: 'request body is not valid JSON: %s' },
  SW_BAD_NDJSON: { status: 400, message: 'NDJSON line %s' },
  SW_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type: %s' },
  SW_BODY_TOO_LARGE: { status: 413, message: 'request body exceeds %s bytes' },
  SW_UNAUTHORIZED: { status: 401, message: 'this endpoint needs the bearer token (Authorization: Bearer <SPACEWATCH_TOKEN>)' },
  SW_FORBIDDEN: { status: 403, message: 'the bearer token is not valid' },
  SW_NOT_FOUND: { status: 404, message: '%s' },
  SW_TARGET_NOT_FOUND: { status: 404, message: 'no target with id "%s"' },
  SW_TARGET_EXISTS: { status: 409, message: 'a target with id "%s" already exists' },
  SW_TARGET_READONLY: { status: 409, message: 'target "%s" comes from the config file; change it there' },
  SW_RANGE_INVALID: { status: 400, message: '%s' },
  SW_IMPORT_TOO_LARGE: { status: 413, message: 'an import holds at most %s rows per request' },
  SW_RATE_LIMITED: { status: 429, message: 'too many requests' },
  SW_NOT_READY: { status: 503, message: 'not ready: %s' },
  SW_LIVE_FULL: { status: 503, message: 'no room for another live stream (%s); retry later' },
  SW_INTERNAL: { status: 500, message: 'internal error' },
  SW_CONFIG_INVALID: { status: 500, message: 'invalid configuration: %s' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error that carries a catalogue code. Fastify's error handler turns it into `{ statusCode, code, error, message }`. */
export class SpacewatchError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, detail?: string | number) {
    const spec: ErrorSpec = ERRORS[code];
    super(spec.message.replace('%s', detail === undefined ? '' : String(detail)));
    this.name = 'SpacewatchError';
    this.code = code;
    this.statusCode = spec.status;
  }
}

export function swError(code: ErrorCode, detail?: string | number): SpacewatchError {
  return new SpacewatchError(code, detail);
}
