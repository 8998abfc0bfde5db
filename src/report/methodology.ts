import { CONSISTENT_HIGH, CONSISTENT_LOW } from '../claims/verdict.js';
import { formatCount, formatShare } from '../detect/window.js';
import { spanText, utcSeconds } from './time-text.js';
import type { Report } from './types.js';

// How every figure of the report was obtained, in sentences a reporter can cite. The same lines go
// into the JSON (`methodology.notes`) and the Markdown; docs/report.md explains them at length.

export function methodologyNotes(r: Report): string[] {
  const m = r.methodology;
  const jf = m.joinFailures;
  const sources = m.sources.map((s) => `${s.source} ${formatCount(s.observations)}`).join(', ') || 'none';
  const span = m.firstAt === undefined || m.lastAt === undefined ? '' : ` from ${utcSeconds(m.firstAt)} to ${utcSeconds(m.lastAt)} UTC`;
  return [
    `${formatCount(m.observations)} ${m.observations === 1 ? 'observation' : 'observations'}${span} (by source: ${sources}); the target is probed every ${spanText(m.intervalMs)}.`,
    "On air: the first observation reporting live while at least half the join attempts of the minute up to it succeeded, an operator's program-start mark, or a recorded on-air moment, whichever is first. Live: the first observation reporting live, a state change to live, or the platform's reported start time.",
    'A range starting mid-broadcast: the minute before it is read for these two tests only (not counted, not in the CSV); when that minute was already live or on air, the moment comes from recorded events or is left unknown, never taken to be the range\'s first observation.',
    "Delay: on air minus the scheduled start. Ended: an operator's program-end mark, or the source's end signal after its last live report. Duration: on air to ended, or to the last observation while not ended.",
    'Peak: the highest count observed in the range (the first instant it was reached).',
    `Listener-minutes: the area under the listener counts over the range (trapezoids between consecutive counts); counts more than ${spanText(m.maxGapMs)} apart are not joined, so unmeasured stretches add nothing. Mean: the same area over the on-air period within the range divided by the time the counts cover in it (time-weighted, not per observation).`,
    `Join failures: ${spanText(jf.bucketMs)} buckets holding at least ${formatCount(jf.minAttempts)} join attempts of which at least ${formatShare(jf.rate)} failed (the target's join_failures rule); adjacent buckets merge into one episode. Rows without a join attempt, answers saying the broadcast ended, and probes before the scheduled start while the platform said scheduled are not attempts.`,
    'Alerts: alert-firing events paired with the next alert-resolved of the same rule; one still firing has no resolution time.',
    `Claims: judged when the report is made. A listener claim is set against the count nearest its instant within ${spanText(m.claimToleranceMs)}; claimed ÷ measured from ${CONSISTENT_LOW} to ${CONSISTENT_HIGH} is consistent, above overstated, below understated.`,
    'A failed probe carries no listener count: it is a gap, not zero listeners.',
    'SHA-256: of the CSV export\'s data lines (header and rows, each ending in a newline; comment lines excluded).',
  ];
}
