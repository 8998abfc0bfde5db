import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AUDIO_LEVEL_DEFAULTS } from '../sources/audio-level-config.js';
import { ON_AIR_WINDOW_MS } from './on-air.js';
import { RULES, type RuleName, type RuleSettings } from './types.js';
import { attemptWindowMs } from './window.js';

// Detection thresholds: the defaults every target gets, the schema of a target's overrides, and the
// merge. Each default is chosen so an ops engineer watching a broadcast would accept it unread; the
// comment beside it says why. Shares (`rate`, `failureRate`) are fractions 0–1, `percent` fields are
// 0–100, durations are milliseconds.

export const DEFAULT_RULES: RuleSettings = deepFreeze({
  delay: {
    enabled: true,
    // Broadcasts habitually open a minute or so late while the audience gathers; two minutes past
    // the scheduled start is late by anyone's measure.
    graceMs: 120_000,
    // The grace is already the wait; a `for` on top would only lengthen it.
    forMs: 0,
  },
  drop: {
    enabled: true,
    // Live audiences churn a few per cent a minute; losing almost a third within five minutes is an
    // event (the stream failed, the host left, the platform cut people off), not churn.
    percent: 30,
    // Off (0): no single number of listeners means the same to a 50-listener radio stream and a
    // million-listener Space. Set it per target when a fixed loss matters.
    absolute: 0,
    windowMs: 300_000,
    // One low reading (a platform count computed mid-reconnect, an Icecast source reconnecting) must
    // not page anyone; a real drop is still there a minute later.
    forMs: 60_000,
  },
  outage: {
    enabled: true,
    // One failed probe is a network blip and two can be coincidence; three in a row (15 s at the
    // default 5 s interval) means listeners cannot reach it.
    consecutiveFailures: 3,
    // Half a minute without any observation; never less than three probe intervals (the detector
    // applies that floor), or a slowly polled target would look dead between probes.
    noDataMs: 30_000,
    // Both tests already demand persistence (K probes, noDataMs), so fire at once.
    forMs: 0,
  },
  join_failures: {
    enabled: true,
    // A healthy stream fails well under 1 in 50 joins; 1 in 5 listeners turned away is visible to
    // the audience.
    rate: 0.2,
    // Two minutes holds 24 probes at 5 s: enough for a share to mean something, short enough to
    // react. Stretched to hold `minAttempts` probes on slowly polled targets.
    windowMs: 120_000,
    // 1 failure out of 2 attempts is not a 50 % failure rate (a target that just started).
    minAttempts: 5,
    // The two-minute share already smooths; 30 s more rides out the first attempts after a start.
    forMs: 30_000,
  },
  stall: {
    enabled: true,
    // The HLS probe says `stalled` only after 3×TARGETDURATION without a new segment; 30 s more of
    // that is dead air for every listener, not a slow segment.
    forMs: 30_000,
  },
  silence: {
    enabled: true,
    // Broadcast silence detectors conventionally trip between 10 and 60 s; 30 s of dead air is never
    // a dramatic pause.
    forMs: 30_000,
  },
  capacity: {
    enabled: true,
    // A growing or churning audience moves more than ±2 % over five minutes unless something caps it.
    windowMs: 300_000,
    flatPercent: 2,
    // The same bar as join_failures, with twice the evidence: this rule names a cause.
    failureRate: 0.2,
    minAttempts: 10,
    // Five flat minutes are already the persistence test.
    forMs: 0,
  },
  claim_gap: {
    enabled: true,
    // Sources legitimately differ by tens of per cent (sampling instants, unique vs concurrent
    // counting); a claim twice what was measured is overstated beyond any of that.
    ratio: 2,
    // A claim is a point in time: nothing to wait for.
    forMs: 0,
  },
});

// ── Overrides ────────────────────────────────────────────────────────────────────────────────────

const DAY_MS = 86_400_000;

const Enabled = Type.Boolean({ errorMessage: 'must be true or false', description: 'false turns the rule off for this target' });
const Ms = (min: number, description: string) =>
  Type.Integer({ minimum: min, maximum: DAY_MS, errorMessage: `must be an integer number of milliseconds between ${min} and ${DAY_MS}`, description });
const ForMs = Ms(0, 'How long the condition must hold before the alert fires');
const WindowMs = Ms(10_000, 'The window the rule looks at');
const Share = (description: string) =>
  Type.Number({ minimum: 0.01, maximum: 1, errorMessage: 'must be a fraction between 0.01 and 1 (0.2 = 20 %)', description });
const Whole = (min: number, max: number, unit: string, description: string) =>
  Type.Integer({ minimum: min, maximum: max, errorMessage: `must be a whole number of ${unit} between ${min} and ${max}`, description });

/** Every field optional: an override names only what differs from the defaults. */
const RuleOverride = <P extends Record<string, TSchema>>(properties: P, description: string) =>
  Type.Optional(Type.Partial(Type.Object(properties), { additionalProperties: false, description }));

