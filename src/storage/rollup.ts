// One-minute rollups, pure. Both stores call these same functions, so a rollup is always exactly
// what recomputing it from the raw rows gives (DESIGN.md: derived data can be recomputed).
import type { Observation, Rollup } from '../types.js';

export const MINUTE_MS = 60_000;

/** Start of the minute holding `ms` (floor, also for times before 1970). */
export function minuteOf(ms: number): number {
  return ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
}

/** Aggregates the observations of the minute starting at `minuteStart` (the caller passes only those). */
export function computeRollup(minuteStart: number, observations: readonly Observation[]): Rollup {
  const r: Rollup = { at: minuteStart, count: observations.length, joins: 0, failed: 0 };
  let counted = 0;
  let sum = 0;
  let lastAt = -Infinity;
  let okJoins = 0;
  let joinMsSum = 0;
  for (const o of observations) {
    if (o.listeners !== undefined) {
      r.min = r.min === undefined ? o.listeners : Math.min(r.min, o.listeners);
      r.max = r.max === undefined ? o.listeners : Math.max(r.max, o.listeners);
      sum += o.listeners;
      counted++;
      // Input order is not trusted: "last" is the count of the latest instant.
      if (o.at >= lastAt) {
        lastAt = o.at;
        r.last = o.listeners;
      }
    }
    if (o.join) {
      r.joins++;
      if (o.join.ok) {
        okJoins++;
        joinMsSum += o.join.ms;
      } else {
        r.failed++;
      }
    }
  }
  if (counted > 0) r.mean = sum / counted;
  if (okJoins > 0) r.joinMs = joinMsSum / okJoins;
  return r;
}

/**
 * Which minutes an append must (re)compute: every minute a written row touches, plus the minute that
 * was open before the append (it may have just closed) — but never the minute of the newest
 * observation, which is still filling up. Sorted ascending.
 */
export function minutesToRecompute(opts: { previousNewest: number | undefined; newest: number | undefined; written: Iterable<number> }): number[] {
  if (opts.newest === undefined) return [];
  const open = minuteOf(opts.newest);
  const minutes = new Set<number>();
  for (const at of opts.written) minutes.add(minuteOf(at));
  if (opts.previousNewest !== undefined) minutes.add(minuteOf(opts.previousNewest));
  return [...minutes].filter((m) => m < open).sort((a, b) => a - b);
}
