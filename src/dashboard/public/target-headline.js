// The headline stats of the target page: "now" from /latest (headline.js decides what "now" means
// while probes fail), the age of the newest observation, and when the broadcast went on air.

import { formatAge, formatClock, formatCount, formatDuration, formatLateness, isStale, stateClass } from './format.js';
import { failureText, lastKnownText, summarize } from './headline.js';

const $ = (id) => document.getElementById(id);

function setNote(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

/** Renders /latest; returns the newest observation's instant (epoch ms), for the age ticking on. */
export function renderHeadline(latest, intervalMs) {
  const s = summarize(latest);
  const now = Date.now();
  $('listeners').textContent = formatCount(s?.listeners);
  $('listeners').classList.toggle('old', s?.listenersAt !== undefined);
  setNote($('listeners-note'), s ? lastKnownText(s.listenersAt, now) : '');

  const state = $('state');
  state.className = `badge ${s ? stateClass(s.state) : 'state-none'}`;
  state.textContent = s ? s.state : 'no data';
  setNote($('state-note'), s ? lastKnownText(s.stateAt, now) : '');

  const failing = $('failing');
  failing.textContent = failureText(s?.failure, now);
  failing.hidden = !s?.failure;

  renderAge(s?.at, intervalMs);
  return s?.at;
}

/** "Last observation: 3 s ago", re-rendered every second between updates. */
export function renderAge(at, intervalMs) {
  const el = $('age');
  const age = typeof at === 'number' ? Date.now() - at : undefined;
  el.textContent = age === undefined ? 'never' : formatAge(age);
  el.classList.toggle('stale', isStale(age, intervalMs));
}

/** On air at …, and how late against the schedule (StatusView of GET /status). */
export function renderOnAir(status) {
  const onAir = status?.onAirAt ? Date.parse(status.onAirAt) : undefined;
  $('onair').textContent = onAir === undefined ? (status?.status ?? '—') : formatClock(onAir);
  let note = '';
  if (typeof status?.delayMs === 'number') {
    // Not on air yet: the delay is still running, counted from the scheduled start.
    note = onAir === undefined ? `${formatDuration(Math.max(0, status.delayMs))} late so far` : formatLateness(status.delayMs);
  } else if (status?.scheduledStart) note = `scheduled ${formatClock(Date.parse(status.scheduledStart))}`;
  $('onair-note').textContent = note;
}
