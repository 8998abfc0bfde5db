import { Type, type Static } from '@sinclair/typebox';
import { ERRORS, type ErrorCode } from '../../errors.js';

/** Every error response, 4xx or 5xx. Registered once with `addSchema` so OpenAPI lists it as one component. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ examples: [400] }),
    // An enum rather than a union of literals: the same for OpenAPI, and the serializer writes it as a plain string.
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: Object.keys(ERRORS), description: 'Stable code from the error catalogue (README "Error codes")' }),
    error: Type.String({ description: 'HTTP reason phrase', examples: ['Bad Request'] }),
    message: Type.String({ description: 'What was wrong and where', examples: ['body.source.url: must be an http(s) URL'] }),
  },
  { $id: 'ErrorResponse', additionalProperties: false },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

const ErrorRef = Type.Ref('ErrorResponse');

/** Adds the error shape for every 4xx and 5xx to a route's response schemas. */
export function withErrors<R extends Record<string, unknown>>(responses: R) {
  return { ...responses, '4xx': ErrorRef, '5xx': ErrorRef };
}

/** The bearer scheme on write routes (see plugins/auth.ts). */
export const BEARER = [{ bearerAuth: [] as string[] }];
