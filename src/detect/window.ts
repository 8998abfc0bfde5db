import { programEndMark } from '../status/marks.js';
import type { Observation, TargetEvent } from '../types.js';

// Helpers the detectors share: which observations fall in a window, what counts as a join attempt,
// whether the broadcast has ended, and how numbers read in a one-line summary. All pure.

/** Observations with `from ≤ at ≤ to`, oldest first. Input is sorted oldest first (DetectInput). */
export function between(observations: readonly Observation[], from: number, to: number): Observation[] {
  // Binary search for the first entry at or after `from`: a 250 ms target keeps ~1,200 observations
  // in a 5-minute lookback, and every detector asks for its window on every probe.
  let lo = 0;
  let hi = observations.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (observations[mid]!.at < from) lo = mid + 1;
    else hi = mid;
  }
  const out: Observation[] = [];
  for (let i = lo; i < observations.length && observations[i]!.at <= to; i++) out.push(observations[i]!);
  return out;
}

/** Observations up to `now`: an imported row stamped in the future is not evidence about now. */
export function upTo(observations: readonly Observation[], now: number): readonly Observation[] {
  const last = observations[observations.length - 1];
  if (last === undefined || last.at <= now) return observations;
  return observations.filter((o) => o.at <= now);
}

/**
 * Nothing is expected to be joinable yet: the platform itself says `scheduled` (an X Space's HLS
 * playlist does not exist before it starts), or the source is `offline` (an Icecast mount without a
 * source) before the scheduled start. Failures then are the delay rule's business, not an outage's.
 */
export function expectedOffAir(o: Observation, scheduledStart: number | undefined): boolean {
  return o.state === 'scheduled' || (o.state === 'offline' && scheduledStart !== undefined && o.at < scheduledStart);
}

/**
 * Whether an observation is a join attempt on a broadcast that should be joinable. Rows without a
 * join (imported counts) say nothing about joining; an `ended` answer is the broadcast finishing, not
 * a failed join; and a broadcast not expected on air yet has nothing to join.
 */
export function isAttempt(o: Observation, scheduledStart?: number): o is Observation & { join: NonNullable<Observation['join']> } {
  return o.join !== undefined && o.join.error !== 'ended' && o.state !== 'ended' && !expectedOffAir(o, scheduledStart);
}

/** Join attempts counted: how many, how many failed, and the failures by join-error code. */
export interface JoinCounts {
  attempts: number;
  failed: number;
  /** Failures by join-error code. */
  codes: Record<string, number>;
}

export interface JoinStats extends JoinCounts {
  /** Failed share, 0–1; 0 when there were no attempts. */
  share: number;
}

/**
 * Counts one observation into `counts` when it is a join attempt (`isAttempt`); says whether it was.
 * The one per-row tally behind every join figure: the detectors' windows, the report's buckets.
 */
export function tallyJoin(counts: JoinCounts, o: Observation, scheduledStart?: number): boolean {
  if (!isAttempt(o, scheduledStart)) return false;
  counts.attempts++;
  if (o.join.ok) return true;
  counts.failed++;
  const code = o.join.error ?? 'unknown';
  counts.codes[code] = (counts.codes[code] ?? 0) + 1;
  return true;
}

export function joinStats(observations: readonly Observation[], scheduledStart?: number): JoinStats {
  const counts: JoinCounts = { attempts: 0, failed: 0, codes: {} };
  for (const o of observations) tallyJoin(counts, o, scheduledStart);
  return { ...counts, share: counts.attempts === 0 ? 0 : counts.failed / counts.attempts };
}

/**
 * "timeout 20, http_5xx 11": the most frequent codes first (ties by name), at most `limit` of them
 * (a one-line alert summary keeps three; the report lists every code with `Infinity`).
 */
export function formatCodes(codes: Record<string, number>, limit = 3): string {
  return Object.entries(codes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([code, n]) => `${code} ${formatCount(n)}`)
    .join(', ');
}

/**
 * A window sized in time can hold too few probes on a slowly polled target to reach a minimum number
 * of attempts, and the rule would then never fire; stretch it to hold `minAttempts` probes.
 */
export function attemptWindowMs(windowMs: number, minAttempts: number, intervalMs: number): number {
  return Math.max(windowMs, minAttempts * intervalMs);
}

/**
 * When the broadcast ended, or undefined while it has not (or came back). End signals from the
 * source: an observation whose state or join error is `ended`, a `source-ended` event (the platform's
 * `ended_at` / `actualEndTime`), a `state-change` to `ended`. Going live again clears those (a radio
 * source that reconnects, an HLS stream that restarts): a live observation, or a `state-change` to
 * `live` — the event matters when the window's observations are all failures and the end is an old
 * event. The earliest source signal at or after the last return to live counts (one reported at the
 * same instant as a live reading wins: the platform said both).
 *
 * An operator's `program-end` mark ends it too, whatever the stream does next (a 24/7 station stays
 * live after the show), until a later `program-start` mark; the target's status reads it the same way.
 */
export function endedAt(observations: readonly Observation[], events: readonly TargetEvent[]): number | undefined {
  let lastLive = -Infinity;
  for (const o of observations) if (o.state === 'live' && o.at > lastLive) lastLive = o.at;
  for (const e of events) if (e.type === 'state-change' && e.data?.to === 'live' && e.at > lastLive) lastLive = e.at;
  let first: number | undefined;
  const consider = (at: number) => {
    if (at >= lastLive && (first === undefined || at < first)) first = at;
  };
  for (const o of observations) if (o.state === 'ended' || o.join?.error === 'ended') consider(o.at);
  for (const e of events) if (e.type === 'source-ended' || (e.type === 'state-change' && e.data?.to === 'ended')) consider(e.at);
  const mark = programEndMark(events);
  return mark === undefined ? first : first === undefined ? mark : Math.min(first, mark);
}

/** "45 s", "2 m 10 s", "1 h 5 m": durations as an operator reads them. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const s = Math.round(abs / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest ? `${m} m ${rest} s` : `${m} m`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${h} h ${m} m` : `${h} h`;
}

/** A share 0–1 as "62 %", "62.5 %", "0.4 %". */
export function formatShare(share: number): string {
  return formatPercent(share * 100);
}

/**
 * One decimal at most: whole per cent would print a 29.9 % fall as "30 %" beside a threshold of 30
 * that it did not reach.
 */
export function formatPercent(percent: number): string {
  return `${Math.round(percent * 10) / 10} %`;
}

/** 1234567 → "1,234,567" (fixed grouping, whatever the host's locale). */
export function formatCount(n: number): string {
  const [int, frac] = String(Math.round(n * 100) / 100).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** "2024-08-13T00:05:00Z": second precision is all a notification needs. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Values written to events: enough precision to read, none of the float noise. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
