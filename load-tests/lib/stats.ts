// Small statistics for benchmark samples. Nearest-rank percentiles on raw samples (no interpolation:
// a reported p95 is a latency that was actually observed), and Prometheus-style interpolation where
// only histogram buckets exist.

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (q in 0..1) of unsorted samples. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** The middle sample, or the mean of the middle two. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    p50: percentile(samples, 0.5),
    p95: percentile(samples, 0.95),
    p99: percentile(samples, 0.99),
    max: Math.max(...samples),
  };
}

/** One cumulative bucket: how many observations were ≤ `le`. */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * Quantile from cumulative buckets, interpolated linearly inside the bucket as Prometheus's
 * histogram_quantile does. Only an estimate; `fractionAtOrBelow` gives the exact share under a bound
 * that is itself a bucket edge, which is what a "p99 < 100 ms" verdict should rest on.
 */
export function histogramQuantile(buckets: readonly Bucket[], q: number): number {
  const finite = [...buckets].sort((a, b) => a.le - b.le);
  const total = finite.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of finite) {
    if (b.count >= rank) {
      // Beyond the last finite bucket Prometheus answers with that bucket's bound; so do we.
      if (!Number.isFinite(b.le)) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / Math.max(1, b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Share of observations ≤ `le`, where `le` is a bucket edge. */
export function fractionAtOrBelow(buckets: readonly Bucket[], le: number): number {
  const total = buckets.find((b) => !Number.isFinite(b.le))?.count ?? Math.max(0, ...buckets.map((b) => b.count));
  const at = buckets.find((b) => b.le === le);
  if (!at) throw new RangeError(`no bucket edge at ${le}`);
  return total === 0 ? Number.NaN : at.count / total;
}

/** Bucket counts of `after` minus `before` (the window between two snapshots of one histogram). */
export function bucketDelta(before: readonly Bucket[], after: readonly Bucket[]): Bucket[] {
  return after.map((b) => ({ le: b.le, count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0) }));
}
