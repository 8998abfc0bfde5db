import { formatCount, formatDuration, formatInstant, formatShare } from '../detect/window.js';
import { MINUTE_MS } from '../storage/rollup.js';
import type { Observation, Rollup, StreamState } from '../types.js';
import { findCeilings, minuteBuckets, type CapacitySettings } from './ceiling.js';
import type { Claim, ClaimState } from './claim.js';

// Verdicts are pure functions of a claim, the measurements and the clock (DESIGN.md "Claims"). They
// are never stored: every read recomputes them, so a claim made before any measurement covered its
// instant is re-judged as soon as imported or backfilled observations arrive.

export const VERDICT_LABELS = ['consistent', 'overstated', 'understated', 'unverifiable'] as const;
export type VerdictLabel = (typeof VERDICT_LABELS)[number];

export interface Verdict {
  label: VerdictLabel;
  /** One sentence a reporter can quote. */
  reason: string;
  /** The measured count the claim is set against (listeners: the nearest count; capacity: the ceiling or the peak). */
  measured?: number;
  /** When `measured` (or `measuredState`) was observed, epoch ms. */
  measuredAt?: number;
  /** For `state` claims: the state the source reported nearest the claim's instant. */
  measuredState?: StreamState;
  /** The highest count measured in the history considered (see PEAK_HISTORY_MS). */
  peakSoFar?: number;
  /** claimed / measured; only where the two measure the same thing, never for `views`. */
  ratio?: number;
}

/**
 * The band of claimed/measured judged `consistent`: 0.8–1.25, i.e. within a factor of 1.25 either way
 * (symmetric on a log scale). Platform counts are rounded and refreshed late (X's participant_count,
 * YouTube's concurrentViewers), the nearest measurement may be up to a tolerance away from the
 * claim's instant while people join and leave, and people round when they speak ("over a million").
 * A 25 % gap survives all of that; a 50× gap does not.
 */
export const CONSISTENT_LOW = 0.8;
export const CONSISTENT_HIGH = 1.25;

/**
 * How far back (and, for capacity, forward) from a claim's instant the peak and the ceiling evidence
 * are read: a broadcast's day. Bounds the work per claim on a target watched for weeks.
 */
export const PEAK_HISTORY_MS = 86_400_000;

/** Nearest-measurement tolerance: two probe intervals, and never under a minute. */
export function toleranceMs(intervalMs: number): number {
  return Math.max(2 * intervalMs, 60_000);
}

export interface VerdictInput {
  /**
   * Raw observations, oldest first. Must cover [claim.at − tolerance, claim.at + tolerance] and the
   * claim's minute; older and later history may come as `rollups` instead.
   */
  observations: readonly Observation[];
  /** One-minute rollups, oldest first, for the peak and the capacity evidence beyond the raw rows. */
  rollups?: readonly Rollup[];
  /** The target's probe interval (sets the tolerance). */
  intervalMs: number;
  /** Plateau thresholds for capacity claims: the target's capacity rule. */
  capacity: CapacitySettings;
  now: number;
}

export const VIEWS_REASON = 'views are cumulative impressions; spacewatch measures concurrent listeners, so the two cannot be compared';

export function judgeClaim(claim: Claim, input: VerdictInput): Verdict {
  switch (claim.metric) {
    case 'views':
      return views(claim, input);
    case 'listeners':
      return listeners(claim, input);
    case 'capacity':
      return capacity(claim, input);
    case 'state':
      return state(claim, input);
  }
}

function future(claim: Claim, now: number): Verdict | undefined {
  if (claim.at <= now) return undefined;
  return { label: 'unverifiable', reason: `the claim is about ${formatInstant(claim.at)}, which has not happened yet; nothing can be measured before then` };
}

function views(claim: Claim, input: VerdictInput): Verdict {
  const peak = peakUpTo(input, claim.at);
  // The peak is context for the reader, not a comparison: no ratio.
  return { label: 'unverifiable', reason: VIEWS_REASON, ...(peak ? { peakSoFar: peak.value } : {}) };
}

function listeners(claim: Claim, input: VerdictInput): Verdict {
  const notYet = future(claim, input.now);
  if (notYet) return notYet;
  const claimed = claim.value!;
  const peak = peakUpTo(input, claim.at);
  const context = peak ? { peakSoFar: peak.value } : {};
  const tol = toleranceMs(input.intervalMs);
  const near = nearest(input.observations, claim.at, tol, (o) => o.listeners !== undefined);
  if (!near) {
    return { label: 'unverifiable', reason: `no measurement within tolerance: no listener count within ±${formatDuration(tol)} of ${formatInstant(claim.at)}`, ...context };
  }
  const measured = near.listeners!;
  const base = { measured, measuredAt: near.at, ...context };
  const where = `${formatCount(measured)} measured at ${formatInstant(near.at)}`;
  if (measured === 0) {
    // No ratio against zero: any audience claimed over an empty room is overstated, zero is right.
    if (claimed === 0) return { label: 'consistent', reason: `claimed 0 listeners; ${where}`, ...base };
    return { label: 'overstated', reason: `claimed ${formatCount(claimed)} listeners; ${where}`, ...base };
  }
  const ratio = claimed / measured;
  return { label: band(ratio), reason: `claimed ${formatCount(claimed)} listeners; ${where} (${formatRatio(ratio)})`, ...base, ratio };
}

