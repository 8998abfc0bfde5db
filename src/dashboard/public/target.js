import uPlot from '/assets/uplot/uPlot.esm.js';
import { api } from './api.js';
import { formatAge, formatCount, formatFailureShare, formatInterval, isStale, parseRange, RANGES, stateClass, sum } from './format.js';
import { lastValue, mergeTail, nextFrom } from './live-series.js';

// Target names are user input: every string from the API goes in with textContent.

const REFRESH_MS = 5000;
// Polled tails arrive at full resolution while the first load may be downsampled; past this many
// appended points (or this long) the page reloads the whole range so the chart stays light.
const RELOAD_AFTER_POINTS = 2000;
const RELOAD_AFTER_MS = 10 * 60_000;
const METRICS = ['listeners', 'join_attempts', 'join_failures'];

const id = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() ?? '');
const $ = (sel) => document.getElementById(sel);
const status = $('status');
const message = $('message');

let target;
let rangeKey = parseRange(location.hash);
let held = emptyData();
let appended = 0;
let loadedAt = 0;
let charts;
let timer;
let generation = 0;

function emptyData() {
  return Object.fromEntries(METRICS.map((m) => [m, { t: [], v: [] }]));
}

function windowNow() {
  const to = Date.now();
  return { from: to - RANGES[rangeKey], to };
}

