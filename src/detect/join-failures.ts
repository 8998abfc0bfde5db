import { scheduledStart } from './on-air.js';
import type { Condition, Detector } from './types.js';
import { attemptWindowMs, between, endedAt, formatCodes, formatDuration, formatShare, joinStats, round, upTo } from './window.js';

/**
 * join_failures — the failed share of join attempts over the window is ≥ `rate`, judged only with at
 * least `minAttempts` attempts (1 failure of 2 is not a 50 % failure rate). The window stretches to
 * hold `minAttempts` probes on a slowly polled target. Attempts are what `isAttempt` says: imported
 * rows without a join, `ended` answers and joins before anything is expected on air do not count.
 *
 * value: the failed share, 0–1.
 */
export const joinFailures: Detector = ({ target, observations, events, rules, now }): Condition => {
  const { rate, minAttempts } = rules.join_failures;
  const windowMs = attemptWindowMs(rules.join_failures.windowMs, minAttempts, target.intervalMs);
  const base = { rule: 'join_failures', threshold: rate } as const;
  const window = formatDuration(windowMs);
  const ended = endedAt(upTo(observations, now), events);
  if (ended !== undefined && ended <= now) return { ...base, active: false, value: null, summary: 'broadcast ended: join failures are not judged' };

  const stats = joinStats(between(observations, now - windowMs, now), scheduledStart(target, events));
  const details = { attempts: stats.attempts, failed: stats.failed, windowMs, minAttempts, codes: formatCodes(stats.codes) || null };
  const counts = `${stats.failed}/${stats.attempts} attempts`;
  if (stats.attempts < minAttempts) {
    return {
      ...base,
      active: false,
      value: stats.attempts === 0 ? null : round(stats.share, 4),
      summary: `join failures ${counts} over ${window}: too few to judge (${minAttempts} needed)`,
      details,
    };
  }
  const active = stats.share >= rate;
  const why = stats.failed > 0 ? `; ${details.codes}` : '';
  return { ...base, active, value: round(stats.share, 4), summary: `join failures ${formatShare(stats.share)} over ${window} (${counts}${why})`, details };
};
