import type { Condition, Detector } from './types.js';
import { between, endedAt, upTo, formatCount, formatDuration, formatInstant, formatPercent, round } from './window.js';

/**
 * drop — the latest listener count is down by ≥ `percent` (or ≥ `absolute`, when set) from the
 * maximum within the last `windowMs`. Measured from the window's maximum rather than the previous
 * sample, so a slide of a few per cent per probe adds up. Observations without a count (failed
 * reads, imported join-only rows) are skipped, not read as zero; an ended broadcast is not a drop.
 *
 * value: the fall from the window maximum, in per cent.
 */
export const drop: Detector = ({ observations, events, rules, now }): Condition => {
  const { percent, absolute, windowMs } = rules.drop;
  const base = { rule: 'drop', threshold: percent } as const;
  const window = formatDuration(windowMs);

  const counted = between(observations, now - windowMs, now).filter((o) => typeof o.listeners === 'number');
  const latest = counted[counted.length - 1];
  if (latest === undefined) return { ...base, active: false, value: null, summary: `no listener counts in the last ${window}` };
  const ended = endedAt(upTo(observations, now), events);
  if (ended !== undefined && ended <= now) return { ...base, active: false, value: null, summary: 'broadcast ended: drops are not judged' };

  let peak = latest;
  for (const o of counted) if (o.listeners! > peak.listeners!) peak = o;
  const max = peak.listeners!;
  const current = latest.listeners!;
  const fell = max - current;
  if (counted.length < 2 || max <= 0) {
    return { ...base, active: false, value: 0, summary: `listeners ${formatCount(current)}: nothing to fall from in the last ${window}` };
  }

  // Compared as two correctly rounded quotients, so a fall of exactly `percent` is a match.
  const byPercent = fell / max >= percent / 100;
  const byAbsolute = absolute > 0 && fell >= absolute;
  const fellPercent = (fell / max) * 100;
  const details: Condition['details'] = {
    peak: max,
    peakAt: formatInstant(peak.at),
    current,
    fell,
    windowMs,
    by: byPercent ? 'percent' : byAbsolute ? 'absolute' : null,
    ...(absolute > 0 ? { absoluteThreshold: absolute } : {}),
  };
  const active = byPercent || byAbsolute;
  const summary = active
    ? `listeners fell ${formatPercent(fellPercent)} (${formatCount(max)} → ${formatCount(current)}, −${formatCount(fell)}) from the ${window} peak`
    : `listeners ${formatCount(current)}, ${formatPercent(fellPercent)} below the ${window} peak of ${formatCount(max)}`;
  return { ...base, active, value: round(fellPercent, 2), summary, details };
};
