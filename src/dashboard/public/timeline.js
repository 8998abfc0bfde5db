import { api, ApiError } from './api.js';
import { formatClock, formatCount, formatInterval } from './format.js';
import { liveStream } from './live-stream.js';
import { describe, filtersQuery, formatDay, formatOffset, KINDS, kindOf, parseFilters, spanText, toLocalInput } from './timeline-format.js';

// Every event of one target in time order (GET /api/v1/targets/:id/timeline), with the spans the
// API closes (alert firing → resolved, silence, programme) written out. Mark texts, claimants and
// quotes are user input: all of it goes in with textContent.
//
// Following new events: the target's SSE stream (GET …/live, contracts.md §1) says when something
// was written, and the page reloads the timeline then (a new event can close an older entry's span,
// so the whole range is read again, not only the new frame). Without the stream (an older server, a
// proxy that buffers), the page polls.

const POLL_MS = 5000;
// With the stream open, a slow reload still catches what a dropped frame missed.
const SAFETY_RELOAD_MS = 60_000;
// Several events written at once (an alert and its state change) make one reload, not several.
const DEBOUNCE_MS = 300;
// "12 min 5 s so far" keeps counting between reloads: only those cells are updated.
const TICK_MS = 1000;

const id = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').slice(-2)[0] ?? '');
const $ = (sel) => document.getElementById(sel);
const base = `/api/v1/targets/${encodeURIComponent(id)}`;

let filters = parseFilters(location.search);
let scheduledStart;
let entries = [];
let truncated = false;
// The answer last rendered: an unchanged reload (the poll, the safety reload) leaves the rows alone.
let rendered = '';
let loadedAt = 0;
let seen = new Set();
let generation = 0;
let live;
let pollTimer;
let debounceTimer;
/** The span cells of open entries, with their entry: the tick rewrites these, nothing else. */
let ongoing = [];

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function row(entry, now, isNew) {
  const at = Date.parse(entry.at);
  const d = describe(entry);
  const tr = el('tr', `tl-row tl-kind-${d.kind} tl-type-${entry.type.replace(/[^a-z0-9-]/gi, '_')}${entry.ongoing ? ' tl-ongoing' : ''}${isNew ? ' tl-new' : ''}`);
  tr.dataset.type = entry.type;
  tr.dataset.at = entry.at;
  const when = el('td', 'tl-when');
  const time = el('time', '', formatClock(at));
  time.dateTime = entry.at;
  time.title = new Date(at).toString();
  when.append(time);
  const offset = el('td', 'tl-offset', scheduledStart === undefined ? '' : formatOffset(at - scheduledStart));
  const what = el('td', 'tl-what');
  what.append(el('span', 'tl-tag', d.tag), el('span', 'tl-title', d.title));
  const span = spanText(entry, now);
  if (span) {
    const cell = el('span', 'tl-span', span);
    what.append(cell);
    if (entry.ongoing) ongoing.push({ entry, cell });
  }
  if (d.link) {
    const a = el('a', 'tl-link', 'source');
    a.href = d.link;
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    what.append(a);
  }
  if (d.detail) what.append(el('div', 'tl-detail', d.detail));
  tr.append(when, offset, what);
  return tr;
}

function render() {
  const now = Date.now();
  const shown = filters.kind === 'all' ? entries : entries.filter((e) => kindOf(e.type) === filters.kind);
  const body = $('rows');
  const rows = [];
  ongoing = [];
  let day;
  for (const e of shown) {
    const at = Date.parse(e.at);
    const d = formatDay(at);
    if (d !== day) {
      day = d;
      const tr = el('tr', 'tl-day');
      const td = el('td', '', d);
      td.colSpan = 3;
      tr.append(td);
      rows.push(tr);
    }
    rows.push(row(e, now, seen.size > 0 && !seen.has(e.id)));
  }
  body.replaceChildren(...rows);
  seen = new Set(entries.map((e) => e.id));

  const what = filters.kind === 'all' ? 'events' : `${filters.kind} (of ${formatCount(entries.length)} events)`;
  $('shown').textContent = `${formatCount(shown.length)} ${what}${filters.from || filters.to ? ' in the range' : ''}`;
  $('rows').dataset.count = String(shown.length);
  const t = $('truncated');
  t.hidden = !truncated;
  t.textContent = truncated ? `Only the first ${formatCount(entries.length)} events of this range are shown: narrow it with From / To to see later ones.` : '';
  const empty = shown.length === 0;
  showMessage(empty ? (entries.length ? `No ${filters.kind} events in this range.` : 'No events yet.') : '');
}

