import { claimsOf, type Claim } from '../claims/claim.js';
import { formatRatio, judgeClaim } from '../claims/verdict.js';
import type { Detector } from './types.js';
import { formatCount, formatInstant, round, upTo } from './window.js';

/**
 * claim_gap — the most recent `listeners` claim (by the instant it is about, up to now) is overstated
 * by at least `rules.claim_gap.ratio`: claimed ÷ measured, with the measurement the claims ledger
 * uses (the nearest count within the tolerance, src/claims/verdict.ts). A claim of an audience over
 * a measured empty room is a gap of any size.
 *
 * Only `listeners` claims: `views` are not comparable with concurrent listeners, and capacity and
 * state claims are not audience figures. The claim is judged against the observations the engine
 * passes; once its instant has left them, the verdict has no measurement and the condition clears
 * (the ledger at GET /claims keeps the verdict for good).
 *
 * value: the ratio (null when there is none to compare).
 */
export const claimGap: Detector = ({ target, observations, events, rules, now }) => {
  const threshold = rules.claim_gap.ratio;
  const base = { rule: 'claim_gap', threshold } as const;
  let latest: Claim | undefined;
  // Events are oldest first; `>=` lets the later-posted of two claims about one instant win.
  for (const c of claimsOf(events)) if (c.metric === 'listeners' && c.at <= now && (!latest || c.at >= latest.at)) latest = c;
  if (!latest) return { ...base, active: false, value: null, summary: 'no listener claims' };

  const verdict = judgeClaim(latest, { observations: upTo(observations, now), intervalMs: target.intervalMs, capacity: rules.capacity, now });
  const claimed = latest.value!;
  const said = `claimed ${formatCount(claimed)} listeners at ${clock(latest.at)}`;
  const details = { claimant: latest.claimant, claimAt: formatInstant(latest.at), claimed, label: verdict.label };
  if (verdict.measured === undefined) return { ...base, active: false, value: null, summary: `${said}: ${verdict.reason}`, details };

  const measured = { ...details, measured: verdict.measured, measuredAt: formatInstant(verdict.measuredAt!) };
  const vs = `${said} vs ${formatCount(verdict.measured)} measured`;
  if (verdict.ratio === undefined) {
    // Measured zero: no ratio, and any positive claim is a gap.
    const active = claimed > 0;
    return { ...base, active, value: null, summary: vs, details: measured };
  }
  return { ...base, active: verdict.ratio >= threshold, value: verdict.ratio, summary: `${vs} (${formatRatio(verdict.ratio)})`, details: { ...measured, ratio: round(verdict.ratio, 4) } };
};

/** "00:41 UTC": the instant as a notification reads it; the full instant is in details.claimAt. */
function clock(ms: number): string {
  const iso = new Date(ms).toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`} UTC`;
}
