import { DEFAULT_RULES, type RulesConfig } from '../detect/rules.js';
import { RULES, type RuleSettings } from '../detect/types.js';

// A demo plays a broadcast `speed` times faster than life, so every duration spacewatch would wait in
// real life (the probe interval, a rule's window, its `for`, the grace before a delay, the hysteresis
// before a resolve) is divided by the speed: a rule keeps its meaning in scenario time ("5 minutes of
// join failures" is still 5 scenario minutes). Counts, shares and percentages are not durations and
// stay as they are. A few floors keep the machine honest at high speeds, where the scaled value would
// ask for more than a process can do; each says why beside it.

/** A probe needs an HTTP round trip and a store write; faster than this only measures the event loop. */
export const MIN_INTERVAL_MS = 250;
/** A window shorter than a few probes holds one or two observations: a share or a fall of nothing. */
export const MIN_WINDOW_POLLS = 4;
/** Two seconds without an observation is a busy laptop (a GC pause, a test run beside it), not an outage. */
export const MIN_NO_DATA_MS = 2_000;
/** A probe timeout covers a local HTTP round trip on a loaded machine; it is not a rule, so it is not scaled below this. */
export const MIN_TIMEOUT_MS = 1_000;

/** What spacewatch would use in real life: the config's poller and alert settings (scenario time). */
export interface RealLifeTiming {
  intervalMs: number;
  timeoutMs: number;
  minClearForMs: number;
  evaluateEveryMs: number;
}

export interface DemoTiming {
  speed: number;
  /** Real ms between probes of the demo target. */
  intervalMs: number;
  timeoutMs: number;
  /** The demo target's rule overrides: every rule, every duration scaled. */
  rules: RulesConfig;
  /** The alert engine's settings (config `alerts`), scaled the same way. */
  alerts: { minClearForMs: number; evaluateEveryMs: number };
}

/** Real ms for `scenarioMs` at `speed`, never below `floor`. */
export function scaleMs(scenarioMs: number, speed: number, floor = 0): number {
  return Math.max(floor, Math.round(scenarioMs / speed));
}

/**
 * Every duration of every rule (fields named `…Ms`) scaled to the speed; windows never under
 * MIN_WINDOW_POLLS probes, nor under one probe more than the rule's `minAttempts` (the detectors
 * stretch a window to exactly minAttempts probes, and jitter would then leave it one short every
 * other evaluation: judged, "too few", judged…); no-data never under MIN_NO_DATA_MS. Everything
 * else is copied as is.
 */
export function scaleRules(rules: RuleSettings, speed: number, intervalMs: number): RulesConfig {
  const out: Record<string, Record<string, number | boolean>> = {};
  for (const rule of RULES) {
    const settings: Record<string, number | boolean> = rules[rule];
    const minAttempts = typeof settings.minAttempts === 'number' ? settings.minAttempts : 0;
    const floors: Record<string, number> = {
      windowMs: Math.max(MIN_WINDOW_POLLS, minAttempts + 1) * intervalMs,
      noDataMs: Math.max(MIN_NO_DATA_MS, MIN_WINDOW_POLLS * intervalMs),
    };
    const scaled: Record<string, number | boolean> = {};
    for (const [key, value] of Object.entries(settings)) {
      scaled[key] = typeof value === 'number' && key.endsWith('Ms') ? scaleMs(value, speed, floors[key] ?? 0) : value;
    }
    out[rule] = scaled;
  }
  return out as RulesConfig;
}

/** The demo target's probe interval, timeout and rules, and the engine's settings, for a speed. */
export function demoTiming(speed: number, life: RealLifeTiming, rules: RuleSettings = DEFAULT_RULES): DemoTiming {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a number > 0 (got ${speed})`);
  const intervalMs = scaleMs(life.intervalMs, speed, MIN_INTERVAL_MS);
  return {
    speed,
    intervalMs,
    timeoutMs: Math.min(life.timeoutMs, scaleMs(life.timeoutMs, speed, MIN_TIMEOUT_MS)),
    rules: scaleRules(rules, speed, intervalMs),
    alerts: {
      // The hysteresis is about probes ("one good probe in a storm does not resolve it"): never fewer
      // of them than in real life (30 s at 5 s = 6), or a storm near a threshold flaps.
      minClearForMs: scaleMs(life.minClearForMs, speed, Math.ceil(life.minClearForMs / life.intervalMs) * intervalMs),
      evaluateEveryMs: scaleMs(life.evaluateEveryMs, speed, MIN_INTERVAL_MS),
    },
  };
}