function capacity(claim: Claim, input: VerdictInput): Verdict {
  const notYet = future(claim, input.now);
  if (notYet) return notYet;
  const claimed = claim.value!;
  // Capacity is a property that holds throughout, so evidence after the claim's instant counts too.
  const from = claim.at - PEAK_HISTORY_MS;
  const to = Math.min(input.now, claim.at + PEAK_HISTORY_MS);
  const buckets = minuteBuckets(input.observations, input.rollups ?? [], from, to);
  let peak: { value: number; at: number } | undefined;
  for (const b of buckets) if (b.max !== undefined && (!peak || b.max > peak.value)) peak = { value: b.max, at: b.at };
  if (!peak) return { label: 'unverifiable', reason: `no listener counts within ${formatDuration(PEAK_HISTORY_MS)} of ${formatInstant(claim.at)}` };
  const served = `the measured peak was ${formatCount(peak.value)}`;
  const peakRatio = peak.value === 0 ? undefined : claimed / peak.value;
  const base = { peakSoFar: peak.value, ...(peakRatio === undefined ? {} : { ratio: peakRatio }) };
  if (peakRatio !== undefined && peakRatio < CONSISTENT_LOW) {
    return { label: 'understated', reason: `claimed capacity ${formatCount(claimed)}, but ${served}: more were served than claimed possible`, measured: peak.value, measuredAt: peak.at, ...base };
  }
  if (peakRatio !== undefined && peakRatio <= CONSISTENT_HIGH) {
    return { label: 'consistent', reason: `claimed capacity ${formatCount(claimed)}; ${served}, within the band of the claim`, measured: peak.value, measuredAt: peak.at, ...base };
  }
  // Demand stayed well below the claim. That alone proves nothing; a plateau with joins failing does.
  const ceiling = findCeilings(buckets, input.capacity)[0];
  if (!ceiling) {
    return { label: 'unverifiable', reason: `claimed capacity ${formatCount(claimed)}; ${served} and joins never failed on a plateau, so demand did not test the claim`, peakSoFar: peak.value };
  }
  return {
    label: 'overstated',
    reason:
      `claimed capacity ${formatCount(claimed)}, but listeners plateaued at ${formatCount(ceiling.level)} from ${formatInstant(ceiling.from)} to ${formatInstant(ceiling.to)} ` +
      `while ${formatShare(ceiling.failed / ceiling.attempts)} of joins failed (${ceiling.failed}/${ceiling.attempts}): people were turned away far below the claim`,
    measured: ceiling.level,
    measuredAt: ceiling.from,
    peakSoFar: peak.value,
    ratio: claimed / ceiling.level,
  };
}

// A broadcast is either on air (live) or not; the label says which way a state claim errs about that.
// Between two off-air states, `offline` is what sources without a lifecycle (Icecast, Twitch) report
// before and after a broadcast alike, so it agrees with both `scheduled` and `ended`; `ended` against
// `scheduled` errs along the lifecycle (scheduled → live → ended).
function state(claim: Claim, input: VerdictInput): Verdict {
  const notYet = future(claim, input.now);
  if (notYet) return notYet;
  const claimed = claim.stateValue!;
  const tol = toleranceMs(input.intervalMs);
  const near = nearest(input.observations, claim.at, tol, (o) => o.state !== 'unknown');
  if (!near) return { label: 'unverifiable', reason: `no measurement within tolerance: no known state within ±${formatDuration(tol)} of ${formatInstant(claim.at)}` };
  const measured = near.state as ClaimState;
  const base = { measuredState: near.state, measuredAt: near.at };
  const said = `claimed "${claimed}"; the source reported "${measured}" at ${formatInstant(near.at)}`;
  if (claimed === measured) return { label: 'consistent', reason: said, ...base };
  if (claimed === 'live') return { label: 'overstated', reason: `${said}: it was not on air`, ...base };
  if (measured === 'live') return { label: 'understated', reason: `${said}: it was on air`, ...base };
  if (claimed === 'offline' || measured === 'offline') return { label: 'consistent', reason: `${said}: neither is on air, and "offline" covers both before and after a broadcast`, ...base };
  // Left: one says `ended`, the other `scheduled`.
  return claimed === 'ended'
    ? { label: 'overstated', reason: `${said}: the broadcast had not started`, ...base }
    : { label: 'understated', reason: `${said}: the broadcast had already ended`, ...base };
}

function band(ratio: number): VerdictLabel {
  if (ratio > CONSISTENT_HIGH) return 'overstated';
  if (ratio < CONSISTENT_LOW) return 'understated';
  return 'consistent';
}

/** The observation nearest `at` within ±tol that passes `useful`; on a tie the earlier one (measured before the claim). */
export function nearest(observations: readonly Observation[], at: number, tol: number, useful: (o: Observation) => boolean): Observation | undefined {
  let best: Observation | undefined;
  for (const o of observations) {
    if (o.at < at - tol) continue;
    if (o.at > at + tol) break;
    if (!useful(o)) continue;
    if (!best || Math.abs(o.at - at) < Math.abs(best.at - at)) best = o;
  }
  return best;
}

/** The highest count in [at − PEAK_HISTORY_MS, at]: raw rows, and rollups of minutes that ended by `at`. */
function peakUpTo(input: VerdictInput, at: number): { value: number } | undefined {
  const from = at - PEAK_HISTORY_MS;
  let peak: number | undefined;
  for (const o of input.observations) {
    if (o.at >= from && o.at <= at && o.listeners !== undefined && (peak === undefined || o.listeners > peak)) peak = o.listeners;
  }
  for (const r of input.rollups ?? []) {
    if (r.at >= from && r.at + MINUTE_MS - 1 <= at && r.max !== undefined && (peak === undefined || r.max > peak)) peak = r.max;
  }
  return peak === undefined ? undefined : { value: peak };
}

/** 50.656 → "50.7×", 1.0432 → "1.04×", 1234.5 → "1,235×". */
export function formatRatio(ratio: number): string {
  return `${ratio >= 1000 ? formatCount(Math.round(ratio)) : String(Number(ratio.toPrecision(3)))}×`;
}
