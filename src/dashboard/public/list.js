import { api } from './api.js';
import { formatAge, formatCount, formatInterval, isStale, stateClass } from './format.js';

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

  const obs = latest?.observation ?? null;
  cell(row, formatCount(obs?.listeners), 'num big');
  const state = row.insertCell();
  const badge = document.createElement('span');
  badge.className = `badge ${obs ? stateClass(obs.state) : 'state-none'}`;
  badge.textContent = obs ? obs.state : 'no data';
  state.append(badge);

  const age = obs ? now - Date.parse(obs.at) : undefined;
  cell(row, obs ? formatAge(age) : latest === undefined ? 'unavailable' : 'never', isStale(age, target.intervalMs) ? 'stale' : 'muted');
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
    status.textContent = `updated ${new Date(now).toLocaleTimeString()}`;
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
