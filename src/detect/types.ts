import type { Observation, Target, TargetEvent } from '../types.js';

// Detectors are pure functions of (recent observations, target config, clock) → conditions
// (DESIGN.md "Detection"). The alert lifecycle (src/alerts/lifecycle.ts) turns a condition that
// stays active into a firing alert; detectors know nothing of alerts, stores or timers.

export const RULES = ['delay', 'drop', 'outage', 'join_failures', 'stall', 'silence', 'capacity', 'claim_gap'] as const;
export type RuleName = (typeof RULES)[number];

/** What a detector sees. Everything is data; `now` is the only clock. */
export interface DetectInput {
  target: Target;
  /**
   * Observations of the last `lookbackMs` (the longest window any rule of the target needs), oldest
   * first, plus the newest observation even when it is older than that: without it, "no data for
   * ten minutes" looks the same as "never observed" and the outage rule would resolve.
   */
  observations: readonly Observation[];
  /** The target's events in the same window and anything older the rules need (marks, schedules, claims), oldest first. */
  events: readonly TargetEvent[];
  /** The effective thresholds of this target: defaults merged with the target's `rules` overrides. */
  rules: RuleSettings;
  now: number;
}

/** One detector's verdict at `now`. `active` is the raw condition; the lifecycle adds `for` and hysteresis. */
export interface Condition {
  rule: RuleName;
  active: boolean;
  /** The measured value the rule compared (e.g. failed share 0.62, drop 41 %, delay ms). */
  value: number | null;
  /** The threshold it was compared with. */
  threshold: number;
  /** One line a human reads in a notification: "join failures 62 % over 1 m (31/50 attempts)". */
  summary: string;
  /** Small extra facts for the event and the notifier (attempts, window, peak…). */
  details?: Record<string, string | number | boolean | null>;
}

export type Detector = (input: DetectInput) => Condition;

/** Per-rule thresholds; every field has a default an ops engineer would accept (src/detect/rules.ts). */
export interface RuleSettings {
  delay: { enabled: boolean; graceMs: number; forMs: number };
  drop: { enabled: boolean; percent: number; absolute: number; windowMs: number; forMs: number };
  outage: { enabled: boolean; consecutiveFailures: number; noDataMs: number; forMs: number };
  join_failures: { enabled: boolean; rate: number; windowMs: number; minAttempts: number; forMs: number };
  stall: { enabled: boolean; forMs: number };
  silence: { enabled: boolean; forMs: number };
  capacity: { enabled: boolean; windowMs: number; flatPercent: number; failureRate: number; minAttempts: number; forMs: number };
  claim_gap: { enabled: boolean; ratio: number; forMs: number };
}
