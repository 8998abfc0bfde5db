import { onAirAt, scheduledStart } from '../detect/on-air.js';
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
//   first reported live), stopping at the first on-air moment, never more than a day of rows. It is
//   only read when the events show the source reported live before the hour (a `state-change` to
//   live or a `source-started`): the poller writes those, so a target that never went live costs
//   nothing extra. A broadcast fed by imports has no such events, but its import records the
//   `on-air` moment it shows (src/http/routes/observations.ts), which the status reads like the
//   engine's own.

export const STATUS_WINDOW_MS = 3_600_000;
/** How early before the scheduled start an on-air moment is looked for (an early start). */
export const EARLY_START_MS = 3_600_000;
export const ON_AIR_SCAN_MAX_MS = 86_400_000;
const PAGE_ROWS = 1_000;

export async function loadStatus(store: Store, target: Target, now: number): Promise<TargetStatus> {
  return (await loadStatusData(store, target, now)).status;
}

/** A status together with what it was computed from, for callers that need those rows too (so they are not read twice). */
export interface StatusData {
  status: TargetStatus;
  /** The observations of the last STATUS_WINDOW_MS up to `now`, oldest first. */
  recent: Observation[];
  /** Every event up to `now`, by instant. */
  events: TargetEvent[];
}

/** loadStatus, also returning the hour of observations and the events it read (the overview's rows). */
export async function loadStatusData(store: Store, target: Target, now: number): Promise<StatusData> {
  const rules = effectiveRules((target as Target & { rules?: RulesConfig }).rules);
  const windowFrom = now - STATUS_WINDOW_MS;
  const [events, recent] = await Promise.all([store.events(target.id, 0, now), store.range(target.id, windowFrom, now)]);
  const earlier = await onAirStretch(store, target, events, windowFrom, now);
  return { status: targetStatus({ target, observations: earlier.concat(recent), events, now, rules }), recent, events };
}

/**
 * The observations from the scan's start up to the first on-air moment before `windowFrom` (all the
 * scanned rows when there is none), or none when the events show no earlier live report.
 * All of them, not just the last minute: the on-air test looks at a minute of joins before each
 * observation, and a cut-off prefix would let an observation pass that failed with its full minute.
 */
async function onAirStretch(store: Store, target: Target, events: readonly TargetEvent[], windowFrom: number, now: number): Promise<Observation[]> {
  let firstLive: number | undefined;
  for (const e of events) {
    const live = (e.type === 'state-change' && e.data?.to === 'live') || e.type === 'source-started';
    if (live && (firstLive === undefined || e.at < firstLive)) firstLive = e.at;
  }
  if (firstLive === undefined || firstLive >= windowFrom) return [];
  const start = scheduledStart(target, events);
  const anchor = Math.max(start === undefined ? firstLive - 60_000 : start - EARLY_START_MS, now - ON_AIR_SCAN_MAX_MS, 0);
  const rows: Observation[] = [];
  let from = anchor;
  while (from < windowFrom) {
    const page = await store.range(target.id, from, windowFrom - 1, { limit: PAGE_ROWS });
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