const css = (name) => window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function axis(stroke, extra = {}) {
  return { stroke, font: '14px system-ui, sans-serif', grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid') }, ...extra };
}

// Fresh option objects per chart: uPlot keeps and mutates parts of what it is given.
function xScale() {
  // Pinned to the window so both panels line up even where one has no data.
  return { time: true, range: () => { const w = windowNow(); return [w.from, w.to]; } };
}

function yFromZero(floor) {
  return { range: (_u, _min, max) => [0, Math.max(floor, (max || 0) * 1.1)] };
}

function cursor() {
  // One cursor across both panels; no drag-zoom: the range presets are the navigation.
  return { sync: { key: `target-${id}` }, drag: { x: false, y: false } };
}

function makeCharts() {
  const width = $('chart-listeners').clientWidth;
  const text = css('--text');
  const listeners = new uPlot(
    {
      width,
      height: 320,
      ms: 1,
      cursor: cursor(),
      scales: { x: xScale(), y: yFromZero(10) },
      axes: [axis(text), axis(text, { size: 70, values: (_u, ticks) => ticks.map(formatCount) })],
      series: [{}, { label: 'listeners', stroke: css('--listeners'), fill: css('--listeners-fill'), width: 2, spanGaps: false, value: (_u, v) => formatCount(v) }],
    },
    [[], []],
    $('chart-listeners'),
  );
  const joins = new uPlot(
    {
      width,
      height: 180,
      ms: 1,
      cursor: cursor(),
      scales: { x: xScale(), y: yFromZero(1) },
      axes: [axis(text), axis(text, { size: 70 })],
      series: [
        {},
        { label: 'attempts', stroke: css('--attempts'), width: 1.5, value: (_u, v) => formatCount(v) },
        { label: 'failures', stroke: css('--failures'), fill: css('--failures-fill'), width: 1, paths: uPlot.paths.bars({ size: [0.9, 12] }), value: (_u, v) => formatCount(v) },
      ],
    },
    [[], [], []],
    $('chart-joins'),
  );
  return { listeners, joins };
}

function draw() {
  const l = held.listeners;
  charts.listeners.setData([l.t, l.v]);
  const a = held.join_attempts;
  const f = held.join_failures;
  charts.joins.setData(uPlot.join([[a.t, a.v], [f.t, f.v]]));

  $('failures').textContent = formatFailureShare(sum(f.v), sum(a.v));
  const noData = METRICS.every((m) => held[m].t.length === 0);
  showMessage(noData ? `No observations in the last ${rangeKey}.` : '');
}

function showMessage(text, isError = false) {
  message.textContent = text;
  message.hidden = !text;
  message.classList.toggle('error', isError);
}

function maxPoints() {
  // About one point per pixel: more cannot be seen, fewer loses spikes.
  return Math.min(10_000, Math.max(200, Math.floor($('chart-listeners').clientWidth)));
}

async function loadRange() {
  const mine = ++generation;
  const { from, to } = windowNow();
  const results = await Promise.all(METRICS.map((m) => api.series(id, m, from, to, maxPoints())));
  if (mine !== generation) return; // a newer range was picked while this one loaded
  held = Object.fromEntries(METRICS.map((m, i) => [m, { t: results[i].t, v: results[i].v }]));
  appended = 0;
  loadedAt = Date.now();
  draw();
}

async function poll() {
  if (appended > RELOAD_AFTER_POINTS || Date.now() - loadedAt > RELOAD_AFTER_MS) return loadRange();
  const mine = generation;
  const { from, to } = windowNow();
  const tails = await Promise.all(
    METRICS.map((m) => {
      const start = nextFrom(held[m], from);
      // A point newer than this browser's clock (the server's runs ahead): nothing to ask for yet.
      return start > to ? { t: [], v: [] } : api.series(id, m, start, to, maxPoints());
    }),
  );
  if (mine !== generation) return;
  for (const [i, m] of METRICS.entries()) {
    appended += tails[i].t.length;
    held[m] = mergeTail(held[m], tails[i], from);
  }
  draw();
}

async function updateHeadline() {
  const { observation: obs } = await api.latest(id);
  const listeners = obs?.listeners ?? lastValue(held.listeners);
  $('listeners').textContent = formatCount(listeners);
  const state = $('state');
  state.className = `badge ${obs ? stateClass(obs.state) : 'state-none'}`;
  state.textContent = obs ? obs.state : 'no data';
  const age = obs ? Date.now() - Date.parse(obs.at) : undefined;
  const ageEl = $('age');
  ageEl.textContent = obs ? formatAge(age) : 'never';
  ageEl.classList.toggle('stale', isStale(age, target.intervalMs));
}

async function tick(full) {
  clearTimeout(timer);
  try {
    await Promise.all([full ? loadRange() : poll(), updateHeadline()]);
    status.textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    status.classList.remove('error');
  } catch (err) {
    status.textContent = `cannot reach the API (${err.message}); retrying`;
    status.classList.add('error');
  }
  timer = setTimeout(() => tick(false), REFRESH_MS);
}

function selectRange(key) {
  rangeKey = key;
  for (const b of document.querySelectorAll('#ranges button')) b.setAttribute('aria-pressed', String(b.dataset.range === key));
  history.replaceState(null, '', `#range=${key}`);
  tick(true);
}

async function main() {
  try {
    target = await api.target(id);
  } catch (err) {
    $('name').textContent = id || '(no id)';
    showMessage(err.status === 404 ? `No target "${id}".` : `Cannot load this target: ${err.message}`, true);
    return;
  }
  document.title = `${target.name} · spacewatch`;
  $('name').textContent = target.name;
  $('tid').textContent = target.id;
  $('kind').textContent = target.source?.kind ?? '—';
  $('interval').textContent = formatInterval(target.intervalMs);

  charts = makeCharts();
  $('ranges').addEventListener('click', (e) => {
    const key = e.target.closest('button')?.dataset.range;
    if (key && key !== rangeKey) selectRange(key);
  });
  window.addEventListener('hashchange', () => {
    const key = parseRange(location.hash);
    if (key !== rangeKey) selectRange(key);
  });
  // The container, not the window: a second screen's sidebar or a zoom change resizes it too.
  new ResizeObserver(() => {
    const width = $('chart-listeners').clientWidth;
    if (width === charts.listeners.width) return;
    charts.listeners.setSize({ width, height: 320 });
    charts.joins.setSize({ width, height: 180 });
  }).observe($('chart-listeners'));
  selectRange(rangeKey);
}

main();
