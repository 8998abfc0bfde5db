import { ON_AIR_WINDOW_MS, onAirAt, scheduledStart } from '../detect/on-air.js';
import { noDataThresholdMs } from '../detect/rules.js';
import type { RuleSettings } from '../detect/types.js';
import { attemptWindowMs, between, endedAt, formatCodes, formatDuration, formatInstant, formatShare, joinStats, upTo } from '../detect/window.js';
import type { Observation, Target, TargetEvent } from '../types.js';
import { programEndMark } from './marks.js';

// A target's status in one word, with the times behind it (issue 4, "Schedule and status"). Pure:
// the same observations, events and clock always give the same answer. It describes the present and
// does not alert: it reads the rules' thresholds (so "degraded" means what the alerts mean) but not
// their `enabled` switches or `for` durations.

export const TARGET_STATUSES = ['scheduled', 'delayed', 'on-air', 'degraded', 'off-air', 'ended'] as const;
export type TargetStatusName = (typeof TARGET_STATUSES)[number];

export interface TargetStatus {
  status: TargetStatusName;
  /** The platform's latest reported schedule, else the target's own; epoch ms. */
  scheduledStart?: number;
  /** The first on-air moment (DESIGN.md "Detection": live and joinable, or a program-start mark). */
  onAirAt?: number;
  /** Running (now − scheduled start) while delayed; final (on air − scheduled start, negative if early) once on air. */
  delayMs?: number;
  endedAt?: number;
  /** One line an operator reads: why this status. */
  reason: string;
}

export interface StatusInput {
  target: Target;
  /**
   * Observations oldest first: the recent window (for health) and, when the on-air moment is older,
   * the stretch where it happened (see src/status/load.ts).
   */
  observations: readonly Observation[];
  /** The target's events, oldest first: schedules, marks, silence, end signals. */
  events: readonly TargetEvent[];
  now: number;
  rules: RuleSettings;
}

/**
 * Decided in this order:
 * 1. ended — an operator's program-end mark (not followed by a program-start mark), or the source's
 *    end signal after its last live report (observation or join error `ended`, `source-ended`,
 *    `state-change` to ended).
 * 2. never on air — `scheduled` before scheduled start + delay grace, `delayed` after it (running
 *    delay). Without a schedule: `scheduled` if the platform says so, else `off-air`.
 * 3. on air at some point — `off-air` when there is no data (no observation for the outage rule's
 *    no-data time) or the newest `outage.consecutiveFailures` observations all report a state other
 *    than live; `degraded` when the failed share of joins over the join-failure window reaches the
 *    rule's rate (with its minimum attempts), the newest probe reports `stalled`, or dead air is open
 *    (a silence-start without its silence-end); else `on-air`.
 */
export function targetStatus({ target, observations, events: allEvents, now, rules }: StatusInput): TargetStatus {
  const obs = upTo(observations, now);
  const events = allEvents.filter((e) => e.at <= now);
  const start = scheduledStart(target, events);
  const onAir = onAirAt(obs, events);
  const delayMs = onAir !== undefined && start !== undefined ? onAir - start : undefined;
  const times = { ...(start === undefined ? {} : { scheduledStart: start }), ...(onAir === undefined ? {} : { onAirAt: onAir }), ...(delayMs === undefined ? {} : { delayMs }) };

  const ended = endOf(obs, events);
  if (ended) {
    const reason = ended.by === 'mark' ? `an operator marked program-end at ${formatInstant(ended.at)}` : `the source reported the broadcast ended at ${formatInstant(ended.at)}`;
    return { status: 'ended', ...times, endedAt: ended.at, reason };
  }

  if (onAir === undefined) return notYetOnAir(obs, start, now, rules);

  const newest = obs[obs.length - 1];
  const noData = noDataThresholdMs(rules.outage.noDataMs, target.intervalMs);
  if (!newest || now - newest.at > noData) {
    const since = newest ? `since ${formatInstant(newest.at)} (${formatDuration(now - newest.at)})` : 'recorded';
    return { status: 'off-air', ...times, reason: `no data: no observation ${since}` };
  }
  const k = Math.max(1, rules.outage.consecutiveFailures);
  const tail = obs.slice(-k);
  if (tail.length === k && tail.every((o) => o.state !== 'live')) {
    const states = [...new Set(tail.map((o) => o.state))].join('/');
    return { status: 'off-air', ...times, reason: `the source has not reported live in the last ${k} observations (${states} since ${formatInstant(tail[0]!.at)})` };
  }

  const problems = degradation(target, obs, events, now, rules);
  if (problems.length) return { status: 'degraded', ...times, reason: problems.join('; ') };
  return { status: 'on-air', ...times, reason: `on air since ${formatInstant(onAir)}${lateness(delayMs)}` };
}

/** When and by what a broadcast ended: `mark` for an operator's program-end mark, `source` for the source's own end signal. */
export interface EndOf {
  at: number;
  by: 'mark' | 'source';
}

