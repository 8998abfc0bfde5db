import type { JudgedClaim } from '../claims/ledger.js';
import { formatCodes, formatCount, formatShare } from '../detect/window.js';
import type { TargetEvent } from '../types.js';
import type { JoinEpisode } from './join-episodes.js';
import { spanText, utcClock } from './time-text.js';
import type { Moment, Report } from './types.js';

// The report's timeline of key moments: what a postmortem's timeline section lists, in time order,
// one sentence each. Built from the report's own figures, so the timeline and the tables never
// disagree. Pure.

/** "61.3 % of 1,234 attempts failed (http_5xx 700, timeout 52)". */
export function episodeText(e: JoinEpisode): string {
  const codes = formatCodes(e.codes, Infinity);
  return `${formatShare(e.failed / e.attempts)} of ${formatCount(e.attempts)} attempts failed${codes ? ` (${codes})` : ''}`;
}

/** What a claim asserted: "60,000,000 listeners", "capacity 5,000,000", "state ended". */
export function claimedText({ claim }: JudgedClaim): string {
  switch (claim.metric) {
    case 'listeners':
      return `${formatCount(claim.value ?? 0)} listeners`;
    case 'views':
      return `${formatCount(claim.value ?? 0)} views`;
    case 'capacity':
      return `capacity ${formatCount(claim.value ?? 0)}`;
    case 'state':
      return `state ${claim.stateValue ?? ''}`;
  }
}

/**
 * "10 min 10 s late", "20 s early", "on time" only within a second: exact to the second below an
 * hour (spanText), as the report page writes it (format.js formatLateness). A report is cited, and
 * whether 20 s counts as late is the reader's call (the status and the delay rule apply the grace).
 */
export function lateness(delayMs: number): string {
  if (Math.abs(delayMs) < 1000) return 'on time';
  return `${spanText(delayMs)} ${delayMs > 0 ? 'late' : 'early'}`;
}

export function moments(r: Report, eventsInRange: readonly TargetEvent[]): Moment[] {
  const from = r.range.from ?? -Infinity;
  const to = r.range.to;
  const inRange = (at: number | undefined): at is number => at !== undefined && at >= from && at <= to;
  const out: Moment[] = [];

  if (inRange(r.scheduledStart)) out.push({ at: r.scheduledStart, kind: 'scheduled', text: 'scheduled start' });
  if (inRange(r.liveAt)) out.push({ at: r.liveAt, kind: 'live', text: 'the source reported live' });
  if (inRange(r.onAirAt)) {
    const how = r.onAirBy === 'mark' ? "on air (an operator's program-start mark)" : 'on air: live and joinable';
    const late = r.delayMs === undefined ? '' : `, ${lateness(r.delayMs)}`;
    out.push({ at: r.onAirAt, kind: 'on-air', text: `${how}${late}` });
  }
  for (const e of r.joinFailures) {
    out.push({ at: e.from, kind: 'join-failures', text: `join failures until ${utcClock(e.to)}: ${episodeText(e)}` });
    // An episode running into the end of the range has not ended as far as the report knows.
    if (e.to < to) out.push({ at: e.to, kind: 'join-failures-end', text: `joins recovered after ${spanText(e.to - e.from)} of failures` });
  }
  for (const a of r.alerts) {
    if (inRange(a.firedAt)) out.push({ at: a.firedAt, kind: 'alert-fired', text: `alert ${a.rule} fired${a.summary ? `: ${a.summary}` : ''}` });
    if (inRange(a.resolvedAt)) out.push({ at: a.resolvedAt, kind: 'alert-resolved', text: `alert ${a.rule} resolved after ${spanText(a.resolvedAt - a.firedAt)}` });
  }
  if (inRange(r.listeners.peakAt)) out.push({ at: r.listeners.peakAt, kind: 'peak', text: `peak: ${formatCount(r.listeners.peak ?? 0)} listeners` });
  for (const c of r.claims) {
    out.push({ at: c.claim.at, kind: 'claim', text: `claim by ${c.claim.claimant}: ${claimedText(c)} (${c.verdict.label})` });
  }
  for (const e of eventsInRange) {
    if (e.type !== 'mark') continue;
    const text = typeof e.data?.text === 'string' ? `: ${e.data.text}` : '';
    out.push({ at: e.at, kind: 'mark', text: `operator mark ${String(e.data?.kind ?? 'note')}${text}` });
  }
  if (inRange(r.endedAt)) {
    const how = r.endedBy === 'mark' ? "ended (an operator's program-end mark)" : 'ended (the source reported the end)';
    out.push({ at: r.endedAt, kind: 'ended', text: r.durationMs === undefined ? how : `${how} after ${spanText(r.durationMs)} on air` });
  }
  // Stable: moments at one instant keep the order above (schedule, live, on air, …).
  return out.sort((a, b) => a.at - b.at);
}
