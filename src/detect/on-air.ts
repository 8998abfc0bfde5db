import type { Observation, Target, TargetEvent } from '../types.js';

// DESIGN.md "Detection": on air means the source reports live AND listeners can join (join
// success ≥ 50 % over the last minute), or an operator's `program-start` mark. The delay detector
// and the target status both use this one definition.

export const ON_AIR_WINDOW_MS = 60_000;
export const ON_AIR_MIN_SUCCESS = 0.5;
/**
 * How long before its scheduled start a broadcast's on-air moment may lie: an earlier `on-air`
 * event or program-start mark belongs to a previous show on the same target (a weekly Space).
 */
export const ON_AIR_HORIZON_MS = 12 * 3_600_000;

/** The scheduled start: the latest schedule the platform reported, else the target's own (config/API). */
export function scheduledStart(target: Target, events: readonly TargetEvent[]): number | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'source-schedule' && typeof e.data?.start === 'string') {
      const ms = Date.parse(e.data.start);
      if (Number.isFinite(ms)) return ms;
    }
  }
  const own = target.schedule?.start;
  if (own === undefined) return undefined;
  const ms = Date.parse(own);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The first `program-start` mark, if an operator posted one. */
export function programStartMark(events: readonly TargetEvent[]): number | undefined {
  let first: number | undefined;
  for (const e of events) if (e.type === 'mark' && e.data?.kind === 'program-start' && (first === undefined || e.at < first)) first = e.at;
  return first;
}

/** The event the alert engine writes the first time it sees the broadcast on air. */
export const ON_AIR_EVENT = 'on-air';

/**
 * The first recorded on-air moment at or after `since`. Observations are only kept for a window, so
 * an outage longer than the window would otherwise make a broadcast that started look as if it never
 * had (and the delay rule fire): the recorded moment stands in for the observations that aged out.
 */
export function recordedOnAir(events: readonly TargetEvent[], since = -Infinity): number | undefined {
  let first: number | undefined;
  for (const e of events) if (e.type === ON_AIR_EVENT && e.at >= since && (first === undefined || e.at < first)) first = e.at;
  return first;
}

/**
 * The first instant the broadcast was on air (at or after `since`, when given), or undefined. Scans
 * observations oldest first with a one-minute window of join results: an observation counts when
 * its state is live and at least half the joins in the minute up to it succeeded.
 */
export function onAirAt(observations: readonly Observation[], events: readonly TargetEvent[], since = -Infinity): number | undefined {
  const mark = programStartMark(events);
  let found: number | undefined;
  let lo = 0;
  let attempts = 0;
  let ok = 0;
  for (let hi = 0; hi < observations.length; hi++) {
    const o = observations[hi]!;
    if (joinsTheBroadcast(o)) {
      attempts++;
      if (o.join!.ok) ok++;
    }
    while (observations[lo]!.at < o.at - ON_AIR_WINDOW_MS) {
      const old = observations[lo++]!;
      if (joinsTheBroadcast(old)) {
        attempts--;
        if (old.join!.ok) ok--;
      }
    }
    if (o.at < since) continue;
    // Imported rows without joins say nothing about joining; a live state with no attempts in the
    // minute counts only when it carries no join itself (e.g. an imported count).
    const success = attempts === 0 ? 1 : ok / attempts;
    if (o.state === 'live' && success >= ON_AIR_MIN_SUCCESS) {
      found = o.at;
      break;
    }
  }
  for (const m of [mark, recordedOnAir(events, since)]) if (m !== undefined && m >= since && (found === undefined || m < found)) found = m;
  return found;
}

/**
 * A join attempt on the broadcast itself: while the platform says live, or a failed probe that could
 * not tell (state unknown). A good API answer saying "scheduled" is not a listener getting in, and
 * must not dilute a join-error storm at the start.
 */
function joinsTheBroadcast(o: Observation): boolean {
  return o.join !== undefined && (o.state === 'live' || o.state === 'unknown');
}