/**
 * Step 1 of the status (above), and the report's `endedAt`/`endedBy`: an operator's program-end mark
 * (not followed by a program-start mark), or the source's end signal after its last live report;
 * the mark wins when it came first. Undefined while not ended.
 */
export function endOf(obs: readonly Observation[], events: readonly TargetEvent[]): EndOf | undefined {
  const mark = programEndMark(events);
  // A stream that went live again after an earlier end (a radio source reconnecting) is not ended by
  // it: only end signals after the newest live report count. The window's observations may not reach
  // back to it, so the poller's state-change events say when the source last came back.
  let resumed = -Infinity;
  for (const e of events) if (e.type === 'state-change' && e.data?.to === 'live' && e.at > resumed) resumed = e.at;
  const source = endedAt(obs, events.filter((e) => e.at > resumed));
  const sourceEnd = source !== undefined && source > resumed ? source : undefined;
  if (mark !== undefined && (sourceEnd === undefined || mark <= sourceEnd)) return { at: mark, by: 'mark' };
  if (sourceEnd !== undefined) return { at: sourceEnd, by: 'source' };
  return undefined;
}

function notYetOnAir(obs: readonly Observation[], start: number | undefined, now: number, rules: RuleSettings): TargetStatus {
  const newest = obs[obs.length - 1];
  const why = newest ? whyNotOnAir(obs, newest) : 'no observation yet';
  if (start === undefined) {
    if (newest?.state === 'scheduled') return { status: 'scheduled', reason: 'the source reports the broadcast as scheduled; no start time known' };
    return { status: 'off-air', reason: `not on air (no schedule): ${why}` };
  }
  const times = { scheduledStart: start };
  const grace = rules.delay.graceMs;
  if (now < start) return { status: 'scheduled', ...times, reason: `scheduled to start at ${formatInstant(start)}, in ${formatDuration(start - now)}` };
  const running = now - start;
  if (running <= grace) {
    return { status: 'scheduled', ...times, reason: `${formatDuration(running)} past the scheduled start ${formatInstant(start)}, within the ${formatDuration(grace)} grace: ${why}` };
  }
  return { status: 'delayed', ...times, delayMs: running, reason: `not on air ${formatDuration(running)} after the scheduled start ${formatInstant(start)}: ${why}` };
}

/** Why the on-air test fails at the newest observation. */
function whyNotOnAir(obs: readonly Observation[], newest: Observation): string {
  if (newest.state !== 'live') return `the source reports ${newest.state}`;
  const stats = joinStats(between(obs, newest.at - ON_AIR_WINDOW_MS, newest.at));
  return `the source reports live but ${formatShare(stats.share)} of joins in the last minute failed (${stats.failed}/${stats.attempts})`;
}

function degradation(target: Target, obs: readonly Observation[], events: readonly TargetEvent[], now: number, rules: RuleSettings): string[] {
  const out: string[] = [];
  const jf = rules.join_failures;
  const windowMs = attemptWindowMs(jf.windowMs, jf.minAttempts, target.intervalMs);
  const stats = joinStats(between(obs, now - windowMs, now));
  if (stats.attempts >= jf.minAttempts && stats.share >= jf.rate) {
    out.push(`join failures ${formatShare(stats.share)} over ${formatDuration(windowMs)} (${stats.failed}/${stats.attempts}: ${formatCodes(stats.codes)})`);
  }
  let lastJoin: Observation | undefined;
  for (let i = obs.length - 1; i >= 0 && !lastJoin; i--) if (obs[i]!.join) lastJoin = obs[i];
  if (lastJoin?.join?.error === 'stalled') out.push(`stalled: the newest probe (${formatInstant(lastJoin.at)}) found the stream not advancing`);
  const silence = openSilence(obs, events);
  if (silence !== undefined) out.push(`dead air since ${formatInstant(silence)} (${formatDuration(now - silence)})`);
  return out;
}

/**
 * When the current dead air began: an unclosed silence-start event, or else (rows imported without
 * events) the start of the newest run of level measurements that say silent.
 */
function openSilence(obs: readonly Observation[], events: readonly TargetEvent[]): number | undefined {
  let open: number | undefined;
  for (const e of events) {
    if (e.type === 'silence-start') open = e.at;
    else if (e.type === 'silence-end') open = undefined;
  }
  if (open !== undefined) return open;
  let since: number | undefined;
  for (let i = obs.length - 1; i >= 0; i--) {
    const silent = obs[i]!.extra?.silent;
    if (silent === undefined) continue;
    if (silent !== true) break;
    since = obs[i]!.at;
  }
  return since;
}

function lateness(delayMs: number | undefined): string {
  if (delayMs === undefined || delayMs === 0) return '';
  return delayMs > 0 ? `, ${formatDuration(delayMs)} after the scheduled start` : `, ${formatDuration(delayMs)} before the scheduled start`;
}
