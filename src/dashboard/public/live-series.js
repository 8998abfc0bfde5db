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

/**
 * One observation (an SSE `observation` frame) as a point of each series metric, the way the
 * series API derives them from raw rows (src/storage/series.ts rawColumns): a failed probe has no
 * count and no join time, and a row without a join attempt counts none.
 */
export function observationPoints(obs) {
  const join = obs.join;
  return {
    listeners: typeof obs.listeners === 'number' ? obs.listeners : null,
    join_attempts: join ? 1 : 0,
    join_failures: join && !join.ok ? 1 : 0,
    join_ms: join?.ok && typeof join.ms === 'number' ? join.ms : null,
  };
}

/** `held` (metric → `{ t, v }`) with one observation appended where it is newer than what is held. */
export function appendObservation(held, obs, windowStart) {
  const at = typeof obs.at === 'number' ? obs.at : Date.parse(obs.at);
  if (!Number.isFinite(at)) return held;
  const points = observationPoints(obs);
  const out = {};
  for (const [metric, series] of Object.entries(held)) {
    out[metric] = metric in points ? mergeTail(series, { t: [at], v: [points[metric]] }, windowStart) : series;
  }
  return out;
}