function showMessage(text, isError = false) {
  const m = $('message');
  m.textContent = text;
  m.hidden = !text;
  m.classList.toggle('error', isError);
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

/** Open spans count on between reloads; the rest of the table is left alone (selection, focus). */
function tickOngoing() {
  const now = Date.now();
  for (const { entry, cell } of ongoing) cell.textContent = spanText(entry, now);
}

function liveText() {
  return live?.isOpen() ? 'live · follows new events' : `live · checked every ${formatInterval(POLL_MS)}`;
}

async function load() {
  const mine = ++generation;
  try {
    const r = await api.timeline(id, { from: filters.from, to: filters.to });
    if (mine !== generation) return; // the filters changed while this loaded
    loadedAt = Date.now();
    // Only what spans and flags say: `durationMs` of an open entry grows on every read.
    const answer = JSON.stringify(r, (k, v) => (k === 'durationMs' ? undefined : v));
    if (answer !== rendered) {
      rendered = answer;
      entries = r.events;
      truncated = r.truncated;
      render();
    }
    setStatus(`${liveText()} · updated ${formatClock(loadedAt)}`);
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ApiError && err.status === 400) {
      showMessage(err.message, true);
      setStatus('');
    } else if (err instanceof ApiError && err.status === 404) {
      // Deleted while the page was open: nothing will come back, so stop asking.
      clearTimeout(pollTimer);
      pollTimer = undefined;
      live?.close();
      showMessage(`The target "${id}" no longer exists (it was deleted).`, true);
      setStatus('target deleted · not updating', true);
    } else setStatus(`cannot reach the API (${err.message}); retrying`, true);
  }
}

function soon() {
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(load, DEBOUNCE_MS);
}

function tick() {
  clearTimeout(pollTimer);
  if (!live?.isOpen() || Date.now() - loadedAt > SAFETY_RELOAD_MS) load();
  pollTimer = setTimeout(tick, POLL_MS);
}

/** Follows the target's stream: each event frame reloads (debounced); while it is down the page polls. */
function follow() {
  live = liveStream({
    url: () => `${base}/live`,
    frames: { event: soon },
    onOpen: soon, // whatever was written while it was connecting
    onDown: () => setStatus(`${liveText()} · updated ${formatClock(loadedAt || Date.now())}`),
  });
}

function applyFilters(next, push = true) {
  filters = next;
  for (const b of document.querySelectorAll('#kinds button')) b.setAttribute('aria-pressed', String(b.dataset.kind === filters.kind));
  $('from').value = filters.from ? toLocalInput(Date.parse(filters.from)) : '';
  $('to').value = filters.to ? toLocalInput(Date.parse(filters.to)) : '';
  if (push) history.replaceState(null, '', `${location.pathname}${filtersQuery(filters)}`);
}

function inputInstant(input) {
  const ms = Date.parse(input.value); // datetime-local: local time, no offset
  return input.value && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

async function main() {
  const enc = encodeURIComponent(id);
  $('nav-chart').href = `/targets/${enc}`;
  $('nav-timeline').href = `/targets/${enc}/timeline`;
  $('nav-report').href = `/targets/${enc}/report`;
  $('dl-md').href = `${base}/report?format=md`;
  $('dl-csv').href = `${base}/report?format=csv`;
  $('tz').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local';
  $('tid').textContent = id;
  applyFilters(filters, false);

  let target;
  try {
    target = await api.target(id);
  } catch (err) {
    $('name').textContent = id || '(no id)';
    showMessage(err.status === 404 ? `No target "${id}".` : `Cannot load this target: ${err.message}`, true);
    return;
  }
  document.title = `${target.name} · timeline · spacewatch`;
  $('name').textContent = target.name;
  const start = Date.parse(target.status?.scheduledStart ?? target.schedule?.start ?? '');
  scheduledStart = Number.isFinite(start) ? start : undefined;
  if (scheduledStart !== undefined) {
    $('schedule').textContent = `scheduled start ${formatClock(scheduledStart)} (T+0)`;
    $('rows').dataset.scheduledStart = new Date(scheduledStart).toISOString();
  }

  $('kinds').addEventListener('click', (e) => {
    const kind = e.target.closest('button')?.dataset.kind;
    if (!KINDS.includes(kind) || kind === filters.kind) return;
    applyFilters({ ...filters, kind });
    render(); // the kind is filtered here; no need to ask the API again
  });
  const onRange = () => {
    applyFilters({ ...filters, from: inputInstant($('from')), to: inputInstant($('to')) });
    seen = new Set();
    rendered = '';
    load();
  };
  $('from').addEventListener('change', onRange);
  $('to').addEventListener('change', onRange);
  $('all-time').addEventListener('click', () => {
    applyFilters({ ...filters, from: undefined, to: undefined });
    seen = new Set();
    rendered = '';
    load();
  });
  $('range').addEventListener('submit', (e) => e.preventDefault());
  setInterval(tickOngoing, TICK_MS);

  follow();
  tick();
}

main();
