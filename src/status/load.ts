import { ON_AIR_EVENT, onAirAt, scheduledStart } from '../detect/on-air.js';
import { effectiveRules, type RulesConfig } from '../detect/rules.js';
import type { Store } from '../storage/store.js';
import type { Observation, Target, TargetEvent } from '../types.js';
import { targetStatus, type TargetStatus } from './status.js';

// The I/O edge of the status: what to read so that a status costs a bounded amount of work per
// target (GET /targets computes one for every target on each call).
//
// - every event of the target (sparse: schedules, marks, state changes, alerts, claims);
// - the last hour of observations: enough for every health test (join failures, stall, no data);
// - the stretch where the broadcast first went on air, when that is older than the hour: read in
//   pages from an hour before the scheduled start (without a schedule: a minute before the source
//   first reported live), stopping at the first on-air moment, never more than a day of rows. For a
//   polled target it is only read when the events show the source reported live before the hour (a
//   `state-change` to live or a `source-started`): the poller writes those, so a polled target that
//   never went live costs nothing extra. A target fed only by imports has no such events (nothing
//   written by a poller at all, and no polled row in the hour): its stretch starts an hour before the scheduled start, or without a
//   schedule at the first minute the rollups show data in, so a broadcast imported days later still
//   gets its on-air moment and delay.

export const STATUS_WINDOW_MS = 3_600_000;
/** How early before the scheduled start an on-air moment is looked for (an early start). */
export const EARLY_START_MS = 3_600_000;
export const ON_AIR_SCAN_MAX_MS = 86_400_000;
const PAGE_ROWS = 1_000;

export async function loadStatus(store: Store, target: Target, now: number): Promise<TargetStatus> {
  const rules = effectiveRules((target as Target & { rules?: RulesConfig }).rules);
  const windowFrom = now - STATUS_WINDOW_MS;
  const [events, recent] = await Promise.all([store.events(target.id, 0, now), store.range(target.id, windowFrom, now)]);
  const earlier = await onAirStretch(store, target, events, recent, windowFrom, now);
  return targetStatus({ target, observations: earlier.concat(recent), events, now, rules });
}

/**
 * The observations from the scan's start up to the first on-air moment before `windowFrom` (all the
 * scanned rows when there is none), or none when the events show no earlier live report.
 * All of them, not just the last minute: the on-air test looks at a minute of joins before each
 * observation, and a cut-off prefix would let an observation pass that failed with its full minute.
 */
async function onAirStretch(
  store: Store,
  target: Target,
  events: readonly TargetEvent[],
  recent: readonly Observation[],
  windowFrom: number,
  now: number,
): Promise<Observation[]> {
  const anchor = await scanStart(store, target, events, recent, windowFrom, now);
  if (anchor === undefined || anchor >= windowFrom) return [];
  const until = Math.min(windowFrom, anchor + ON_AIR_SCAN_MAX_MS);
  const rows: Observation[] = [];
  let from = anchor;
  while (from < until) {
    const page = await store.range(target.id, from, until - 1, { limit: PAGE_ROWS });
    if (page.length === 0) break;
    rows.push(...page);
    const found = onAirAt(rows, []);
    if (found !== undefined) return rows.filter((o) => o.at <= found);
    if (page.length < PAGE_ROWS) break;
    from = page[page.length - 1]!.at + 1;
  }
  // Not on air before the window: the scanned rows still give the window's first minute its context.
  return rows;
}

/** Where the on-air scan begins, or undefined when there is nothing before the window to look for. */
async function scanStart(
  store: Store,
  target: Target,
  events: readonly TargetEvent[],
  recent: readonly Observation[],
  windowFrom: number,
  now: number,
): Promise<number | undefined> {
  let firstLive: number | undefined;
  // A poller's own rows carry no source (or 'poll'): such a target is judged by its events alone.
  let polled = recent.some((o) => o.source === undefined || o.source === 'poll');
  for (const e of events) {
    if (e.type === 'state-change' || e.type === 'source-started' || e.type === ON_AIR_EVENT) polled = true;
    const live = (e.type === 'state-change' && e.data?.to === 'live') || e.type === 'source-started';
    if (live && (firstLive === undefined || e.at < firstLive)) firstLive = e.at;
  }
  const start = scheduledStart(target, events);
  if (firstLive !== undefined) {
    if (firstLive >= windowFrom) return undefined;
    return Math.max(start === undefined ? firstLive - 60_000 : start - EARLY_START_MS, now - ON_AIR_SCAN_MAX_MS, 0);
  }
  if (polled) return undefined;
  // Imports only: no event can say when the source went live, so the data itself is scanned.
  if (start !== undefined) return Math.max(start - EARLY_START_MS, 0);
  const minutes = await store.rollups(target.id, 0, windowFrom - 1);
  return minutes.find((m) => m.count > 0)?.at;
}
