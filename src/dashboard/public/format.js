// Pure helpers shared by the pages (and unit-tested from test/http/dashboard.test.ts): no DOM here.

/** Range presets of the target page, in ms. */
export const RANGES = Object.freeze({ '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 });
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

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago". */
export function formatAge(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 2000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/** Failed share of join attempts, e.g. "3 / 120 (2.5 %)"; "—" without attempts. */
export function formatFailureShare(failed, attempts) {
  if (!attempts) return '—';
  const pct = (100 * failed) / attempts;
  return `${formatCount(failed)} / ${formatCount(attempts)} (${pct < 10 ? pct.toFixed(1) : Math.round(pct)} %)`;
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
