// Shaping API series for the pages' charts. Pure (no DOM, no uPlot), so
// test/http/dashboard.test.ts checks it in Node.

import { formatCount } from './format.js';

/** The oldest timestamp held in any of the series, or undefined when all are empty. */
export function firstTime(seriesList) {
  let first;
  for (const s of seriesList) if (s.t.length && !(s.t[0] >= first)) first = s.t[0];
  return first;
}

/**
 * The x range both panels show. The preset's window, unless every point held starts well inside it
 * (a target that began polling a minute ago): then [first point − a small pad, now], so a new
 * target's data fills the chart instead of a sliver at its right edge. `fitted` says which.
 */
export function viewWindow(range, first, intervalMs) {
  if (first === undefined || !(first > range.from)) return { from: range.from, to: range.to, fitted: false };
  const pad = Math.max(2 * (intervalMs || 0), 0.03 * (range.to - first), 1000);
  // Start on a round time (…:20, …:25) so the axis ticks and the join buckets start on the edge.
  const round = niceWidth((range.to - first + pad) / 12);
  const from = Math.floor((first - pad) / round) * round;
  // Data starting in the first few percent of the window is "the whole window" already; fitting it
  // would only make the caption flicker between the two.
  if (from - range.from <= 0.03 * (range.to - range.from)) return { from: range.from, to: range.to, fitted: false };
  return { from, to: range.to, fitted: true };
}

/**
 * Median spacing of ascending timestamps (the data's resolution: poll interval, downsampling bucket
 * or rollup minute); undefined for fewer than `minPoints` points, where a median says nothing.
 */
