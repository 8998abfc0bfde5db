import { formatAge, formatClock, formatCount, isStale } from './format.js';
import { liveStream } from './live-stream.js';
import { alertChip, isLastKnown, joinClass, joinText, statusClass, statusText } from './overview-format.js';

// The overview: one row per target, fed by the /api/v1/live stream (an `overview` frame at connect and
// whenever something changed). A frame rebuilds only the rows whose target changed; between frames a
// 1 s tick rewrites only the time-dependent texts (running delay, ages) through references kept per
// row, so focus, hover and a text selection survive. Target names, ids, alert summaries and status
// reasons are data: every one goes in with textContent.

const TICK_MS = 1000;

const tbody = document.querySelector('#targets tbody');
const empty = document.getElementById('empty');
const conn = document.getElementById('conn');
const status = document.getElementById('status');

let overview;
/** Our clock minus the server's, from each frame's `at`: ages are computed on the server's clock. */
let skew = 0;
let received;
/** Target id → `{ key, row, tick(serverNow, sinceFrame) }`: the row built for that target as it was (`key`). */
let rows = new Map();

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function link(href, text, className) {
  const a = el('a', className, text);
  a.href = href;
  return a;
}

/** One target's row, and `tick` to bring its time-dependent texts up to date. */
function buildRow(t) {
  const row = document.createElement('tr');
  row.dataset.id = t.id;
  const base = `/targets/${encodeURIComponent(t.id)}`;
  row.addEventListener('click', (e) => {
    if (!e.target.closest('a')) location.href = base;
  });

  const name = row.insertCell();
  const links = el('div', 'row-links');
  links.append(link(base, 'Chart'), link(`${base}/timeline`, 'Timeline'), link(`${base}/report`, 'Report'));
  name.append(link(base, t.name, 'name'), el('div', 'muted', `${t.id} · ${t.kind}`), links);

  const st = row.insertCell();
  st.className = 'status-cell';
  const badge = el('span', `badge ${statusClass(t.status.status)}`);
  badge.title = t.status.reason;
  st.append(badge, el('div', 'reason', t.status.reason));

  const now = row.insertCell();
  now.className = 'num listeners';
  const lastKnown = isLastKnown(t.listeners, t.lastAt);
  now.append(el('div', lastKnown ? 'big old' : 'big', formatCount(t.listeners.now)));
  const note = lastKnown ? el('div', 'note') : null;
  if (note) now.append(note);

  const peak = row.insertCell();
  peak.className = 'num peak';
  peak.append(el('div', 'mid', formatCount(t.listeners.peak)));
  if (t.listeners.peakAt) peak.append(el('div', 'muted', `at ${formatClock(Date.parse(t.listeners.peakAt))}`));

  const joins = row.insertCell();
  joins.className = 'num joins';
  const jt = joinText(t.joins);
  joins.append(el('div', `mid ${joinClass(t.joins)}`, jt.rate), el('div', 'muted', jt.detail));

  const alerts = row.insertCell();
  alerts.className = 'alerts';
  const chips = el('div', 'chips');
  for (const a of t.alerts) {
    const chip = alertChip(a);
    const c = el('span', chip.className, chip.text);
    c.title = chip.title;
    chips.append(c);
  }
  alerts.append(t.alerts.length ? chips : el('span', 'muted', 'none'));

  const age = el('span', 'muted');
  row.insertCell().append(age);

  const tick = (serverNow, sinceFrame) => {
    badge.textContent = statusText(t.status, sinceFrame);
    if (note) note.textContent = `last known, ${formatAge(serverNow - Date.parse(t.listeners.nowAt))}`;
    const ageMs = t.lastAt ? serverNow - Date.parse(t.lastAt) : undefined;
    age.className = t.lastAt && isStale(ageMs, t.intervalMs) ? 'stale' : 'muted';
    age.textContent = t.lastAt ? formatAge(ageMs) : 'never';
  };
  return { row, tick };
}

/** Puts `wanted` in tbody in order, moving only rows that are out of place (a moved row loses focus). */
function placeRows(wanted) {
  wanted.forEach((row, i) => {
    const at = tbody.children[i];
    if (at !== row) tbody.insertBefore(row, at ?? null);
  });
  while (tbody.children.length > wanted.length) tbody.lastElementChild.remove();
}

/** A frame arrived: rows whose target is unchanged are kept as they are, the others rebuilt. */
function applyFrame() {
  // A link focused in a row that is rebuilt gets its focus back on the same link of the new row.
  const focused = tbody.contains(document.activeElement) ? document.activeElement : null;
  const next = new Map();
  for (const t of overview.targets) {
    const key = JSON.stringify(t);
    const old = rows.get(t.id);
    next.set(t.id, old && old.key === key ? old : { key, ...buildRow(t) });
  }
  rows = next;
  placeRows([...rows.values()].map((r) => r.row));
  if (focused && !focused.isConnected && focused.matches('a')) {
    const row = rows.get(focused.closest('tr')?.dataset.id)?.row;
    const same = [...(row?.querySelectorAll('a') ?? [])].find((a) => a.href === focused.href && a.textContent === focused.textContent);
    same?.focus();
  }
  empty.hidden = overview.targets.length > 0;
  tick();
}

function tick() {
  if (!overview) return;
  const serverNow = Date.now() - skew;
  const sinceFrame = serverNow - Date.parse(overview.at);
  for (const r of rows.values()) r.tick(serverNow, sinceFrame);
  status.textContent = received ? `updated ${formatClock(received)}` : '';
}

function setConn(state, text) {
  conn.className = `conn ${state}`;
  conn.textContent = text;
}

liveStream({
  url: () => '/api/v1/live',
  frames: {
    overview: (data) => {
      overview = data;
      received = Date.now();
      skew = received - Date.parse(overview.at);
      setConn('live', 'live');
      applyFrame();
    },
  },
  onOpen: () => setConn('live', 'live'),
  // The rows stay on screen, ageing, while the stream is reopened.
  onDown: () => setConn('reconnecting', 'reconnecting…'),
});
setInterval(tick, TICK_MS);
