// Chart series from a store, planned so the cost follows the chart's resolution rather than the
// range's row count: a 24-hour chart reads ~1,440 rollups, not 86,400 observations.
import type { Observation, Rollup, Series, SeriesMetric } from '../types.js';
import { downsample, type Columns } from './downsample.js';
import { computeRollup, MINUTE_MS, minuteOf } from './rollup.js';
import type { Store } from './store.js';

export interface SeriesQuery {
  targetId: string;
  metric: SeriesMetric;
  /** Inclusive epoch ms bounds. */
  from: number;
  to: number;
  maxPoints: number;
  /** The target's poll interval: how many raw rows the range holds, roughly. */
  intervalMs: number;
}

/** Raw rows beyond this many per output point would mostly be thrown away by downsampling. */
const RAW_ROWS_PER_POINT = 4;
/** Below this span the whole range is at most a few partial minutes: rollups would not save reads. */
const MIN_ROLLUP_SPAN_MS = 5 * MINUTE_MS;

export async function querySeries(store: Store, q: SeriesQuery): Promise<Series> {
  const span = q.to - q.from;
  const expectedRows = span / Math.max(1, q.intervalMs);
  const cols =
    expectedRows > RAW_ROWS_PER_POINT * q.maxPoints && span > MIN_ROLLUP_SPAN_MS
      ? await fromRollups(store, q)
      : rawColumns(q.metric, await store.range(q.targetId, q.from, q.to));
  return { metric: q.metric, ...downsample(q.metric, cols, q.maxPoints) };
}

/**
 * Rollups for the whole minutes of the range; raw rows only for a leading partial minute and for
 * the tail after the last rollup (the open minute, or minutes not rolled up yet).
 */
async function fromRollups(store: Store, q: SeriesQuery): Promise<Columns> {
  const firstMinute = minuteOf(q.from) === q.from ? q.from : minuteOf(q.from) + MINUTE_MS;
  const lastMinute = minuteOf(q.to - MINUTE_MS + 1);
  const [rollups, lead] = await Promise.all([
    store.rollups(q.targetId, firstMinute, lastMinute),
    q.from < firstMinute ? store.range(q.targetId, q.from, firstMinute - 1) : Promise.resolve([]),
  ]);
  const lastRolled = rollups.at(-1);
  const tail = await store.range(q.targetId, lastRolled ? lastRolled.at + MINUTE_MS : firstMinute, q.to);

  const out: Columns = { t: [], v: [] };
  if (q.metric === 'listeners') {
    // Same unit either way, so partial minutes keep their raw resolution.
    append(out, rawColumns('listeners', lead));
    for (const r of rollups) rollupListeners(out, r);
    append(out, rawColumns('listeners', tail));
  } else {
    // Counts are per minute in rollups, so raw partial minutes are rolled up too: mixing per-row
    // 1s with per-minute 60s would draw a cliff at the tail.
    for (const r of [...rollupRows(lead), ...rollups, ...rollupRows(tail)]) {
      out.t.push(Math.max(r.at, q.from));
      out.v.push(rollupValue(q.metric, r));
    }
  }
  return out;
}

/** Min and max of the minute as two points (peaks and drops both survive), the one nearer `last` second. */
function rollupListeners(out: Columns, r: Rollup): void {
  if (r.min === undefined || r.max === undefined) {
    out.t.push(r.at);
    out.v.push(null);
  } else if (r.min === r.max) {
    out.t.push(r.at + MINUTE_MS / 2);
    out.v.push(r.max);
  } else {
    const last = r.last ?? r.max;
    const [a, b] = Math.abs(last - r.max) <= Math.abs(last - r.min) ? [r.min, r.max] : [r.max, r.min];
    out.t.push(r.at + MINUTE_MS / 4, r.at + (3 * MINUTE_MS) / 4);
    out.v.push(a, b);
  }
}

function rollupValue(metric: Exclude<SeriesMetric, 'listeners'>, r: Rollup): number | null {
  switch (metric) {
    case 'join_attempts':
      return r.joins;
    case 'join_failures':
      return r.failed;
    case 'join_ms':
      return r.joinMs ?? null;
  }
}

/** Rows (sorted) grouped into per-minute rollups. */
function rollupRows(rows: readonly Observation[]): Rollup[] {
  const out: Rollup[] = [];
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    const minute = minuteOf((rows[start] as Observation).at);
    if (i === rows.length || minuteOf((rows[i] as Observation).at) !== minute) {
      out.push(computeRollup(minute, rows.slice(start, i)));
      start = i;
    }
  }
  return out;
}

function rawColumns(metric: SeriesMetric, rows: readonly Observation[]): Columns {
  const t = rows.map((o) => o.at);
  switch (metric) {
    case 'listeners':
      return { t, v: rows.map((o) => o.listeners ?? null) };
    case 'join_attempts':
      return { t, v: rows.map((o) => (o.join ? 1 : 0)) };
    case 'join_failures':
      return { t, v: rows.map((o) => (o.join && !o.join.ok ? 1 : 0)) };
    case 'join_ms':
      return { t, v: rows.map((o) => (o.join?.ok ? o.join.ms : null)) };
  }
}

function append(out: Columns, more: Columns): void {
  // A loop, not push(...): a tail without rollups can be far longer than the argument limit.
  for (let i = 0; i < more.t.length; i++) {
    out.t.push(more.t[i] as number);
    out.v.push(more.v[i] ?? null);
  }
}