export function typicalStep(t, minPoints = 8) {
  if (t.length < Math.max(2, minPoints)) return undefined;
  const d = [];
  for (let i = 1; i < t.length; i++) d.push(t[i] - t[i - 1]);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

/**
 * Whether join counts came (at least partly) from per-minute rollups: the server sends a long range's
 * whole minutes as one point at each minute's start, 60 s apart. Such a point holds a minute of
 * attempts, so a bar must be at least a minute wide or it draws a minute as a sliver.
 */
export function perMinuteCounts(t) {
  for (let i = 1; i < t.length; i++) if (t[i - 1] % 60_000 === 0 && t[i] - t[i - 1] === 60_000) return true;
  return false;
}

/**
 * Listener points with the nulls of failed probes dropped (a failed probe has no count; it does not
 * mean zero), and a null put back only where known counts are more than `maxGapMs` apart, so a
 * blip draws a continuous line and an outage still shows as a break.
 *
 * A long range mixes resolutions: the server answers whole minutes from rollups (a point every
 * 15–45 s) and the open minute raw (a point per probe). So a gap is also bridged between two rollup
 * points up to a minute apart, and when it is within GAP_STEPS of the spacing around it (a rollup
 * minute next to the raw tail), while a missing rollup minute (90 s or more) still breaks.
 */
export function bridgeGaps(series, maxGapMs) {
  const known = [];
  for (let i = 0; i < series.t.length; i++) if (series.v[i] !== null && series.v[i] !== undefined) known.push(i);
  const t = [];
  const v = [];
  for (let k = 0; k < known.length; k++) {
    const at = series.t[known[k]];
    if (k > 0) {
      const prev = series.t[known[k - 1]];
      const before = k > 1 ? prev - series.t[known[k - 2]] : 0;
      const after = k + 1 < known.length ? series.t[known[k + 1]] - at : 0;
      const rollupNeighbours = at - prev <= 60_000 && prev % ROLLUP_OFFSET === 0 && at % ROLLUP_OFFSET === 0;
      if (at - prev > Math.max(maxGapMs, GAP_STEPS * Math.max(before, after)) && !rollupNeighbours) {
        t.push(prev + (at - prev) / 2);
        v.push(null);
      }
    }
    t.push(at);
    v.push(series.v[known[k]]);
  }
  return { t, v };
}

/** How many of the neighbouring steps a gap may span and still be drawn as a line (see bridgeGaps). */
const GAP_STEPS = 1.8;
/** Rollup minutes are drawn at :15, :30 and :45 (src/storage/series.ts); raw probes hardly ever land there to the ms. */
const ROLLUP_OFFSET = 15_000;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Bar widths that read as round numbers on a time axis. */
const NICE_WIDTHS = [1, 2, 5, 10, 15, 20, 30].map((s) => s * SECOND)
  .concat([1, 2, 5, 10, 15, 20, 30].map((m) => m * MINUTE))
  .concat([1, 2, 3, 6, 12, 24].map((h) => h * HOUR));

/** The smallest round width ≥ `ms`. */
export function niceWidth(ms) {
  for (const w of NICE_WIDTHS) if (w >= ms) return w;
  return Math.ceil(ms / (24 * HOUR)) * 24 * HOUR;
}

/**
 * Join attempts and failures summed into equal, round-width buckets across [from, to]: at 1-second
 * polls every raw point is "1 attempt, 0 or 1 failures", which reads as noise, while "40 % of the
 * last 5 s failed" reads at a glance. A bucket is at least `minWidthMs` wide (so it holds several
 * attempts) and there are at most about `maxBars`. Buckets align to multiples of the width, so a
 * refresh does not shift them. Empty buckets are null (no probe, which is not 0 % failed).
 *
 * @returns `{ width, t: bucket centres, attempts, failures, share: failed % (0–100) }`
 */
export function joinBuckets(attempts, failures, from, to, { minWidthMs, maxBars }) {
  const width = niceWidth(Math.max(minWidthMs, (to - from) / Math.max(1, maxBars)));
  const start = Math.floor(from / width) * width;
  const n = Math.max(1, Math.ceil((to - start + 1) / width));
  const a = new Array(n).fill(0);
  const f = new Array(n).fill(0);
  const add = (series, into) => {
    for (let i = 0; i < series.t.length; i++) {
      const b = Math.floor((series.t[i] - start) / width);
      if (b >= 0 && b < n && typeof series.v[i] === 'number') into[b] += series.v[i];
    }
  };
  add(attempts, a);
  add(failures, f);
  const out = { width, t: [], attempts: [], failures: [], share: [] };
  for (let b = 0; b < n; b++) {
    out.t.push(start + b * width + width / 2);
    out.attempts.push(a[b] > 0 ? a[b] : null);
    out.failures.push(a[b] > 0 ? f[b] : null);
    out.share.push(a[b] > 0 ? (100 * f[b]) / a[b] : null);
  }
  return out;
}

/**
 * A drag selection as a view: [from, to], at least `minSpanMs` wide around its middle (a zoom into
 * two points of one poll shows nothing).
 */
export function zoomView(from, to, minSpanMs) {
  const [a, b] = from <= to ? [from, to] : [to, from];
  if (b - a >= minSpanMs) return { from: a, to: b };
  const mid = (a + b) / 2;
  return { from: mid - minSpanMs / 2, to: mid + minSpanMs / 2 };
}

/** `view` moved by `fraction` of its span (negative: earlier), its end never past `now`. */
export function panView(view, fraction, now) {
  const span = view.to - view.from;
  const shift = Math.min(fraction * span, Math.max(0, now - view.to));
  return { from: view.from + shift, to: view.to + shift };
}

/**
 * What to fetch for a zoomed view: a quarter of its span either side, so a pan shows data at once
 * and lines run to the edges, and never past `now`.
 */
export function fetchRange(view, now, pad = 0.25) {
  const span = view.to - view.from;
  return { from: Math.floor(view.from - pad * span), to: Math.ceil(Math.min(now, view.to + pad * span)) };
}

/** Axis labels that fit 80 px: "950,000", "1.5 M", "60 M", "2 B". */
export function axisCount(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '';
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(a >= 1e10 ? 0 : 1)} B`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(a >= 1e7 ? 0 : 1)} M`;
  return formatCount(n);
}

/** Points per series to ask the API for: about one per pixel (more cannot be seen, fewer loses spikes), within the API's cap. */
export function maxPointsFor(widthPx) {
  return Math.min(10_000, Math.max(200, Math.floor(widthPx) || 0));
}

/** The highest count in [from, to] of a `{ t, v }` series and where it is, the first one if it repeats. */
export function peakOf(series, from = -Infinity, to = Infinity) {
  let peak;
  for (let i = 0; i < series.t.length; i++) {
    const v = series.v[i];
    if (typeof v === 'number' && series.t[i] >= from && series.t[i] <= to && (peak === undefined || v > peak.value)) peak = { at: series.t[i], value: v };
  }
  return peak;
}