export const RulesConfig = Type.Object(
  {
    delay: RuleOverride({ enabled: Enabled, graceMs: Ms(0, 'How late after the scheduled start counts as delayed'), forMs: ForMs }, 'Not on air after the scheduled start plus a grace'),
    drop: RuleOverride(
      {
        enabled: Enabled,
        percent: Type.Number({ minimum: 1, maximum: 100, errorMessage: 'must be a percentage between 1 and 100', description: 'Fall from the window maximum, in per cent' }),
        absolute: Type.Integer({ minimum: 0, maximum: 1_000_000_000, errorMessage: 'must be a whole number of listeners, 0 (off) or more', description: 'Fall from the window maximum, in listeners; 0 turns this test off' }),
        windowMs: WindowMs,
        forMs: ForMs,
      },
      'Listeners fall from the window maximum',
    ),
    outage: RuleOverride(
      {
        enabled: Enabled,
        consecutiveFailures: Whole(1, 1000, 'probes', 'Failed probes in a row'),
        noDataMs: Ms(1000, 'No observation for longer than this (never less than three probe intervals)'),
        forMs: ForMs,
      },
      'Failed probes in a row, or no data',
    ),
    join_failures: RuleOverride(
      {
        enabled: Enabled,
        rate: Share('Failed share of join attempts'),
        windowMs: WindowMs,
        minAttempts: Whole(1, 100_000, 'join attempts', 'Fewer attempts in the window are not judged'),
        forMs: ForMs,
      },
      'Failed share of join attempts over a window',
    ),
    stall: RuleOverride({ enabled: Enabled, forMs: ForMs }, 'The stream stopped advancing (HLS media sequence, audio bytes)'),
    silence: RuleOverride({ enabled: Enabled, forMs: ForMs }, 'Dead air: the audio level check measured silence'),
    capacity: RuleOverride(
      {
        enabled: Enabled,
        windowMs: WindowMs,
        flatPercent: Type.Number({ minimum: 0, maximum: 50, errorMessage: 'must be a percentage between 0 and 50', description: 'Listeners stay within this share of their maximum' }),
        failureRate: Share('Failed share of join attempts while flat'),
        minAttempts: Whole(1, 100_000, 'join attempts', 'Fewer attempts in the window are not judged'),
        forMs: ForMs,
      },
      'Listeners flat on a plateau while joins fail',
    ),
    claim_gap: RuleOverride(
      {
        enabled: Enabled,
        ratio: Type.Number({ minimum: 1, maximum: 1_000_000, errorMessage: 'must be a ratio (claimed ÷ measured) of at least 1', description: 'Claimed ÷ measured at or above this is a gap' }),
        forMs: ForMs,
      },
      'A claimed audience far above the measured one',
    ),
  },
  { additionalProperties: false, description: 'Per-target detection thresholds; anything left out keeps its default' },
);
export type RulesConfig = Static<typeof RulesConfig>;

/** Defaults merged with a target's overrides (already validated), frozen. */
export function effectiveRules(overrides?: RulesConfig): RuleSettings {
  if (!overrides) return DEFAULT_RULES;
  const out = {} as Record<RuleName, Record<string, unknown>>;
  for (const rule of RULES) {
    const merged: Record<string, unknown> = { ...DEFAULT_RULES[rule] };
    // An explicit `undefined` (from code, not YAML) keeps the default rather than erasing it.
    for (const [k, v] of Object.entries(overrides[rule] ?? {})) if (v !== undefined) merged[k] = v;
    out[rule] = merged;
  }
  return deepFreeze(out as unknown as RuleSettings);
}

/** How long the newest silence measurement may be old: the audio check runs every minute by default. */
const LEVEL_CHECK_MS = AUDIO_LEVEL_DEFAULTS.everyMs;

/**
 * The longest stretch of observations any enabled rule reads, so the engine knows how much history
 * to load. Events (schedules, marks, silence, end) are read separately and may be older.
 */
export function lookbackMs(rules: RuleSettings, intervalMs: number): number {
  const needs: number[] = [];
  const { delay, drop, outage, join_failures: jf, stall, silence, capacity } = rules;
  // On air is judged over the last minute of joins.
  if (delay.enabled) needs.push(ON_AIR_WINDOW_MS);
  if (drop.enabled) needs.push(drop.windowMs);
  // The last K probes, and enough to see the newest observation until no-data takes over.
  if (outage.enabled) needs.push(Math.max(noDataThresholdMs(outage.noDataMs, intervalMs), (outage.consecutiveFailures + 1) * intervalMs));
  if (jf.enabled) needs.push(attemptWindowMs(jf.windowMs, jf.minAttempts, intervalMs));
  // The start of a stall run: at least the `for` and a couple of probes either side.
  if (stall.enabled) needs.push(stall.forMs + 2 * intervalMs);
  // The newest level measurement (silence-start events cover longer silences).
  if (silence.enabled) needs.push(Math.max(LEVEL_CHECK_MS, silence.forMs) + 2 * intervalMs);
  if (capacity.enabled) needs.push(attemptWindowMs(capacity.windowMs, capacity.minAttempts, intervalMs));
  // claim_gap judges claims (events) against the observation nearest each claim: no window of its own.
  return needs.length ? Math.max(...needs) : 0;
}

/** No data means more than `noDataMs` and more than three probe intervals without an observation. */
export function noDataThresholdMs(noDataMs: number, intervalMs: number): number {
  return Math.max(noDataMs, 3 * intervalMs);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
