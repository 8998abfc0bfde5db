// The target page's series: one load of the whole range (at screen resolution), then polled tails
// or streamed observations appended to it. State lives on the page's `s`; this only reads and
// writes the series fields of it (held, appended, loadedAt, loading, generation).

import { api } from './api.js';
import { fetchRange } from './chart-data.js';
import { RANGES } from './format.js';
import { appendObservation, reloadDue, spliceTail, tailStart } from './live-series.js';

export const METRICS = ['listeners', 'join_attempts', 'join_failures', 'join_ms'];

export const emptySeries = () => Object.fromEntries(METRICS.map((m) => [m, { t: [], v: [] }]));

/**
 * @param deps.id         the target id
 * @param deps.s          the page state
 * @param deps.maxPoints  () => points per series to ask for
 * @param deps.onData     () => void, after the held series changed
 * @param deps.streaming  () => whether the stream is up (then a load is followed by one poll)
 */
export function createSeries({ id, s, maxPoints, onData, streaming }) {
  const windowStart = (now) => now - RANGES[s.rangeKey];

  /** Loads the range shown (the zoom, or the preset up to now), replacing what is held. */
  function loadRange() {
    const mine = ++s.generation;
    const now = Date.now();
    const range = s.zoom ? fetchRange(s.zoom, now) : { from: windowStart(now), to: now };
    const p = Promise.all(METRICS.map((m) => api.series(id, m, range.from, range.to, maxPoints())))
      .then((results) => {
        if (mine !== s.generation) return undefined; // a newer range was picked while this one loaded
        s.held = Object.fromEntries(METRICS.map((m, i) => [m, { t: results[i].t, v: results[i].v }]));
        s.appended = 0;
        s.loadedAt = Date.now();
        onData();
        // Frames the stream delivered while this was in flight were replaced with the rest: one
        // poll from the newest point held brings back any written after the load read the store.
        return !s.zoom && streaming() ? pollTail() : undefined;
      })
      .finally(() => {
        if (s.loading === p) s.loading = null;
      });
    s.loading = p;
    return p;
  }

  /** One polling step: the first load (or a due reload) if needed, else what is new since the newest point held. */
  function poll() {
    if (s.zoom) return undefined; // a zoomed view is a fixed range, loaded whole
    if (s.loading) return s.loading; // its answer is about to replace what a tail would extend
    if (reloadDue({ ...s, retryAt: 0 }, Date.now())) return loadRange();
    return pollTail();
  }

  async function pollTail() {
    const mine = s.generation;
    const now = Date.now();
    const from = windowStart(now);
    const starts = METRICS.map((m) => tailStart(s.held[m], from));
    // A server clock ahead of this one can put the newest point after our now: never ask for from > to.
    const to = Math.max(now, ...starts);
    const tails = await Promise.all(METRICS.map((m, i) => api.series(id, m, starts[i], to, maxPoints())));
    if (mine !== s.generation) return; // a load replaced what this would extend
    for (const [i, m] of METRICS.entries()) s.held[m] = spliceTail(s.held[m], tails[i], starts[i], from);
    // Each tail starts with the point it replaces: the rest are new observations.
    s.appended += Math.max(0, ...tails.map((t) => t.t.length - 1));
    onData();
  }

  /** One streamed observation, appended where it is newer than what is held (a zoomed view stays as loaded). */
  function append(obs) {
    if (s.zoom) return;
    s.held = appendObservation(s.held, obs, windowStart(Date.now()));
    s.appended++;
    onData();
  }

  /** The newest instant held in any series: the stream's `since`, and the view's right edge. */
  function newestTime() {
    let t = -Infinity;
    for (const m of METRICS) if (s.held[m].t.length) t = Math.max(t, s.held[m].t.at(-1));
    return t;
  }

  return { loadRange, poll, append, newestTime };
}
