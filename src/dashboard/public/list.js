import { formatAge, formatClock, formatCount, isStale } from './format.js';
import { alertChip, isLastKnown, joinClass, joinText, statusClass, statusText } from './overview-format.js';

// The overview: one row per target, fed by the /api/v1/live stream (an `overview` frame at connect and
// whenever something changed). Ages and running delays tick here between frames. Target names, ids,
// alert summaries and status reasons are data: every one goes in with textContent.

const TICK_MS = 1000;
// EventSource gives up for good on a non-200 answer (a 503 when the server is full): retry ourselves.
const REOPEN_MS = 5000;

const tbody = document.querySelector('#targets tbody');
const empty = document.getElementById('empty');
const conn = document.getElementById('conn');
const status = document.getElementById('status');

let overview;
/** Our clock minus the server's, from each frame's `at`: ages are computed on the server's clock. */
let skew = 0;
let received;

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

function renderRow(t, serverNow, sinceFrame) {
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
  const badge = el('span', `badge ${statusClass(t.status.status)}`, statusText(t.status, sinceFrame));
  badge.title = t.status.reason;
  st.append(badge, el('div', 'reason', t.status.reason));

  const now = row.insertCell();
  now.className = 'num listeners';
  const lastKnown = isLastKnown(t.listeners, t.lastAt);
  now.append(el('div', lastKnown ? 'big old' : 'big', formatCount(t.listeners.now)));
  if (lastKnown) now.append(el('div', 'note', `last known, ${formatAge(serverNow - Date.parse(t.listeners.nowAt))}`));

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

  const age = t.lastAt ? serverNow - Date.parse(t.lastAt) : undefined;
  row.insertCell().append(el('span', t.lastAt ? (isStale(age, t.intervalMs) ? 'stale' : 'muted') : 'muted', t.lastAt ? formatAge(age) : 'never'));
  return row;
}

function render() {
  if (!overview) return;
  const serverNow = Date.now() - skew;
  const sinceFrame = serverNow - Date.parse(overview.at);
  tbody.replaceChildren(...overview.targets.map((t) => renderRow(t, serverNow, sinceFrame)));
  empty.hidden = overview.targets.length > 0;
  status.textContent = received ? `updated ${formatClock(received)}` : '';
}

function setConn(state, text) {
  conn.className = `conn ${state}`;
  conn.textContent = text;
}

function open() {
  const source = new EventSource('/api/v1/live');
  source.addEventListener('open', () => setConn('live', 'live'));
  source.addEventListener('overview', (e) => {
    overview = JSON.parse(e.data);
    received = Date.now();
    skew = received - Date.parse(overview.at);
    setConn('live', 'live');
    render();
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      setConn('down', 'disconnected · retrying');
      setTimeout(open, REOPEN_MS);
    } else {
      // CONNECTING: the browser reconnects by itself after the server's `retry:`; the rows stay, ageing.
      setConn('reconnecting', 'reconnecting…');
    }
  });
}

open();
setInterval(render, TICK_MS);
