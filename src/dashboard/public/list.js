import { api } from './api.js';
import { formatAge, formatClock, formatCount, formatInterval, isStale, stateClass } from './format.js';
import { failureText, lastKnownText, summarize } from './headline.js';

// Target names, ids and source fields are user input: every one goes in with textContent.

const REFRESH_MS = 5000;
const tbody = document.querySelector('#targets tbody');
const empty = document.getElementById('empty');
const status = document.getElementById('status');

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function appendNote(td, className, text) {
  if (!text) return;
  const note = document.createElement('div');
  note.className = className;
  note.textContent = text;
  td.append(note);
}

function renderRow(target, latest, now) {
  const row = document.createElement('tr');
  const href = `/targets/${encodeURIComponent(target.id)}`;
  row.addEventListener('click', (e) => {
    if (!e.target.closest('a')) location.href = href;
  });

  const name = row.insertCell();
  const link = document.createElement('a');
  link.href = href;
  link.className = 'name';
  link.textContent = target.name;
  const id = document.createElement('div');
  id.className = 'muted';
  id.textContent = target.id;
  name.append(link, id);

  cell(row, target.source?.kind ?? '—');
  cell(row, formatInterval(target.intervalMs));

  // `latest` undefined: this target's /latest failed; null-ish observation: nothing recorded yet.
  const s = summarize(latest);
  const listeners = cell(row, '', 'num');
  const count = document.createElement('div');
  count.className = s?.listenersAt === undefined ? 'big' : 'big old';
  count.textContent = formatCount(s?.listeners);
  listeners.append(count);
  appendNote(listeners, 'note', s ? lastKnownText(s.listenersAt, now) : '');

  const state = row.insertCell();
  const badge = document.createElement('span');
  badge.className = `badge ${s ? stateClass(s.state) : 'state-none'}`;
  badge.textContent = s ? s.state : 'no data';
  state.append(badge);
  // The failure line says why the badge is older than the newest probe; its age is beside the count.
  appendNote(state, 'failing-inline', failureText(s?.failure, now, { short: true }));

  const age = s ? now - s.at : undefined;
  cell(row, s ? formatAge(age) : latest === undefined ? 'unavailable' : 'never', isStale(age, target.intervalMs) ? 'stale' : 'muted');
  return row;
}

async function refresh() {
  try {
    const targets = await api.targets();
    // One failing target must not blank the list: its row shows "unavailable" instead.
    const latest = await Promise.all(targets.map((t) => api.latest(t.id).catch(() => undefined)));
    const now = Date.now();
    tbody.replaceChildren(...targets.map((t, i) => renderRow(t, latest[i], now)));
    empty.hidden = targets.length > 0;
    status.textContent = `updated ${formatClock(now)}`;
    status.classList.remove('error');
  } catch (err) {
    status.textContent = `cannot reach the API (${err.message}); retrying`;
    status.classList.add('error');
  }
}

async function loop() {
  await refresh();
  setTimeout(loop, REFRESH_MS);
}

loop();
