// Keeping a chart live by polling: fetch only what is newer than the last point held, append it,
// and drop what slid out of the window. Pure, so test/http/dashboard.test.ts can check it in Node.

/** A new `{ t, v }`: the points of `held` from `windowStart` on, then those of `tail` newer than `held`'s last. */
export function mergeTail(held, tail, windowStart) {
  const last = held.t.length ? held.t[held.t.length - 1] : -Infinity;
  const t = [];
  const v = [];
  for (let i = 0; i < held.t.length; i++) {
    if (held.t[i] >= windowStart) {
      t.push(held.t[i]);
      v.push(held.v[i]);
    }
  }
  for (let i = 0; i < tail.t.length; i++) {
    if (tail.t[i] > last && tail.t[i] >= windowStart) {
      t.push(tail.t[i]);
      v.push(tail.v[i]);
    }
  }
  return { t, v };
}

/** Where the next poll starts: just after the newest point held, or the window's start when empty. */
export function nextFrom(held, windowStart) {
  return held.t.length ? Math.max(held.t[held.t.length - 1] + 1, windowStart) : windowStart;
}

/** The newest non-null value, e.g. the current listener count. */
export function lastValue(series) {
  for (let i = series.v.length - 1; i >= 0; i--) if (series.v[i] !== null && series.v[i] !== undefined) return series.v[i];
  return undefined;
}
