// Reading spacewatch's own histograms back from the prom-client registry a run built, so a load test
// reports what `/metrics` would show rather than keeping counts of its own.
import type { Registry } from 'prom-client';
import type { Bucket } from './stats.js';

/**
 * The cumulative buckets of histogram `name`, over the series whose labels include `match`, summed by
 * `le` (as `sum by (le)` does): one row per bucket edge, ascending, `+Inf` last. Empty when the
 * histogram is not registered or has no series yet.
 */
export async function histogramBuckets(registry: Registry, name: string, match: Readonly<Record<string, string>> = {}): Promise<Bucket[]> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const byLe = new Map<number, number>();
  for (const v of values) {
    if ((v as { metricName?: string }).metricName !== `${name}_bucket`) continue;
    if (Object.entries(match).some(([label, value]) => v.labels[label] !== value)) continue;
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + v.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** How many observations the buckets hold (the `+Inf` bucket's count). */
export function observed(buckets: readonly Bucket[]): number {
  return buckets.find((b) => !Number.isFinite(b.le))?.count ?? 0;
}
