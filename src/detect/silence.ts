import type { Observation } from '../types.js';
import type { Condition, Detector } from './types.js';
import { endedAt, formatDuration, formatInstant, upTo } from './window.js';

/**
 * silence — dead air. Two records say so: the level measurement on an observation (`extra.silent`,
 * `extra.levelDb`, every minute or so) and the `silence-start` / `silence-end` events the probe writes
 * when that changes. The newer of the two wins, so a silence that began before the observation window
 * is still seen through its open `silence-start`. A failed measurement (`extra.level` = `failed`…)
 * carries no `silent` and says nothing either way.
 *
 * value: ms silent so far (from the silence-start, else the first of the run of silent measurements).
 */
export const silence: Detector = ({ observations, events, now }): Condition => {
  const base = { rule: 'silence', threshold: 0 } as const;
  const seen = upTo(observations, now);
  const ended = endedAt(seen, events);
  if (ended !== undefined && ended <= now) return { ...base, active: false, value: null, summary: 'broadcast ended: silence is not judged' };

  // Newest measurement, and where the run of measurements agreeing with it began.
  let measured: Observation | undefined;
  let runStart: number | undefined;
  for (let i = seen.length - 1; i >= 0; i--) {
    const o = seen[i]!;
    const silent = o.extra?.silent;
    if (typeof silent !== 'boolean') continue;
    measured ??= o;
    if (silent !== measured.extra!.silent) break;
    runStart = o.at;
  }
  let event: { at: number; type: string } | undefined;
  for (let i = events.length - 1; i >= 0 && !event; i--) {
    const e = events[i]!;
    if ((e.type === 'silence-start' || e.type === 'silence-end') && e.at <= now) event = e;
  }
  if (!measured && !event) return { ...base, active: false, value: null, summary: 'no audio level measured' };

  const levelDb = typeof measured?.extra?.levelDb === 'number' ? measured.extra.levelDb : null;
  const level = levelDb === null ? '' : ` (${levelDb} dBFS)`;
  const byMeasurement = measured !== undefined && (event === undefined || measured.at >= event.at);
  const silent = byMeasurement ? measured!.extra!.silent === true : event!.type === 'silence-start';
  if (!silent) return { ...base, active: false, value: 0, summary: `audio present${level}`, details: { levelDb } };

  // An open silence-start is the true beginning even when older measurements left the window.
  const openStart = event?.type === 'silence-start' ? event.at : undefined;
  const since = Math.min(openStart ?? Infinity, byMeasurement ? runStart! : Infinity);
  const ms = now - since;
  return { ...base, active: true, value: ms, summary: `dead air for ${formatDuration(ms)}${level}`, details: { silentSince: formatInstant(since), levelDb } };
};
