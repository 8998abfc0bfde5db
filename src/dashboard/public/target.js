import uPlot from '/assets/uplot/uPlot.esm.js';
import { api } from './api.js';
import { bridgeGaps, firstTime, joinBuckets, typicalStep, viewWindow } from './chart-data.js';
import {
  formatAge,
  formatClock,
  formatCount,
  formatDuration,
  formatFailureShare,
  formatInterval,
  formatPercent,
  isStale,
  parseRange,
  RANGES,
  stateClass,
  sum,
} from './format.js';
import { failureText, lastKnownText, summarize } from './headline.js';
import { mergeTail, nextFrom } from './live-series.js';

// Target names are user input: every string from the API goes in with textContent.

// Refresh as often as the target is polled, within bounds: a 1-second demo should look live, and
// no target should cost a viewer more than a few requests every 2 s (SSE will replace polling).
const MIN_REFRESH_MS = 2000;
const MAX_REFRESH_MS = 5000;
// Polled tails arrive at full resolution while the first load may be downsampled; past this many
// appended points (or this long) the page reloads the whole range so the chart stays light.
const RELOAD_AFTER_POINTS = 2000;
const RELOAD_AFTER_MS = 10 * 60_000;
const METRICS = ['listeners', 'join_attempts', 'join_failures'];
// A failed-share bar is only worth reading over a few attempts: 1 of 1 failed is not "100 % down".
const MIN_ATTEMPTS_PER_BAR = 4;
const BAR_PX = 10;
const HEIGHTS = { listeners: 320, joins: 200 };

const id = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() ?? '');
const $ = (sel) => document.getElementById(sel);
const status = $('status');
const message = $('message');

let target;
let refreshMs = MAX_REFRESH_MS;
let rangeKey = parseRange(location.hash);
let held = emptyData();
let appended = 0;
let loadedAt = 0;
let charts;
let timer;
let generation = 0;
// What both panels show, set before each setData: one x range, so the panels line up.
let view = { from: 0, to: 1, fitted: false };
let buckets = { width: 0, t: [], attempts: [], failures: [], share: [] };

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
  return { time: true, range: () => [view.from, view.to] };
}

function cursor() {
  // One cursor across both panels; no drag-zoom: the range presets are the navigation.
  return { sync: { key: `target-${id}` }, drag: { x: false, y: false } };
}

// The legend shows the bucket's exact counts; the bar heights are only the share.
function bucketValue(pick) {
  return (_u, _v, _series, idx) => (idx === null || idx === undefined || buckets.attempts[idx] === null ? '—' : pick(idx));
}

function makeCharts() {
  const width = $('chart-listeners').clientWidth;
  const text = css('--text');
  const listeners = new uPlot(
    {
      width,
      height: HEIGHTS.listeners,
      ms: 1,
      cursor: cursor(),
      scales: { x: xScale(), y: { range: (_u, _min, max) => [0, Math.max(10, (max || 0) * 1.1)] } },
      axes: [axis(text), axis(text, { size: 80, values: (_u, ticks) => ticks.map(formatCount) })],
      series: [{ label: 'time', value: (_u, v) => formatClock(v) }, { label: 'listeners', stroke: css('--listeners'), fill: css('--listeners-fill'), width: 2, spanGaps: false, value: (_u, v) => formatCount(v) }],
    },
    [[], []],
    $('chart-listeners'),
  );
  const bars = () => uPlot.paths.bars({ size: [0.85, 400], align: 0 });
  const joins = new uPlot(
    {
      width,
      height: HEIGHTS.joins,
      ms: 1,
      cursor: cursor(),
      scales: { x: xScale(), y: { range: [0, 100] } },
      axes: [axis(text), axis(text, { size: 80, splits: () => [0, 25, 50, 75, 100], values: (_u, ticks) => ticks.map((v) => `${v} %`) })],
      series: [
        { label: 'bucket', value: (_u, v) => (typeof v === 'number' ? `${formatClock(v - buckets.width / 2)}–${formatClock(v + buckets.width / 2)}` : '—') },
        // Full height wherever probes ran, so "0 % failed" is visibly different from "no probes".
        { label: 'attempts', stroke: css('--attempts'), fill: css('--attempts-fill'), width: 0, paths: bars(), points: { show: false }, value: bucketValue((i) => formatCount(buckets.attempts[i])) },
        {
          label: 'failed',
          stroke: css('--failures'),
          fill: css('--failures'),
          width: 0,
          paths: bars(),
          points: { show: false },
          value: bucketValue((i) => `${formatCount(buckets.failures[i])} (${formatPercent(buckets.share[i])})`),
        },
      ],
    },
    [[], [], []],
    $('chart-joins'),
  );
  return { listeners, joins };
}

