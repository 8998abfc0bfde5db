// Pure helpers of the report page (no DOM): how its figures read. The report is cited in other
// time zones, so every time on the page is UTC, as in the Markdown and CSV exports.

import { formatCount, formatDuration, formatLateness } from './format.js';

/** "2025-11-21 20:43:05" from an ISO string or epoch ms; "—" for null. */
export function utc(value) {
  if (value === null || value === undefined) return '—';
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : '—';
}

/** "66.7 %" from a share 0–1. */
export function share(x) {
  return typeof x === 'number' && Number.isFinite(x) ? `${Math.round(x * 1000) / 10} %` : '—';
}

/** "http_5xx 30, timeout 10": most frequent first. */
export function codes(map) {
  return Object.entries(map ?? {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code} ${formatCount(n)}`)
    .join(', ');
}

/** What a claim asserted: "60,000,000 listeners", "capacity 5,000", "state ended". */
export function claimed(c) {
  if (c.metric === 'state') return `state ${c.stateValue ?? ''}`;
  if (c.metric === 'capacity') return `capacity ${formatCount(c.value)}`;
  return `${formatCount(c.value)} ${c.metric}`;
}

/** "3,158×", "1.05×". */
export function ratio(r) {
  if (typeof r !== 'number' || !Number.isFinite(r)) return '—';
  return r >= 1000 ? `${formatCount(r)}×` : `${Number(r.toPrecision(3))}×`;
}

/**
 * The headline figures, in reading order: `[key, label, value]`. The key goes into a data attribute
 * (tests and print styles find a figure by it).
 */
export function figures(r) {
  const l = r.listeners;
  return [
    ['scheduled', 'Scheduled start', utc(r.schedule.start)],
    ['live', 'Source reported live', utc(r.liveAt)],
    ['on-air', 'On air', r.onAirAt ? `${utc(r.onAirAt)}${r.onAirBy === 'mark' ? ' (mark)' : ''}` : r.onAirBeforeRange ? 'before the range (not recorded)' : 'never'],
    // "10 min 10 s late", "on time" only within a second, as the report's own text.
    ['delay', 'Delay', r.delayMs === null ? '—' : formatLateness(r.delayMs)],
    ['ended', 'Ended', r.endedAt ? `${utc(r.endedAt)}${r.endedBy === 'mark' ? ' (mark)' : ''}` : 'not ended'],
    ['duration', 'On air for', r.durationMs === null ? '—' : formatDuration(r.durationMs)],
    ['peak', 'Peak listeners', l.peak === null ? '—' : `${formatCount(l.peak)} at ${utc(l.peakAt).slice(11)}`],
    ['mean', 'Mean listeners (on air)', formatCount(l.mean)],
    ['listener-minutes', 'Listener-minutes', formatCount(l.listenerMinutes)],
    ['joins', 'Join attempts failed', r.joins.attempts ? `${formatCount(r.joins.failed)} of ${formatCount(r.joins.attempts)} (${share(r.joins.failed / r.joins.attempts)})` : '—'],
  ];
}

/** The report API path with the page's range, for the data and the download links. */
export function reportPath(id, format, from, to) {
  const q = new URLSearchParams();
  if (format) q.set('format', format);
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  const s = q.toString();
  return `/api/v1/targets/${encodeURIComponent(id)}/report${s ? `?${s}` : ''}`;
}
