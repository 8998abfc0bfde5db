import type { RuleSettings } from '../detect/types.js';
import { MINUTE_MS, computeRollup, minuteOf } from '../storage/rollup.js';
import type { Observation, Rollup } from '../types.js';

// Capacity-ceiling evidence for capacity claims, at one-minute resolution so a claim about a long
// broadcast reads rollups rather than every raw row. The same idea as the capacity detector (DESIGN.md
// "Detection": listeners flat near a plateau while join failures are high — people are trying to get
// in and cannot), judged after the fact over a whole stretch instead of at `now`.

export type CapacitySettings = Pick<RuleSettings['capacity'], 'windowMs' | 'flatPercent' | 'failureRate' | 'minAttempts'>;

export interface Ceiling {
  /** Start of the first minute of the plateau, epoch ms. */
  from: number;
  /** End of its last minute (exclusive), epoch ms. */
  to: number;
  /** The highest count on the plateau: what the system held while it turned people away. */
  level: number;
  attempts: number;
  failed: number;
}

/**
 * Minute buckets over [from, to]: the stored rollup where there is one, else one computed from the raw
 * rows given (the newest minute has no rollup yet, and a detector sees raw rows only). Oldest first.
 */
export function minuteBuckets(observations: readonly Observation[], rollups: readonly Rollup[], from: number, to: number): Rollup[] {
  const byMinute = new Map<number, Rollup>();
  const raw = new Map<number, Observation[]>();
  for (const o of observations) {
    if (o.at < from || o.at > to) continue;
    const m = minuteOf(o.at);
    let rows = raw.get(m);
    if (!rows) raw.set(m, (rows = []));
    rows.push(o);
  }
  for (const [m, rows] of raw) byMinute.set(m, computeRollup(m, rows));
  // A stored rollup covers its whole minute; the raw rows given may cover only part of it.
  for (const r of rollups) if (r.at >= minuteOf(from) && r.at <= to) byMinute.set(r.at, r);
  return [...byMinute.values()].sort((a, b) => a.at - b.at);
}

const strained = (r: Rollup, s: CapacitySettings) => r.max !== undefined && r.min !== undefined && r.joins > 0 && r.failed / r.joins >= s.failureRate;

/**
 * Plateaus where join failures were high: runs of consecutive minutes, each with a failed share ≥
 * `failureRate`, spanning at least `windowMs` (one minute at least), holding at least `minAttempts`
 * attempts, whose counts stay within `flatPercent` % of their maximum (the capacity rule's terms). Highest level first.
 */
export function findCeilings(buckets: readonly Rollup[], s: CapacitySettings): Ceiling[] {
  const need = Math.max(1, Math.ceil(s.windowMs / MINUTE_MS));
  const out: Ceiling[] = [];
  let run: Rollup[] = [];
  const flush = () => {
    // Mark every minute that lies in some flat, busy-enough window of `need` minutes; adjacent marked
    // minutes form one plateau.
    const covered = new Array<boolean>(run.length).fill(false);
    for (let i = 0; i + need <= run.length; i++) {
      const w = run.slice(i, i + need);
      const hi = Math.max(...w.map((r) => r.max!));
      const lo = Math.min(...w.map((r) => r.min!));
      const attempts = w.reduce((sum, r) => sum + r.joins, 0);
      if (hi > 0 && ((hi - lo) / hi) * 100 <= s.flatPercent && attempts >= s.minAttempts) covered.fill(true, i, i + need);
    }
    let group: Rollup[] = [];
    const close = () => {
      if (group.length === 0) return;
      out.push({
        from: group[0]!.at,
        to: group[group.length - 1]!.at + MINUTE_MS,
        level: Math.max(...group.map((r) => r.max!)),
        attempts: group.reduce((sum, r) => sum + r.joins, 0),
        failed: group.reduce((sum, r) => sum + r.failed, 0),
      });
      group = [];
    };
    for (let i = 0; i < run.length; i++) {
      if (covered[i]) group.push(run[i]!);
      else close();
    }
    close();
    run = [];
  };
  for (const r of buckets) {
    const contiguous = run.length > 0 && r.at === run[run.length - 1]!.at + MINUTE_MS;
    if (!strained(r, s) || (run.length > 0 && !contiguous)) flush();
    if (strained(r, s)) run.push(r);
  }
  flush();
  return out.sort((a, b) => b.level - a.level || a.from - b.from);
}
