import uPlot from '/assets/uplot/uPlot.esm.js';
import { api } from './api.js';
import { bridgeGaps, fetchRange, firstTime, joinBuckets, panView, typicalStep, viewWindow, zoomView } from './chart-data.js';
import { formatClock, formatInterval, parseRange, RANGES } from './format.js';
import { appendObservation, mergeTail } from './live-series.js';
import { targetApi } from './target-api.js';
import { makeCharts, HEIGHTS, PANELS } from './target-charts.js';
import { setupForms } from './target-forms.js';
import { renderAge, renderHeadline, renderOnAir } from './target-headline.js';
import { connectLive } from './target-live.js';
import { listenersRange, peakOf } from './target-overlay-data.js';
import { buildOverlays, cssColors, renderRuleLegend } from './target-model.js';
import { describeView } from './target-describe.js';
import { createOverlays } from './target-overlays.js';
import { createTooltip } from './target-tooltip.js';

// The target page: three panels on one x axis with overlays, zoom and pan, live by SSE (polling
// while the stream is down), and forms to add marks and claims. Every string from the API goes in
// with textContent (or onto a canvas, where it cannot be markup).

// Polling while the stream is down: as often as the target is polled, within bounds.
const MIN_REFRESH_MS = 2000;
const MAX_REFRESH_MS = 5000;
// While streaming, a slow full refresh of the headline and overlays, in case a frame was missed.
const RECONCILE_MS = 30_000;
const OVERLAY_POLL_MS = 10_000;
// Appended live points are full resolution while a load may be downsampled: past this many (or this
// long) the page reloads the range so the chart stays light.
const RELOAD_AFTER_POINTS = 2000;
const RELOAD_AFTER_MS = 10 * 60_000;
const METRICS = ['listeners', 'join_attempts', 'join_failures', 'join_ms'];
const MIN_ATTEMPTS_PER_BAR = 4;
const BAR_PX = 10;
// Timeline entries are read from this far before the view, so a band that began earlier still shows.
const TIMELINE_LOOKBACK_MS = 24 * 3_600_000;

const $ = (sel) => document.getElementById(sel);
const emptyData = () => Object.fromEntries(METRICS.map((m) => [m, { t: [], v: [] }]));

