import type { JudgedClaim } from '../claims/ledger.js';
import type { AlertEpisode } from './alerts.js';
import type { JoinEpisode } from './join-episodes.js';

// The post-incident report as the pure core builds it: times in epoch ms, absent values undefined.
// src/report/view.ts turns it into the API's JSON (ISO times, nulls); markdown.ts and the CSV
// comments read it as it is. docs/report.md says what every figure means.

export interface ReportRange {
  /** Undefined: from the oldest observation kept. */
  from?: number;
  /** Inclusive; never after the moment the report was made. */
  to: number;
}

export const MOMENT_KINDS = ['scheduled', 'live', 'on-air', 'join-failures', 'join-failures-end', 'alert-fired', 'alert-resolved', 'peak', 'claim', 'mark', 'ended'] as const;
export type MomentKind = (typeof MOMENT_KINDS)[number];

/** One line of the report's timeline of key moments. `text` may quote user strings (claimants, mark texts): escape it where it is rendered. */
export interface Moment {
  at: number;
  kind: MomentKind;
  text: string;
}

export interface Methodology {
  intervalMs: number;
  /** Observations in the range: the CSV's data rows. */
  observations: number;
  /** Observations per provenance label (`poll` for spacewatch's own probes), most first. */
  sources: { source: string; observations: number }[];
  firstAt?: number;
  lastAt?: number;
  /** The join_failures rule's bar, and the bucket width episodes are counted in. */
  joinFailures: { rate: number; minAttempts: number; bucketMs: number };
  /** Counts further apart than this are not joined (listener-minutes, mean). */
  maxGapMs: number;
  /** How far from a claim's instant a measurement may be (src/claims/verdict.ts). */
  claimToleranceMs: number;
}

export interface Report {
  target: { id: string; name: string; kind: string; intervalMs: number };
  range: ReportRange;
  generatedAt: number;
  /** The platform's latest reported schedule, else the target's own (src/detect/on-air.ts). */
  scheduledStart?: number;
  /**
   * The first observation reporting `live` (not the range's first row when the minute before `from`
   * was live already), a `state-change` to live, or the platform's reported start (`source-started`),
   * whichever is earliest.
   */
  liveAt?: number;
  /** The first on-air moment: live and joinable, or a program-start mark (src/detect/on-air.ts), or a recorded `on-air` event. */
  onAirAt?: number;
  onAirBy?: 'data' | 'mark';
  /**
   * On air when the range began: `onAirAt` lies before `from`, or (undefined `onAirAt`) the minute
   * before `from` was on air and no event records when that began.
   */
  onAirBeforeRange: boolean;
  /**
   * On air − scheduled start (negative: early); never on air (and not on air before the range), the
   * running delay at the range's end once past the grace while not ended.
   */
  delayMs?: number;
  endedAt?: number;
  endedBy?: 'mark' | 'source';
  /** onAirAt → endedAt, or → the last observation while not ended. */
  durationMs?: number;
  listeners: {
    peak?: number;
    peakAt?: number;
    /** Time-weighted over [meanFrom, meanTo]: the on-air period within the range. */
    mean?: number;
    meanFrom?: number;
    meanTo?: number;
    /** Area under the counts over the whole range, in listener-minutes. */
    listenerMinutes?: number;
  };
  /** Every join attempt in the range. */
  joins: { attempts: number; failed: number };
  joinFailures: JoinEpisode[];
  alerts: AlertEpisode[];
  claims: JudgedClaim[];
  timeline: Moment[];
  methodology: Methodology;
  /** SHA-256 (hex) of the CSV's data lines (src/report/csv.ts). */
  sha256: string;
}
