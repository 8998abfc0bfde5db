// Pure helpers of the overview page (unit-tested from test/http/overview-page.test.ts): no DOM here.
import { formatCount, formatDuration, formatPercent } from './format.js';

export const STATUSES = ['scheduled', 'delayed', 'on-air', 'degraded', 'off-air', 'ended'];

/** Status → CSS class; an unexpected value never reaches the class list raw. */
export function statusClass(status) {
  return STATUSES.includes(status) ? `st-${status}` : 'st-unknown';
}

/**
 * The badge text: the status word, and while delayed the delay, running on between updates
 * (`sinceMs` is how long ago the server computed `delayMs`): "delayed · 12 min 5 s". On air, the
 * word alone: how late it went on air is on the target page.
 */
export function statusText(status, sinceMs = 0) {
  const name = status?.status ?? 'unknown';
  if (name === 'delayed' && typeof status.delayMs === 'number') return `delayed · ${formatDuration(Math.max(0, status.delayMs + Math.max(0, sinceMs)))}`;
  return name;
}

/** Join success, e.g. { rate: "90 %", detail: "36 of 40 joins ok · last 5 min" }; without attempts, "—" and why. */
export function joinText(joins) {
  if (!joins || !joins.attempts) return { rate: '—', detail: `no join attempts · ${windowText(joins?.windowMs)}` };
  const ok = joins.attempts - joins.failed;
  const pct = 100 * (joins.successRate ?? ok / joins.attempts);
  // A failure never reads as "100 %": near the top, one decimal, rounded down.
  const rate = joins.failed > 0 && pct >= 99.5 ? `${Math.floor(pct * 10) / 10} %` : formatPercent(pct);
  return { rate, detail: `${formatCount(ok)} of ${formatCount(joins.attempts)} joins ok · ${windowText(joins.windowMs)}` };
}

function windowText(ms) {
  return typeof ms === 'number' ? `last ${formatDuration(ms)}` : '';
}

/** Join success below these shares is shown as a warning / an error. */
export function joinClass(joins) {
  if (!joins || !joins.attempts || joins.successRate === null) return '';
  if (joins.successRate < 0.5) return 'bad';
  if (joins.successRate < 0.9) return 'warn';
  return 'good';
}

/** The count was read from an older observation than the newest one (whose probe carried none). */
export function isLastKnown(listeners, lastAt) {
  return Boolean(listeners?.nowAt && lastAt && Date.parse(listeners.nowAt) < Date.parse(lastAt));
}

/** Chip text and class of one alert: firing ones plain, pending ones dimmed. */
export function alertChip(alert) {
  return { text: alert.rule.replace(/_/g, ' '), className: alert.state === 'firing' ? 'chip firing' : 'chip pending', title: `${alert.state}: ${alert.summary}` };
}