function start(target) {
  const id = target.id;
  const s = {
    rangeKey: parseRange(location.hash),
    zoom: null,
    log: false,
    held: emptyData(),
    coveredTo: 0,
    appended: 0,
    loadedAt: 0,
    generation: 0,
    view: { from: 0, to: 1, fitted: false },
    buckets: { width: 0, t: [], attempts: [], failures: [], share: [] },
    model: { bands: [], marks: [], claims: [], ruleColor: new Map(), peak: undefined },
    mode: 'polling',
    lastAt: undefined,
    pollTimer: null,
    frame: 0,
  };
  const refreshMs = Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, target.intervalMs));
  const colors = cssColors();
  const tooltip = createTooltip($('tooltip'));
  const overlays = createOverlays({ model: () => s.model, colors: () => colors, tooltip, pxRatio: uPlot.pxRatio });
  const els = { listeners: $('chart-listeners'), joins: $('chart-joins'), latency: $('chart-latency') };

  const charts = {};
  function build() {
    for (const u of Object.values(charts)) u.destroy();
    Object.assign(charts, makeCharts({
      els,
      view: () => s.view,
      yListeners: (_u, min, max) => listenersRange(min, max, claimValuesInView(), s.log),
      log: () => s.log,
      buckets: () => s.buckets,
      overlays,
      syncKey: `target-${id}`,
      onZoom: (a, b) => setZoom(zoomView(a, b, Math.max(2 * target.intervalMs, 2000))),
      onPan: (delta, done) => {
        const v = s.zoom ?? s.view;
        s.zoom = { from: v.from + delta, to: v.to + delta };
        if (done) setZoom(s.zoom);
        else scheduleDraw();
      },
      onReset: () => setZoom(null),
    }));
  }

  const inView = (t) => t >= s.view.from && t <= s.view.to;
  const claimValuesInView = () => s.model.claims.filter((c) => c.onScale && inView(c.at)).map((c) => c.value);

  function newestTime() {
    let t = -Infinity;
    for (const m of METRICS) if (s.held[m].t.length) t = Math.max(t, s.held[m].t.at(-1));
    return t;
  }

  function computeView() {
    if (s.zoom) return { ...s.zoom, fitted: false };
    const to = Date.now();
    // A server clock running ahead of this browser's must not push its newest points off the edge.
    const range = { from: to - RANGES[s.rangeKey], to: Math.max(to, newestTime()) };
    return viewWindow(range, firstTime(METRICS.map((m) => s.held[m])), target.intervalMs);
  }

  function draw() {
    s.view = computeView();
    const l = s.held.listeners;
    const maxGap = Math.max(5 * target.intervalMs, 3 * (typicalStep(l.t) ?? 0));
    const line = bridgeGaps(l, maxGap);
    // log(0) has no place on a log axis: zero counts are left out there (the legend says "—").
    charts.listeners.setData([line.t, s.log ? line.v.map((v) => (v > 0 ? v : null)) : line.v]);

    const a = s.held.join_attempts;
    const resolution = Math.max(target.intervalMs, typicalStep(a.t) ?? 0);
    s.buckets = joinBuckets(a, s.held.join_failures, s.view.from, s.view.to, {
      minWidthMs: MIN_ATTEMPTS_PER_BAR * resolution,
      maxBars: Math.max(10, Math.floor(charts.joins.width / BAR_PX)),
    });
    charts.joins.setData([s.buckets.t, s.buckets.attempts.map((n) => (n === null ? null : 100)), s.buckets.share]);
    const joinMs = bridgeGaps(s.held.join_ms, maxGap);
    charts.latency.setData([joinMs.t, joinMs.v]);

    s.model.peak = peakOf(l, s.view.from, s.view.to);
    describeView({ s, charts, els, claimValues: claimValuesInView() });
  }

  function scheduleDraw() {
    if (s.frame) return;
    s.frame = requestAnimationFrame(() => {
      s.frame = 0;
      draw();
    });
  }

  // About one point per pixel: more cannot be seen, fewer loses spikes. The API caps it at 10,000.
  const maxPoints = () => Math.min(10_000, Math.max(200, Math.floor(els.listeners.clientWidth)));

  async function loadRange() {
    const mine = ++s.generation;
    const now = Date.now();
    const range = s.zoom ? fetchRange(s.zoom, now) : { from: now - RANGES[s.rangeKey], to: now };
    const results = await Promise.all(METRICS.map((m) => api.series(id, m, range.from, range.to, maxPoints())));
    if (mine !== s.generation) return; // a newer range was picked while this one loaded
    s.held = Object.fromEntries(METRICS.map((m, i) => [m, { t: results[i].t, v: results[i].v }]));
    s.coveredTo = range.to;
    s.appended = 0;
    s.loadedAt = Date.now();
    draw();
  }

  async function poll() {
    if (s.zoom || !s.loadedAt) return; // a zoomed view is a fixed range, loaded whole; before the first load there is nothing to extend
    if (s.appended > RELOAD_AFTER_POINTS || Date.now() - s.loadedAt > RELOAD_AFTER_MS) return loadRange();
    const mine = s.generation;
    const to = Date.now();
    const from = to - RANGES[s.rangeKey];
    const start = Math.max(from, s.coveredTo + 1);
    if (start > to) return;
    const tails = await Promise.all(METRICS.map((m) => api.series(id, m, start, to, maxPoints())));
    if (mine !== s.generation) return;
    for (const [i, m] of METRICS.entries()) {
      s.appended += tails[i].t.length;
      s.held[m] = mergeTail(s.held[m], tails[i], from);
    }
    s.coveredTo = to;
    draw();
  }

  async function loadOverlays() {
    const from = Math.min(s.view.from, Date.now() - RANGES[s.rangeKey]) - TIMELINE_LOOKBACK_MS;
    const [status, timeline, claims] = await Promise.all([targetApi.status(id), targetApi.timeline(id, from), targetApi.claims(id)]);
    s.model = { ...buildOverlays({ status, timeline, claims, palette: colors.bands }), peak: s.model.peak };
    renderRuleLegend($('band-legend'), s.model.ruleColor);
    renderOnAir(status);
    draw();
  }

  async function updateHeadline() {
    s.lastAt = renderHeadline(await api.latest(id), target.intervalMs);
  }

  function report(err) {
    const status = $('status');
    if (err) {
      status.textContent = `cannot reach the API (${err.message}); retrying`;
      status.classList.add('error');
      return;
    }
    status.textContent = s.mode === 'stream' ? `live · streaming · updated ${formatClock(Date.now())}` : `live · polling every ${formatInterval(refreshMs)} · updated ${formatClock(Date.now())}`;
    status.classList.remove('error');
  }

  // Run one refresh step and say how it went; the steps run again on their own schedules.
  const run = (...steps) =>
    Promise.all(steps.map((f) => f())).then(
      () => report(),
      (err) => report(err),
    );

  function pollLoop() {
    clearTimeout(s.pollTimer);
    if (s.mode !== 'polling') return;
    run(poll, updateHeadline).finally(() => {
      if (s.mode === 'polling') s.pollTimer = setTimeout(pollLoop, refreshMs);
    });
  }

  // Coalesce bursts (an alert firing writes several events; a batch import many observations).
  const debounce = (fn, ms) => {
    let t = null;
    return () => {
      if (t) return;
      t = setTimeout(() => {
        t = null;
        run(fn);
      }, ms);
    };
  };
  const overlaysSoon = debounce(loadOverlays, 250);
  const headlineSoon = debounce(updateHeadline, 200);

  function setZoom(zoom) {
    s.zoom = zoom;
    $('zoom-reset').disabled = !zoom;
    draw(); // the new x range at once, with the points held; the detail follows
    run(loadRange, loadOverlays);
  }

  function selectRange(key) {
    s.rangeKey = key;
    s.zoom = null;
    $('zoom-reset').disabled = true;
    for (const b of document.querySelectorAll('#ranges button')) b.setAttribute('aria-pressed', String(b.dataset.range === key));
    history.replaceState(null, '', `#range=${key}`);
    run(loadRange, updateHeadline).then(() => run(loadOverlays));
  }

  build();
  $('ranges').addEventListener('click', (e) => {
    const key = e.target.closest('button')?.dataset.range;
    if (key && (key !== s.rangeKey || s.zoom)) selectRange(key);
  });
  window.addEventListener('hashchange', () => {
    const key = parseRange(location.hash);
    if (key !== s.rangeKey) selectRange(key);
  });
  $('pan-left').addEventListener('click', () => setZoom(panView(s.view, -0.5, Date.now())));
  $('pan-right').addEventListener('click', () => setZoom(panView(s.view, 0.5, Date.now())));
  $('zoom-reset').addEventListener('click', () => setZoom(null));
  $('log-scale').addEventListener('click', () => {
    s.log = !s.log;
    $('log-scale').setAttribute('aria-pressed', String(s.log));
    build();
    draw();
  });
  // A pinned tooltip goes with a click elsewhere or Escape.
  document.addEventListener('click', (e) => {
    if (!e.target.closest('.hot, .tooltip')) tooltip.hide(true);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') tooltip.hide(true);
  });
  // The container, not the window: a second screen's sidebar or a zoom change resizes it too.
  new ResizeObserver(() => {
    const width = els.listeners.clientWidth;
    if (width === charts.listeners.width) return;
    for (const p of PANELS) charts[p].setSize({ width, height: HEIGHTS[p] });
    draw(); // bar count follows the width
  }).observe(els.listeners);

  setupForms({
    id,
    $,
    onAdded: () => run(loadOverlays),
  });

  connectLive({
    url: (since) => targetApi.liveUrl(id, since),
    since: () => (s.coveredTo > 0 ? s.coveredTo : Date.now()),
    onObservation: (obs) => {
      const at = typeof obs.at === 'number' ? obs.at : Date.parse(obs.at);
      if (!s.zoom) {
        s.held = appendObservation(s.held, obs, Date.now() - RANGES[s.rangeKey]);
        s.coveredTo = Math.max(s.coveredTo, at);
        s.appended++;
        scheduleDraw();
      }
      headlineSoon();
      report();
    },
    onEvent: () => overlaysSoon(),
    onMode: (mode) => {
      s.mode = mode;
      // Back on the stream: one poll covers what arrived between the last load and the connection.
      if (mode === 'stream') run(poll, updateHeadline);
      else pollLoop();
    },
  });
  setInterval(() => {
    renderAge(s.lastAt, target.intervalMs);
    if (s.mode === 'stream' && (s.appended > RELOAD_AFTER_POINTS || Date.now() - s.loadedAt > RELOAD_AFTER_MS) && !s.zoom) run(loadRange);
  }, 1000);
  // Overlays change by events: the stream says when; while polling they are re-read now and then.
  let ticks = 0;
  setInterval(() => {
    ticks++;
    if (s.mode === 'stream' && ticks % (RECONCILE_MS / OVERLAY_POLL_MS) !== 0) return scheduleDraw(); // ongoing bands grow
    run(loadOverlays, ...(s.mode === 'stream' ? [updateHeadline] : []));
  }, OVERLAY_POLL_MS);
  selectRange(s.rangeKey);
}

async function main() {
  const id = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() ?? '');
  for (const [link, path] of [['link-chart', ''], ['link-timeline', '/timeline'], ['link-report', '/report']]) $(link).href = `/targets/${encodeURIComponent(id)}${path}`;
  let target;
  try {
    target = await api.target(id);
  } catch (err) {
    $('name').textContent = id || '(no id)';
    const message = $('message');
    message.textContent = err.status === 404 ? `No target "${id}".` : `Cannot load this target: ${err.message}`;
    message.hidden = false;
    message.classList.add('error');
    return;
  }
  document.title = `${target.name} · spacewatch`;
  $('name').textContent = target.name;
  $('tid').textContent = target.id;
  $('kind').textContent = target.source?.kind ?? '—';
  $('interval').textContent = formatInterval(target.intervalMs);
  start(target);
}

main();
