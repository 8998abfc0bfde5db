import { scheduledStart } from './on-air.js';
import type { Condition, Detector } from './types.js';
import { attemptWindowMs, between, endedAt, formatCodes, formatCount, formatDuration, formatPercent, formatShare, joinStats, round, upTo } from './window.js';

/** Fewer counts than this over the window cannot show a plateau. */
export const CAPACITY_MIN_POINTS = 3;

/**
 * capacity — people are trying to get in and cannot: listeners sit flat on a plateau (max − min within
 * `flatPercent` of the max over the window) while joins fail (failed share ≥ `failureRate` with at
 * least `minAttempts` attempts). A plateau needs at least CAPACITY_MIN_POINTS counts spanning half
 * the window, so a few samples after a start do not make one. The window stretches to hold
 * `minAttempts` probes on a slowly polled target.
 *
 * value: the plateau (the window's maximum listeners); threshold: the failed share it needs.
 */
export const capacity: Detector = ({ target, observations, events, rules, now }): Condition => {
  const { flatPercent, failureRate, minAttempts } = rules.capacity;
  const windowMs = attemptWindowMs(rules.capacity.windowMs, minAttempts, target.intervalMs);
  const base = { rule: 'capacity', threshold: failureRate } as const;
  const window = formatDuration(windowMs);
  const ended = endedAt(upTo(observations, now), events);
  if (ended !== undefined && ended <= now) return { ...base, active: false, value: null, summary: 'broadcast ended: capacity is not judged' };

  const inWindow = between(observations, now - windowMs, now);
  const counted = inWindow.filter((o) => typeof o.listeners === 'number');
  const first = counted[0];
  const last = counted[counted.length - 1];
  if (!first || !last || counted.length < CAPACITY_MIN_POINTS || last.at - first.at < windowMs / 2) {
    return { ...base, active: false, value: null, summary: `too few listener counts over ${window} to see a plateau (${counted.length})` };
  }
  let max = -Infinity;
  let min = Infinity;
  for (const o of counted) {
    max = Math.max(max, o.listeners!);
    min = Math.min(min, o.listeners!);
  }
  const spreadPercent = max > 0 ? ((max - min) / max) * 100 : 0;
  // An empty room is not a ceiling (that is an outage or a drop); quotients compared so the edge matches.
  const flat = max > 0 && (max - min) / max <= flatPercent / 100;
  const stats = joinStats(inWindow, scheduledStart(target, events));
  const judged = stats.attempts >= minAttempts;
  const failing = judged && stats.share >= failureRate;
  const details = {
    plateau: max,
    min,
    spreadPercent: round(spreadPercent, 2),
    attempts: stats.attempts,
    failed: stats.failed,
    failedShare: round(stats.share, 4),
    codes: formatCodes(stats.codes) || null,
    windowMs,
  };
  const listeners = flat ? `listeners flat at ${formatCount(max)} (within ${formatPercent(spreadPercent)} over ${window})` : `listeners moved ${formatPercent(spreadPercent)} over ${window} (${formatCount(min)}–${formatCount(max)})`;
  const joins = judged ? `${formatShare(stats.share)} of joins fail (${stats.failed}/${stats.attempts})` : `too few join attempts to judge (${stats.attempts}/${minAttempts})`;
  const active = flat && failing;
  return {
    ...base,
    active,
    value: max,
    summary: active ? `capacity ceiling: ${listeners} while ${joins}` : `no ceiling: ${listeners}; ${joins}`,
    details,
  };
};
