import { onAirAt, programStartMark, scheduledStart } from './on-air.js';
import type { Condition, Detector } from './types.js';
import { endedAt, formatDuration, formatInstant, upTo } from './window.js';

/**
 * delay — now is past the scheduled start plus the grace and the broadcast is not on air yet (the
 * shared on-air definition: live and joinable, or an operator's `program-start` mark).
 *
 * value: the delay in ms — running (now − scheduled start) while not on air, final (on-air time −
 * scheduled start; negative for an early start) once on air; null without a schedule or after an end.
 *
 * The on-air moment is looked for in the observations passed and in the marks. When it is the very
 * first observation passed, the broadcast may have gone on air earlier: the value is then an upper
 * bound (details.exact false). Once the on-air moment has left the observations entirely (a long
 * outage after the start), this detector would read "not on air yet": the engine must pass the
 * stretch where it went on air, as src/status/load.ts does, for the rule to stay quiet.
 */
export const delay: Detector = ({ target, observations, events, rules, now }): Condition => {
  const { graceMs } = rules.delay;
  const base = { rule: 'delay', threshold: graceMs } as const;
  const start = scheduledStart(target, events);
  if (start === undefined) return { ...base, active: false, value: null, summary: 'no schedule: delay is not judged' };

  const seen = upTo(observations, now);
  const scheduled = formatInstant(start);
  const onAir = onAirAt(seen, events);
  if (onAir !== undefined && onAir <= now) {
    const final = onAir - start;
    const when =
      final === 0 ? 'at the scheduled start' : final > 0 ? `${formatDuration(final)} after the scheduled start` : `${formatDuration(final)} before the scheduled start`;
    // On air at the very first observation passed: it may have been on air earlier than the window
    // shows, so the delay is an upper bound (the status module reads back far enough for the exact one).
    const exact = onAir !== seen[0]?.at || onAir === programStartMark(events);
    return {
      ...base,
      active: false,
      value: final,
      summary: exact ? `on air ${when} (${scheduled})` : final === 0 ? `on air by the scheduled start (${scheduled})` : `on air ${when} at the latest (${scheduled})`,
      details: { scheduledStart: scheduled, onAirAt: formatInstant(onAir), delayMs: final, exact },
    };
  }

  const ended = endedAt(seen, events);
  if (ended !== undefined && ended <= now) {
    return { ...base, active: false, value: null, summary: `broadcast ended without going on air (scheduled ${scheduled})`, details: { scheduledStart: scheduled, endedAt: formatInstant(ended) } };
  }

  const running = now - start;
  const details: Condition['details'] = { scheduledStart: scheduled, delayMs: running, graceMs };
  if (running < 0) return { ...base, active: false, value: running, summary: `scheduled to start in ${formatDuration(running)} (${scheduled})`, details };
  const active = running > graceMs;
  const summary = active
    ? `not on air ${formatDuration(running)} after the scheduled start (${scheduled})`
    : `not on air yet, ${formatDuration(running)} after the scheduled start (${scheduled}), within the ${formatDuration(graceMs)} grace`;
  return { ...base, active, value: running, summary, details };
};