function newestTime() {
  let t = -Infinity;
  for (const m of METRICS) if (held[m].t.length) t = Math.max(t, held[m].t[held[m].t.length - 1]);
  return t;
}

function draw() {
  const range = windowNow();
  // A server clock running ahead of this browser's must not push its newest points off the edge.
  range.to = Math.max(range.to, newestTime());
  view = viewWindow(range, firstTime(METRICS.map((m) => held[m])), target.intervalMs);

  const l = held.listeners;
  const line = bridgeGaps(l, Math.max(5 * target.intervalMs, 3 * (typicalStep(l.t) ?? 0)));
  charts.listeners.setData([line.t, line.v]);

  const a = held.join_attempts;
  const f = held.join_failures;
  const resolution = Math.max(target.intervalMs, typicalStep(a.t) ?? 0);
  buckets = joinBuckets(a, f, view.from, view.to, {
    minWidthMs: MIN_ATTEMPTS_PER_BAR * resolution,
    maxBars: Math.max(10, Math.floor(charts.joins.width / BAR_PX)),
  });
  charts.joins.setData([buckets.t, buckets.attempts.map((n) => (n === null ? null : 100)), buckets.share]);

  // What the charts hold, readable without reaching into uPlot (the browser test reads these).
  for (const [key, el] of [['listeners', $('chart-listeners')], ['joins', $('chart-joins')]]) {
    el.dataset.xMin = String(charts[key].scales.x.min);
    el.dataset.xMax = String(charts[key].scales.x.max);
  }
  $('chart-listeners').dataset.points = String(charts.listeners.data[1].filter((v) => v !== null && v !== undefined).length);
  $('chart-joins').dataset.attempts = String(sum(buckets.attempts));
  $('chart-joins').dataset.failures = String(sum(buckets.failures));

  $('failures').textContent = formatFailureShare(sum(f.v), sum(a.v));
  $('shown').textContent = view.fitted
    ? `showing the last ${formatDuration(view.to - view.from)} (all data) · since ${formatClock(view.from)}`
    : `showing the last ${formatDuration(RANGES[rangeKey])} · since ${formatClock(view.from)}`;
  $('bucket').textContent = `· share of attempts per ${formatDuration(buckets.width)}`;
  const noData = METRICS.every((m) => held[m].t.length === 0);
  showMessage(noData ? `No observations in the last ${formatDuration(RANGES[rangeKey])}.` : '');
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

function setNote(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

async function updateHeadline() {
  const s = summarize(await api.latest(id));
  const now = Date.now();
  $('listeners').textContent = formatCount(s?.listeners);
  $('listeners').classList.toggle('old', s?.listenersAt !== undefined);
  setNote($('listeners-note'), s ? lastKnownText(s.listenersAt, now) : '');

  const state = $('state');
  state.className = `badge ${s ? stateClass(s.state) : 'state-none'}`;
  state.textContent = s ? s.state : 'no data';
  setNote($('state-note'), s ? lastKnownText(s.stateAt, now) : '');

  const failing = $('failing');
  failing.textContent = failureText(s?.failure, now);
  failing.hidden = !s?.failure;

  const age = s ? now - s.at : undefined;
  const ageEl = $('age');
  ageEl.textContent = s ? formatAge(age) : 'never';
  ageEl.classList.toggle('stale', isStale(age, target.intervalMs));
}

async function tick(full) {
  clearTimeout(timer);
  try {
    await Promise.all([full ? loadRange() : poll(), updateHeadline()]);
    status.textContent = `live · updated ${formatClock(Date.now())} · every ${formatInterval(refreshMs)}`;
    status.classList.remove('error');
  } catch (err) {
    status.textContent = `cannot reach the API (${err.message}); retrying`;
    status.classList.add('error');
  }
  timer = setTimeout(() => tick(false), refreshMs);
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
  refreshMs = Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, target.intervalMs));

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
    charts.listeners.setSize({ width, height: HEIGHTS.listeners });
    charts.joins.setSize({ width, height: HEIGHTS.joins });
    draw(); // bar count follows the width
  }).observe($('chart-listeners'));
  selectRange(rangeKey);
}

main();
