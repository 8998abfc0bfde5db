// Pure helpers shared by the pages (and unit-tested from test/http/dashboard.test.ts): no DOM here.

/** Range presets of the target page, in ms. */
export const RANGES = Object.freeze({ '5m': 5 * 60_000, '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 });
export const DEFAULT_RANGE = '1h';

/** `#range=6h` → '6h'; anything else → the default, so a hand-edited URL never breaks the page. */
export function parseRange(hash) {
  const m = /(?:^#|&)range=([^&]+)/.exec(hash ?? '');
  return m && Object.hasOwn(RANGES, m[1]) ? m[1] : DEFAULT_RANGE;
}

const counts = new Intl.NumberFormat('en-US');

export function formatCount(n) {
  return typeof n === 'number' && Number.isFinite(n) ? counts.format(Math.round(n)) : '—';
}

export function formatInterval(ms) {
  if (typeof ms !== 'number') return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * A span for people, one wording on every page: "45 s", "1 min 12 s", "15 min", "1 h", "2 h 5 min",
 * "7 d 3 h". Seconds are kept under an hour (a delay of 10 min 10 s is cited as such), minutes under
 * a day.
 */
export function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const parts = (big, bigUnit, small, smallUnit) => (small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);
  if (s < 3600) return parts(Math.floor(s / 60), 'min', s % 60, 's');
  const m = Math.round(s / 60);
  if (m < 1440) return parts(Math.floor(m / 60), 'h', m % 60, 'min');
  const h = Math.round(m / 60);
  return parts(Math.floor(h / 24), 'd', h % 24, 'h');
}

/**
 * A delay against the schedule: "10 min 10 s late", "20 s early", and "on time" only within a
 * second (a report is cited: whether 20 s counts as late is the reader's call, not a grace here).
 */
export function formatLateness(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) < 1000) return 'on time';
  return `${formatDuration(Math.abs(ms))} ${ms > 0 ? 'late' : 'early'}`;
}

/** A link target only when it is http(s): a `javascript:` or `data:` URL from user input never becomes a link. */
export function safeHref(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : undefined;
}

/** Epoch ms of an ISO string (or of epoch ms); undefined for anything else, so a bad value draws nothing. */
export function instantMs(value) {
  const ms = typeof value === 'string' ? Date.parse(value) : value;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
}

// 24-hour clock: "01:02:03" cannot be misread as afternoon at 1 a.m.
const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** Local wall-clock time of an epoch ms, "HH:MM:SS". */
export function formatClock(ms) {
  return typeof ms === 'number' && Number.isFinite(ms) ? clock.format(ms) : '—';
}

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago". */
export function formatAge(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 2000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/** "2.5 %", "40 %", "0 %": one decimal only where it matters. */
export function formatPercent(pct) {
  if (typeof pct !== 'number' || !Number.isFinite(pct)) return '—';
  return `${pct > 0 && pct < 10 ? +pct.toFixed(1) : Math.round(pct)} %`;
}

/** Failed share of join attempts, e.g. "3 / 120 (2.5 %)"; "—" without attempts. */
export function formatFailureShare(failed, attempts) {
  if (!attempts) return '—';
  return `${formatCount(failed)} / ${formatCount(attempts)} (${formatPercent((100 * failed) / attempts)})`;
}

/** Observation state → CSS class; unexpected values fall back to "unknown" rather than reaching the class list raw. */
export function stateClass(state) {
  return ['live', 'scheduled', 'ended', 'offline', 'unknown'].includes(state) ? `state-${state}` : 'state-unknown';
}

/** A target is stale when nothing arrived for three intervals: the poller or the source is stuck. */
export function isStale(ageMs, intervalMs) {
  return typeof ageMs === 'number' && typeof intervalMs === 'number' && ageMs > 3 * intervalMs + 2000;
}

export function sum(values) {
  let s = 0;
  for (const v of values) if (typeof v === 'number') s += v;
  return s;
}
