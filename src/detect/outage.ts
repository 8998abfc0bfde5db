import { scheduledStart } from './on-air.js';
import { noDataThresholdMs } from './rules.js';
import type { Condition, Detector } from './types.js';
import { endedAt, formatCodes, formatDuration, formatInstant, isAttempt, upTo } from './window.js';

/**
 * outage / no data — the last `consecutiveFailures` probes all failed, or no probe has been recorded
 * for longer than `noDataMs` (never less than three probe intervals). No data wins when both hold:
 * it is what is happening now.
 *
 * Not an outage: an ended broadcast; a probe the platform answered with `scheduled`, or `offline`
 * before the scheduled start (nothing is on air yet: that is the delay rule's business); the time
 * before the first probe. Imported rows without a join are not probes.
 *
 * value: failed probes in a row, or ms since the last observation (details.mode says which).
 */
export const outage: Detector = ({ target, observations, events, rules, now }): Condition => {
  const { consecutiveFailures: k, noDataMs } = rules.outage;
  const seen = upTo(observations, now);
  let last: (typeof seen)[number] | undefined;
  for (let i = seen.length - 1; i >= 0 && !last; i--) if (seen[i]!.join) last = seen[i];
  if (!last) return { rule: 'outage', active: false, value: null, threshold: k, summary: 'no probe recorded yet' };
  const ended = endedAt(seen, events);
  if (ended !== undefined && ended <= now) return { rule: 'outage', active: false, value: null, threshold: k, summary: 'broadcast ended: not an outage' };

  const start = scheduledStart(target, events);
  let run = 0;
  let runStart = last.at;
  const codes: Record<string, number> = {};
  for (let i = seen.length - 1; i >= 0; i--) {
    const o = seen[i]!;
    if (!o.join) continue;
    if (o.join.ok || !isAttempt(o, start)) break;
    run++;
    runStart = o.at;
    const code = o.join.error ?? 'unknown';
    codes[code] = (codes[code] ?? 0) + 1;
  }

  const noData = noDataThresholdMs(noDataMs, target.intervalMs);
  const quietMs = now - last.at;
  const shared = { lastObservationAt: formatInstant(last.at), consecutiveFailures: run };
  if (quietMs > noData) {
    const lastWas = run > 0 ? `; the last ${run === 1 ? 'probe' : `${run} probes`} failed: ${formatCodes(codes)}` : '';
    return {
      rule: 'outage',
      active: true,
      value: quietMs,
      threshold: noData,
      summary: `no data: no observation for ${formatDuration(quietMs)} (expected every ${formatDuration(target.intervalMs)})${lastWas}`,
      details: { mode: 'no_data', ...shared, noDataMs: noData },
    };
  }
  const active = run >= k;
  const summary = active
    ? `outage: ${run} failed probes in a row, failing for ${formatDuration(now - runStart)} (${formatCodes(codes)})`
    : run > 0
      ? `${run} failed ${run === 1 ? 'probe' : 'probes'} in a row (${k} make an outage)`
      : 'probes answering';
  return { rule: 'outage', active, value: run, threshold: k, summary, details: { mode: 'failures', ...shared, ...(run > 0 ? { failingSince: formatInstant(runStart) } : {}) } };
};
