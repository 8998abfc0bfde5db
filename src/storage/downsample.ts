// Downsampling of columnar series to at most maxPoints, pure. Buckets are equal spans of time (not
// of points), so a gap in the data stays a gap in the chart instead of being squeezed.
//
// Listeners keep both the min and the max of each bucket at their own timestamps: an audience
// claim is checked against the peak, and an incident shows as the drop — averaging would erase both.
import type { SeriesMetric } from '../types.js';

export interface Columns {
  t: number[];
  v: (number | null)[];
}

/** Downsamples with the rule that fits the metric; returns the input unchanged when it already fits. */
export function downsample(metric: SeriesMetric, cols: Columns, maxPoints: number): Columns {
  switch (metric) {
    case 'listeners':
      return downsampleMinMax(cols, maxPoints);
    case 'join_attempts':
    case 'join_failures':
      return downsampleSum(cols, maxPoints);
    case 'join_ms':
      return downsampleMean(cols, maxPoints);
  }
}

/** Per bucket (maxPoints/2 buckets): the min and the max at their own times; null if the bucket holds only nulls. */
export function downsampleMinMax(cols: Columns, maxPoints: number): Columns {
  const limit = Math.floor(maxPoints);
  if (cols.t.length <= limit) return copy(cols);
  const out: Columns = { t: [], v: [] };
  if (limit < 1) return out;
  // One point allowed: the peak is what matters most.
  const peakOnly = limit < 2;
  forEachBucket(cols.t, peakOnly ? 1 : Math.floor(limit / 2), (start, end) => {
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const x = cols.v[i];
      if (x === null || x === undefined) continue;
      if (lo < 0 || x < (cols.v[lo] as number)) lo = i;
      if (hi < 0 || x > (cols.v[hi] as number)) hi = i;
    }
    if (hi < 0) push(out, cols.t[start] as number, null);
    else if (peakOnly || lo === hi) push(out, cols.t[hi] as number, cols.v[hi] as number);
    else for (const i of lo < hi ? [lo, hi] : [hi, lo]) push(out, cols.t[i] as number, cols.v[i] as number);
  });
  return out;
}

/** Per bucket (maxPoints buckets): the sum of the values, at the bucket's first timestamp; null if all null. */
export function downsampleSum(cols: Columns, maxPoints: number): Columns {
  return reduceBuckets(cols, maxPoints, (sum) => sum);
}

/** Per bucket (maxPoints buckets): the mean of the non-null values, at the bucket's first timestamp. */
export function downsampleMean(cols: Columns, maxPoints: number): Columns {
  return reduceBuckets(cols, maxPoints, (sum, n) => sum / n);
}

function reduceBuckets(cols: Columns, maxPoints: number, finish: (sum: number, n: number) => number): Columns {
  const limit = Math.floor(maxPoints);
  if (cols.t.length <= limit) return copy(cols);
  const out: Columns = { t: [], v: [] };
  if (limit < 1) return out;
  forEachBucket(cols.t, limit, (start, end) => {
    let sum = 0;
    let n = 0;
    for (let i = start; i < end; i++) {
      const x = cols.v[i];
      if (x === null || x === undefined) continue;
      sum += x;
      n++;
    }
    push(out, cols.t[start] as number, n === 0 ? null : finish(sum, n));
  });
  return out;
}

/** Calls `fn(start, end)` for each non-empty run of indexes in one of `buckets` equal time spans (t sorted). */
function forEachBucket(t: readonly number[], buckets: number, fn: (start: number, end: number) => void): void {
  const first = t[0] as number;
  // +1 so the last timestamp falls inside the last bucket rather than on its far edge.
  const span = Math.max(1, (t.at(-1) as number) - first + 1);
  let start = 0;
  let bucket = -1;
  for (let i = 0; i < t.length; i++) {
    // Never step back a bucket: even unsorted input cannot yield more runs than buckets.
    const b = Math.max(bucket, Math.min(buckets - 1, Math.floor((((t[i] as number) - first) * buckets) / span)));
    if (b !== bucket) {
      if (i > start) fn(start, i);
      start = i;
      bucket = b;
    }
  }
  if (t.length > start) fn(start, t.length);
}

function push(out: Columns, t: number, v: number | null): void {
  out.t.push(t);
  out.v.push(v);
}

function copy(cols: Columns): Columns {
  return { t: [...cols.t], v: [...cols.v] };
}
