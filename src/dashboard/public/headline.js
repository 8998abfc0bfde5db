// What "now" means for a target, from GET /api/v1/targets/:id/latest. Pure (no DOM), shared by the
// list and the target page, and unit-tested from test/http/dashboard.test.ts.
//
// A failed probe records `state: unknown` and no count: the probe could not tell. Showing that as
// the broadcast's state would flip the badge to UNKNOWN on every blip, so the headline keeps the
// last known state and count, says how old they are, and reports the failure separately.

import { formatAge, formatClock, formatDuration } from './format.js';

/**
 * @param latest the /latest answer: `{ observation, lastOk?, failingSince? }`
 * @returns null before the first observation; otherwise
 *   `{ at, state, stateAt, listeners, listenersAt, failure }` where `stateAt`/`listenersAt` are set
 *   only when the value comes from an older observation than the newest, and `failure` is
 *   `{ code, at, since }` while probes fail.
 */
export function summarize(latest) {
  const obs = latest?.observation ?? null;
  if (!obs) return null;
  const lastOk = latest.lastOk ?? null;
  const at = Date.parse(obs.at);

  // A newest row that names a state (ended, offline, …) is the truth even if its join failed.
  const stateFrom = obs.state !== 'unknown' || !lastOk ? obs : lastOk;
  // The last count stands in only while the probe could not tell; a newest "ended" without a count
  // means there is no audience, not that the old one is still there.
  let listenersFrom = null;
  if (typeof obs.listeners === 'number') listenersFrom = obs;
  else if (obs.state === 'unknown' && typeof lastOk?.listeners === 'number') listenersFrom = lastOk;

  const failing = typeof latest.failingSince === 'string';
  // `ended` is a join failure by design (nobody can join), but the state badge already says it.
  const failure =
    failing && obs.join?.error !== 'ended' ? { code: obs.join?.error ?? 'no state', at, since: Date.parse(latest.failingSince) } : null;

  return {
    at,
    state: stateFrom.state,
    stateAt: stateFrom === obs ? undefined : Date.parse(stateFrom.at),
    listeners: listenersFrom?.listeners,
    listenersAt: listenersFrom && listenersFrom !== obs ? Date.parse(listenersFrom.at) : undefined,
    failure,
  };
}

/**
 * "last probe failed: http_5xx, 3 s ago", or for a run "probes failing since 01:02:03 (4 min 10 s) ·
 * last: http_5xx, 3 s ago". `short` (a table cell) drops the ages: "failing since 01:02:03 · http_5xx".
 */
export function failureText(failure, now, { short = false } = {}) {
  if (!failure) return '';
  const run = failure.since < failure.at;
  if (short) return run ? `failing since ${formatClock(failure.since)} · ${failure.code}` : `last probe failed: ${failure.code}`;
  const last = `${failure.code}, ${formatAge(now - failure.at)}`;
  if (!run) return `last probe failed: ${last}`;
  return `probes failing since ${formatClock(failure.since)} (${formatDuration(now - failure.since)}) · last: ${last}`;
}

/** "last known, 42 s ago" for a value read from an older observation than the newest; '' otherwise. */
export function lastKnownText(at, now) {
  return typeof at === 'number' ? `last known, ${formatAge(now - at)}` : '';
}
