// Listener maths over the counts of a range. Pure.
//
// Counts are samples of a quantity that exists between them, so the area under them is the
// trapezoid rule over consecutive counts: listener-minutes is that area in minutes, and the
// time-weighted mean is that area divided by the time the counts cover. Time-weighted rather than a
// mean per observation, because imports mix rates (a count per minute from screenshots beside a
// probe every 5 s) and a mean per row would weigh the densely probed stretch more.
//
// A failed probe has no count; that is not zero listeners. Two counts at most `maxGapMs` apart are
// joined across whatever lies between; counts further apart are not: nobody measured that stretch,
// so it adds neither area nor covered time.

/** Counted observations, ascending times: `t[i]` ms, `v[i]` listeners. */
export interface Counts {
  t: number[];
  v: number[];
}

/** The longest stretch between two counts that is still bridged: five probe intervals, at least a minute. */
export function maxGapMs(intervalMs: number): number {
  return Math.max(5 * intervalMs, 60_000);
}

export interface Area {
  /** Listener-milliseconds. */
  area: number;
  /** Milliseconds covered by bridged segments. */
  coveredMs: number;
  /** Counts within [from, to]. */
  points: number;
  /** Their plain sum (the mean when no segment covers any time: a single count). */
  sum: number;
}

/** Area under the counts clipped to [from, to]. */
export function integrate(counts: Counts, from: number, to: number, gapMs: number): Area {
  const { t, v } = counts;
  const out: Area = { area: 0, coveredMs: 0, points: 0, sum: 0 };
  for (let i = 0; i < t.length; i++) {
    if (t[i]! >= from && t[i]! <= to) {
      out.points++;
      out.sum += v[i]!;
    }
    if (i === 0) continue;
    const t1 = t[i - 1]!;
    const t2 = t[i]!;
    if (t2 - t1 > gapMs || t2 <= from || t1 >= to) continue;
    const a = Math.max(t1, from);
    const b = Math.min(t2, to);
    if (b <= a) continue;
    const at = (x: number) => v[i - 1]! + ((v[i]! - v[i - 1]!) * (x - t1)) / (t2 - t1);
    out.area += ((at(a) + at(b)) / 2) * (b - a);
    out.coveredMs += b - a;
  }
  return out;
}

/** Time-weighted mean over [from, to]; a lone count is its own mean; undefined without counts. */
export function meanOf(a: Area): number | undefined {
  if (a.coveredMs > 0) return a.area / a.coveredMs;
  return a.points > 0 ? a.sum / a.points : undefined;
}
