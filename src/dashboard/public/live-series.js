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

/**
 * Where the next poll of one metric starts: AT the newest point held (inclusive), or the window's
 * start when nothing is held. Not after the poll's own clock: the poller stamps an observation when
 * its probe starts and writes it after the join (seconds later for a timeout), so "since the last
 * poll" misses it. Not after the point either: a downsampled load holds a bucket's sum at the
 * bucket's first instant, so the bucket is fetched again raw and replaces it (spliceTail), which
 * counts each attempt once.
 */
export function tailStart(held, windowStart) {
  return held.t.length ? Math.max(held.t[held.t.length - 1], windowStart) : windowStart;
}

/**
 * `held` with a polled `tail` (fetched from `from` on) put in: the points before `from`, the tail,
 * then any held point newer than the tail's last (one the stream delivered while the poll was in
 * flight). Points before `windowStart` are dropped. An empty tail changes nothing but the window.
 */
export function spliceTail(held, tail, from, windowStart) {
  const t = [];
  const v = [];
  const keep = (i) => {
    t.push(held.t[i]);
    v.push(held.v[i]);
  };
  const last = tail.t.length ? tail.t[tail.t.length - 1] : undefined;
  for (let i = 0; i < held.t.length && (last === undefined || held.t[i] < from); i++) if (held.t[i] >= windowStart) keep(i);
  if (last === undefined) return { t, v };
  for (let i = 0; i < tail.t.length; i++) {
    if (tail.t[i] >= windowStart) {
      t.push(tail.t[i]);
      v.push(tail.v[i]);
    }
  }
  for (let i = 0; i < held.t.length; i++) if (held.t[i] > last) keep(i);
  return { t, v };
}

/** Appended live points are full resolution while a load may be downsampled: past these the range is reloaded. */
export const RELOAD_AFTER_POINTS = 2000;
export const RELOAD_AFTER_MS = 10 * 60_000;

/**
 * Whether the held range should be loaded (again) now: never while a load is in flight (it would
 * throw that one away), else before the first successful load and once the live points grew past
 * the limits. `retryAt` holds automatic retries off after a failure.
 * @param s `{ loading, loadedAt, appended, retryAt }`
 */
export function reloadDue(s, now) {
  if (s.loading || now < (s.retryAt ?? 0)) return false;
  return !s.loadedAt || s.appended > RELOAD_AFTER_POINTS || now - s.loadedAt > RELOAD_AFTER_MS;
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
