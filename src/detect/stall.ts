import type { Condition, Detector } from './types.js';
import { endedAt, formatDuration, formatInstant, upTo } from './window.js';

/**
 * stall — the newest probe reports `stalled`: the live stream stopped advancing (an HLS media sequence
 * unchanged for ≥ 3×TARGETDURATION, a mount that sends headers but no audio). Active from the first
 * stalled probe; `for` decides when it fires. Imported rows without a join are not probes.
 *
 * value: ms since the stall began (the first of the current run of stalled probes).
 */
export const stall: Detector = ({ observations, events, now }): Condition => {
  const base = { rule: 'stall', threshold: 0 } as const;
  const seen = upTo(observations, now);
  const ended = endedAt(seen, events);
  if (ended !== undefined && ended <= now) return { ...base, active: false, value: null, summary: 'broadcast ended: stalls are not judged' };

  let since: number | undefined;
  let latest: (typeof seen)[number] | undefined;
  for (let i = seen.length - 1; i >= 0; i--) {
    const o = seen[i]!;
    if (!o.join) continue;
    latest ??= o;
    if (o.join.error !== 'stalled') break;
    since = o.at;
  }
  if (!latest) return { ...base, active: false, value: null, summary: 'no probe recorded yet' };
  if (since === undefined) return { ...base, active: false, value: 0, summary: latest.join!.ok ? 'stream advancing' : `not stalled (last probe: ${latest.join!.error ?? 'failed'})` };
  const ms = now - since;
  return { ...base, active: true, value: ms, summary: `stream stalled for ${formatDuration(ms)} (no new audio since ${formatInstant(since)})`, details: { stalledSince: formatInstant(since) } };
};
