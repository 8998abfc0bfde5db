// What the timeline page says about each event, in words. Pure (no DOM): every function returns
// plain strings, which the page puts in with textContent; test/browser/timeline.test.ts checks
// them in Node as well as on the page.

import { formatClock, formatCount, formatDuration, formatLateness, safeHref } from './format.js';

/** Kind filters of the page, in button order. */
export const KINDS = Object.freeze(['all', 'alerts', 'marks', 'claims', 'state']);

/** The filter an event type falls under; types no filter names show under "all" only. */
export function kindOf(type) {
  if (typeof type !== 'string') return 'other';
  if (type.startsWith('alert-')) return 'alerts';
  if (type === 'mark') return 'marks';
  if (type === 'claim') return 'claims';
  if (type === 'state-change' || type === 'on-air' || type.startsWith('source-') || type.startsWith('silence-') || type === 'stream-restart') return 'state';
  return 'other';
}

const RULE_WORDS = {
  delay: 'delay',
  drop: 'listener drop',
  outage: 'outage',
  join_failures: 'join failures',
  stall: 'stream stall',
  silence: 'silence',
  capacity: 'capacity ceiling',
  claim_gap: 'claim gap',
};

/** `join_failures` → "join failures"; an unknown rule name is shown with its underscores as spaces. */
export function ruleWords(rule) {
  if (typeof rule !== 'string' || rule === '') return 'alert';
  return Object.hasOwn(RULE_WORDS, rule) ? RULE_WORDS[rule] : rule.replace(/_/g, ' ');
}

const MARK_WORDS = { 'program-start': 'Programme start', 'program-end': 'Programme end', note: 'Note', incident: 'Incident' };
const METRIC_WORDS = { listeners: 'listeners', views: 'views', capacity: 'capacity' };

/** Offset from the scheduled start: "T+43 min", "T−5 min", "T+0 s"; '' without a start. */
export function formatOffset(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  return `T${ms < 0 ? '−' : '+'}${formatDuration(Math.abs(ms))}`;
}

// One formatter for every row: building one per row (toLocaleDateString) costs more than the row.
const dayFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

/** The local day of an instant, as the row that starts each day says it: "Fri, 21 Nov 2025". */
export function formatDay(ms) {
  return dayFormat.format(ms);
}

/**
 * The span an entry opens, in words: "16:05:00–16:41:00, 36 min", or while it is still open
 * "since 16:05:00, 12 min so far" (the duration counted to `now`, not to when the page loaded).
 */
export function spanText(entry, now) {
  const at = Date.parse(entry.at);
  if (entry.ongoing) return `since ${formatClock(at)}, ${formatDuration(Math.max(0, now - at))} so far`;
  if (typeof entry.until === 'string') {
    const until = Date.parse(entry.until);
    return `${formatClock(at)}–${formatClock(until)}, ${formatDuration(until - at)}`;
  }
  return '';
}

const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const clockOf = (iso) => (typeof iso === 'string' && Number.isFinite(Date.parse(iso)) ? formatClock(Date.parse(iso)) : '');

/** A few data fields as "key: value · key: value", for types with no words of their own. */
function fields(data) {
  return Object.entries(data ?? {})
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    .slice(0, 6)
    .map(([k, v]) => `${k}: ${typeof v === 'number' ? formatCount(v) : str(v)}`)
    .join(' · ');
}

/**
 * An entry in words: `{ kind, tag, title, detail, link? }`. `title` says what happened ("join
 * failures firing", "Claim by @host: 60,000,000 listeners"), `detail` the rest (the alert's summary,
 * the mark's text, the quote). `link` is a claim's source URL, only when it is http(s).
 */
export function describe(entry) {
  const d = entry.data ?? {};
  const type = str(entry.type);
  const kind = kindOf(type);
  const out = { kind, tag: kind === 'other' ? 'event' : kind.replace(/s$/, ''), title: type, detail: '' };
  if (type === 'alert-pending' || type === 'alert-firing' || type === 'alert-resolved') {
    out.title = `${ruleWords(d.rule)} ${type.slice('alert-'.length)}`;
    out.detail = str(d.summary);
  } else if (type === 'mark') {
    out.title = Object.hasOwn(MARK_WORDS, d.kind) ? MARK_WORDS[d.kind] : `Mark: ${str(d.kind)}`;
    out.detail = str(d.text);
  } else if (type === 'claim') {
    const who = str(d.claimant) || 'someone';
    if (d.metric === 'state') out.title = `Claim by ${who}: it is ${str(d.stateValue)}`;
    else out.title = `Claim by ${who}: ${typeof d.value === 'number' ? formatCount(d.value) : str(d.value)} ${Object.hasOwn(METRIC_WORDS, d.metric) ? METRIC_WORDS[d.metric] : str(d.metric)}`;
    out.detail = d.quote ? `“${str(d.quote)}”` : '';
    const link = safeHref(d.sourceUrl);
    if (link) out.link = link;
  } else if (type === 'state-change') {
    out.title = `State ${str(d.from) || '?'} → ${str(d.to) || '?'}`;
  } else if (type === 'on-air') {
    out.title = 'On air';
    const scheduled = clockOf(d.scheduledStart);
    out.detail = [typeof d.delayMs === 'number' ? formatLateness(d.delayMs) : '', scheduled ? `scheduled ${scheduled}` : ''].filter(Boolean).join(' · ');
  } else if (type === 'source-schedule') {
    out.title = 'Platform schedule';
    out.detail = [d.start ? `starts ${clockOf(d.start)}` : '', d.end ? `ends ${clockOf(d.end)}` : ''].filter(Boolean).join(', ');
  } else if (type === 'source-started') {
    out.title = 'Platform reports the start';
    out.detail = d.at ? `started ${clockOf(d.at)}` : '';
  } else if (type === 'source-ended') {
    out.title = 'Platform reports the end';
    out.detail = d.at ? `ended ${clockOf(d.at)}` : '';
  } else if (type === 'silence-start') {
    out.title = 'Silence';
    out.detail = typeof d.levelDb === 'number' ? `level ${d.levelDb.toFixed(1)} dB` : '';
  } else if (type === 'silence-end') {
    out.title = 'Sound back';
    out.detail = typeof d.durationMs === 'number' ? `after ${formatDuration(d.durationMs)} of silence` : '';
  } else if (type === 'stream-restart') {
    out.title = 'Stream restarted';
    out.detail = fields(d);
  } else if (type === 'source-reconnect') {
    out.title = 'Source reconnected';
    out.detail = fields(d);
  } else {
    out.detail = fields(d);
  }
  return out;
}

/** The page's filters from its query string; anything unreadable falls back to "everything". */
export function parseFilters(search) {
  const q = new URLSearchParams(search ?? '');
  const kind = KINDS.includes(q.get('kind')) ? q.get('kind') : 'all';
  const instant = (v) => (v && Number.isFinite(Date.parse(v)) ? new Date(Date.parse(v)).toISOString() : undefined);
  return { kind, from: instant(q.get('from')), to: instant(q.get('to')) };
}

/** The query string for filters (defaults left out, so a plain link stays plain). */
export function filtersQuery(f) {
  const q = new URLSearchParams();
  if (f.kind && f.kind !== 'all') q.set('kind', f.kind);
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Epoch ms → the value a `<input type="datetime-local" step="1">` shows (local time). */
export function toLocalInput(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
