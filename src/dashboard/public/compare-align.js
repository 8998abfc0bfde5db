// Two broadcasts on one time axis, pure (no DOM, no uPlot): each series is shifted so its anchor
// (the scheduled start, when there is one) sits at 0, and the two time bases are merged into the one
// ascending x array uPlot needs. Checked in Node by test/browser/compare.test.ts.

import { bridgeGaps, typicalStep } from './chart-data.js';

export const MINUTE = 60_000;
/** The chart starts this long before the earlier anchor: the minutes before a start are part of the story. */
export const LEAD_MS = 15 * MINUTE;

/**
 * What "T+0" is for a target, best first: the scheduled start (the platform's, in the status, else
 * the target's own schedule), else the moment it went on air, else its first observation.
 * @returns `{ at, label }` or undefined when there is nothing to anchor on (no data at all).
 */
export function anchorOf(target, firstObservationAt) {
  const candidates = [
    [target?.status?.scheduledStart, 'scheduled start'],
    [target?.schedule?.start, 'scheduled start'],
    [target?.status?.onAirAt, 'on-air moment'],
  ];
  for (const [iso, label] of candidates) {
    const at = typeof iso === 'string' ? Date.parse(iso) : NaN;
    if (Number.isFinite(at)) return { at, label };
  }
  return typeof firstObservationAt === 'number' && Number.isFinite(firstObservationAt) ? { at: firstObservationAt, label: 'first observation' } : undefined;
}

/**
 * One target's listener series on the relative axis, in minutes from its anchor. Failed probes (no
 * count) are dropped, and a null is put back only where counts are far apart, so an outage still
 * breaks the line while a blip does not.
 */
export function alignSeries(series, anchorAt, intervalMs) {
  const step = typicalStep(series.t) ?? 0;
  const bridged = bridgeGaps(series, Math.max(5 * (intervalMs || 0), 3 * step, 1));
  return { x: bridged.t.map((t) => (t - anchorAt) / MINUTE), v: bridged.v };
}

/**
 * Several aligned series merged onto one sorted x: `[x, v1, v2, …]`. Where a series has no sample of
 * its own at an x (the other series' time), its value is `undefined`, which uPlot draws across; a
 * `null` (a real gap) stays null and breaks the line.
 */
export function mergeAligned(list) {
  const xs = new Set();
  for (const s of list) for (const x of s.x) xs.add(x);
  const x = [...xs].sort((p, q) => p - q);
  const index = new Map(x.map((v, i) => [v, i]));
  const columns = list.map((s) => {
    const col = new Array(x.length).fill(undefined);
    for (let i = 0; i < s.x.length; i++) col[index.get(s.x[i])] = s.v[i];
    return col;
  });
  return [x, ...columns];
}

/**
 * The x range shown at first (and after a double-click): from before the anchors (0 on this axis)
 * to the later end of data. The lead is LEAD, or a quarter of what follows T+0 when that is shorter,
 * so a short broadcast is not squeezed into the right edge by fifteen empty minutes.
 */
export function xRange(list) {
  let end = 0;
  for (const s of list) if (s.x.length) end = Math.max(end, s.x[s.x.length - 1]);
  end = Math.max(end, 1);
  return [-Math.min(LEAD_MS / MINUTE, Math.max(end / 4, 1)), end];
}

/** The absolute window to fetch for one target: LEAD before its anchor to its end (or now). */
export function fetchWindow(anchorAt, target, now) {
  const ended = Date.parse(target?.status?.endedAt ?? '');
  const to = Number.isFinite(ended) ? Math.min(now, ended + LEAD_MS) : now;
  return { from: anchorAt - LEAD_MS, to: Math.max(to, anchorAt - LEAD_MS + MINUTE) };
}

/** An axis value in minutes as "T+45 min", "T−15 min", "T+2 h 30"; "T+0" at the anchor. */
export function formatT(minutes) {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes)) return '—';
  const m = Math.round(Math.abs(minutes));
  const sign = minutes < 0 && m !== 0 ? '−' : '+';
  if (m === 0) return 'T+0';
  if (m < 120) return `T${sign}${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `T${sign}${h} h ${String(m % 60).padStart(2, '0')}` : `T${sign}${h} h`;
}

/** Round tick steps for a minutes axis (uPlot `incrs`). */
export const MINUTE_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];
