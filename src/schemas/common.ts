import { Type, type Static } from '@sinclair/typebox';

// Schema building blocks shared by config, HTTP routes and OpenAPI. `errorMessage` replaces ajv's
// generic text ("must match pattern …") with one a user can act on; see src/validation.ts.

export const HttpUrl = (description?: string) =>
  Type.String({
    pattern: '^https?://[^\\s/$.?#][^\\s]*$',
    maxLength: 2048,
    errorMessage: 'must be an http(s) URL',
    ...(description ? { description } : {}),
  });

export const TargetId = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  errorMessage: 'must be 1–64 characters of a-z, 0-9, "-" and "_", starting with a letter or digit',
  description: 'Stable identifier used in URLs and Redis keys',
  examples: ['big-space'],
});

/** ISO-8601 date-time or epoch milliseconds; returned as ISO-8601. */
export const Instant = Type.Union(
  [
    Type.String({ format: 'date-time', errorMessage: 'must be an ISO-8601 date-time or epoch milliseconds' }),
    Type.Integer({ minimum: 0, errorMessage: 'must be an ISO-8601 date-time or epoch milliseconds' }),
  ],
  { errorMessage: 'must be an ISO-8601 date-time or epoch milliseconds' },
);
export type Instant = Static<typeof Instant>;

export const IntervalMs = Type.Integer({
  minimum: 250,
  maximum: 86_400_000,
  errorMessage: 'must be an integer number of milliseconds between 250 and 86400000',
  description: 'How often the target is probed',
});

export const TimeoutMs = Type.Integer({
  minimum: 100,
  maximum: 120_000,
  errorMessage: 'must be an integer number of milliseconds between 100 and 120000',
});

export const ScheduleSchema = Type.Object(
  {
    start: Instant,
    end: Type.Optional(Instant),
  },
  { additionalProperties: false, description: 'When the broadcast is scheduled' },
);

/** Turns an accepted Instant into epoch ms. Validation has already run. */
/** The latest instant a JavaScript Date can hold (ECMA-262 time value limit): "until the end" in ranges. */
export const END_OF_TIME = 8.64e15;

export function toMs(value: Instant): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
