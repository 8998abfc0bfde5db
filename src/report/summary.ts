import { VERDICT_LABELS } from '../claims/verdict.js';
import { formatCount, formatShare } from '../detect/window.js';
import { episodeText, lateness } from './moments.js';
import { spanText, utcClock, utcClockOn, utcDate } from './time-text.js';
import type { Report } from './types.js';

// The report's headline paragraph: what a reviewer pastes at the top of a postmortem. Every figure
// in it is one of the report's fields, in the order a reader asks: on time? how big? could people
// get in? when did it end? what paged? were the claims true? Pure; plain text (markdown.ts escapes
// it, the page sets it as textContent).

/** At most this many join-failure episodes are spelled out; the table has them all. */
const EPISODES_IN_HEADLINE = 3;

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

export function headline(r: Report): string {
  const anchor = r.scheduledStart ?? r.onAirAt ?? r.methodology.firstAt ?? r.range.to;
  const at = (ms: number) => utcClockOn(ms, anchor);
  const stamp = (ms: number) => `${utcDate(ms)} ${utcClock(ms)} UTC`;
  const out: string[] = [];
  // Said when the on-air moment lies before the range and no event recorded it: the report reads
  // only a minute before `from`.
  const began = r.range.from === undefined ? '' : ` at ${at(r.range.from)}`;
  const unknown = 'the moment it went on air is not recorded';

  if (r.scheduledStart !== undefined) {
    const start = `Scheduled ${stamp(r.scheduledStart)}`;
    if (r.onAirAt !== undefined && r.delayMs !== undefined) out.push(`${start}; on air ${at(r.onAirAt)} (${lateness(r.delayMs)}).`);
    else if (r.onAirBeforeRange) out.push(`${start}; already on air when the range began${began} (${unknown}).`);
    else if (r.delayMs !== undefined) out.push(`${start}; not on air by ${at(r.range.to)} (${spanText(r.delayMs)} after the scheduled start).`);
    else out.push(`${start}; not on air in this range.`);
  } else if (r.onAirAt !== undefined) {
    out.push(`On air ${stamp(r.onAirAt)} (no schedule known).`);
  } else if (r.onAirBeforeRange) {
    out.push(`Already on air when the range began${began} (${unknown}; no schedule known).`);
  } else {
    out.push('Not on air in this range (no schedule known).');
  }
  if (r.liveAt !== undefined && r.onAirAt !== undefined && r.onAirAt - r.liveAt >= 60_000) {
    out.push(`The source reported live at ${at(r.liveAt)}, ${spanText(r.onAirAt - r.liveAt)} before it was on air.`);
  }

  const l = r.listeners;
  out.push(l.peak !== undefined && l.peakAt !== undefined ? `Peak ${formatCount(l.peak)} listeners at ${at(l.peakAt)}.` : 'No listener counts recorded.');

  for (const e of r.joinFailures.slice(0, EPISODES_IN_HEADLINE)) {
    out.push(`Join failures ${at(e.from)}–${at(e.to)} (${spanText(e.to - e.from)}): ${episodeText(e)}.`);
  }
  const more = r.joinFailures.length - EPISODES_IN_HEADLINE;
  if (more > 0) out.push(`${plural(more, 'more join-failure episode')}.`);
  if (r.joinFailures.length === 0 && r.joins.attempts > 0 && r.joins.failed === 0) {
    out.push(`No join attempt failed (${plural(r.joins.attempts, 'attempt')}).`);
  } else if (r.joinFailures.length === 0 && r.joins.attempts > 0) {
    const { rate } = r.methodology.joinFailures;
    out.push(`${formatShare(r.joins.failed / r.joins.attempts)} of ${plural(r.joins.attempts, 'join attempt')} failed; no stretch reached the join_failures rule's ${formatShare(rate)}.`);
  }

  if (r.endedAt !== undefined) {
    out.push(r.durationMs === undefined ? `Ended ${at(r.endedAt)}.` : `Ended ${at(r.endedAt)} after ${spanText(r.durationMs)} on air.`);
  } else if (r.onAirAt !== undefined && r.methodology.lastAt !== undefined && r.durationMs !== undefined) {
    out.push(`Not ended by the last observation, ${at(r.methodology.lastAt)} (${spanText(r.durationMs)} on air).`);
  }

  if (r.alerts.length) {
    const rules = [...new Set(r.alerts.map((a) => a.rule))].join(', ');
    const open = r.alerts.filter((a) => a.resolvedAt === undefined).length;
    out.push(`${plural(r.alerts.length, 'alert')} fired (${rules})${open ? `; ${formatCount(open)} still firing` : ''}.`);
  }
  if (r.claims.length) {
    const byLabel = VERDICT_LABELS.map((label) => [label, r.claims.filter((c) => c.verdict.label === label).length] as const).filter(([, n]) => n > 0);
    out.push(`${plural(r.claims.length, 'claim')}: ${byLabel.map(([label, n]) => `${formatCount(n)} ${label}`).join(', ')}.`);
  }
  return out.join(' ');
}
