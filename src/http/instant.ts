import { SpacewatchError } from '../errors.js';
import { END_OF_TIME, toMs, type Instant } from '../schemas/common.js';

// The schema accepts any non-negative integer and any RFC 3339 date-time (leap second included),
// some of which Date cannot represent (past END_OF_TIME, ECMA-262 §21.4.1.22); such a value is bad
// input and must be a 400, not a RangeError from toISOString later.

/** An accepted Instant as epoch ms, or a SW_VALIDATION naming `field`. */
export function instantMs(value: Instant, field: string): number {
  const ms = toMs(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > END_OF_TIME) {
    throw new SpacewatchError('SW_VALIDATION', `${field}: must be an instant between 1970 and the year 275760, without a leap second`);
  }
  return ms;
}

/** An observation's time: as instantMs, and after the epoch itself, because `0-0` is not a valid Redis stream ID. */
export function observationMs(value: Instant, field: string): number {
  const ms = instantMs(value, field);
  if (ms < 1) throw new SpacewatchError('SW_VALIDATION', `${field}: must be after 1970-01-01T00:00:00.000Z`);
  return ms;
}
