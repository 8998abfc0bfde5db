import uPlot from '/assets/uplot/uPlot.esm.js';
import { api } from './api.js';
import { bridgeGaps, firstTime, joinBuckets, maxPointsFor, peakOf, perMinuteCounts, typicalStep, viewWindow, zoomView } from './chart-data.js';
import { formatClock, formatCount, formatDuration, formatInterval, parseRange, RANGES } from './format.js';
import { reloadDue } from './live-series.js';
import { retryDelay } from './live-stream.js';
import { targetApi } from './target-api.js';
import { makeCharts } from './target-charts.js';
import { wireControls } from './target-controls.js';
import { setupForms } from './target-forms.js';
import { renderAge, renderHeadline, renderOnAir } from './target-headline.js';
import { connectLive } from './target-live.js';
import { listenersRange } from './target-overlay-data.js';
import { buildOverlays, cssColors, renderRuleLegend } from './target-model.js';
import { describeView } from './target-describe.js';
import { createOverlays } from './target-overlays.js';
import { createSeries, emptySeries, METRICS } from './target-series.js';
import { createTooltip } from './target-tooltip.js';

// The target page: three panels on one x axis with overlays, zoom and pan, live by SSE (polling
// while the stream is down), and forms to add marks and claims. Every string from the API goes in
// with textContent (or onto a canvas, where it cannot be markup).

// Polling while the stream is down: as often as the target is polled, within bounds.
const MIN_REFRESH_MS = 2000;
const MAX_REFRESH_MS = 5000;
// After failures, automatic retries wait longer each time, up to this.
const MAX_BACKOFF_MS = 60_000;
// While streaming, a slow full refresh of the headline and overlays, in case a frame was missed.
const RECONCILE_MS = 30_000;
const OVERLAY_POLL_MS = 10_000;
const MIN_ATTEMPTS_PER_BAR = 4;
const BAR_PX = 10;
// Timeline entries are read from this far before the view, so a band that began earlier still shows.
const TIMELINE_LOOKBACK_MS = 24 * 3_600_000;

const $ = (sel) => document.getElementById(sel);

function start(target) {
  const id = target.id;
  const s = {
    rangeKey: parseRange(location.hash),
    zoom: null,
    log: false,
    held: emptySeries(),
    appended: 0,
    loadedAt: 0,
    loading: null,
    generation: 0,
    overlayGeneration: 0,
    failures: 0,
    retryAt: 0,
    stopped: false,
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
  const series = createSeries({ id, s, maxPoints: () => maxPointsFor(els.listeners.clientWidth), onData: () => draw(), streaming: () => s.mode === 'stream' });

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

  function computeView() {
    if (s.zoom) return { ...s.zoom, fitted: false };
    const to = Date.now();
    // A server clock running ahead of this browser's must not push its newest points off the edge.
    const range = { from: to - RANGES[s.rangeKey], to: Math.max(to, series.newestTime()) };
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
      minWidthMs: Math.max(MIN_ATTEMPTS_PER_BAR * resolution, perMinuteCounts(a.t) ? 60_000 : 0),
      maxBars: Math.max(10, Math.floor(charts.joins.width / BAR_PX)),
    });
    charts.joins.setData([s.buckets.t, s.buckets.attempts.map((n) => (n === null ? null : 100)), s.buckets.share]);
    const joinMs = bridgeGaps(s.held.join_ms, maxGap);
    charts.latency.setData([joinMs.t, joinMs.v]);

    s.model.peak = peakOf(l, s.view.from, s.view.to);
    if (!s.stopped) describeView({ s, charts, els, claimValues: claimValuesInView() });
  }

  function scheduleDraw() {
    if (s.frame) return;
    s.frame = requestAnimationFrame(() => {
      s.frame = 0;
      draw();
    });
  }

  async function loadOverlays() {
    const mine = ++s.overlayGeneration;
    const now = Date.now();
    const from = Math.max(0, Math.min(s.view.from, now - RANGES[s.rangeKey]) - TIMELINE_LOOKBACK_MS);
    // Up to the view's end, not "everything after from": the API keeps the oldest 10,000 entries.
    const to = s.zoom ? s.view.to : Math.max(now, s.view.to);
    const [status, timeline, claims] = await Promise.all([targetApi.status(id), api.timeline(id, { from, to }), targetApi.claims(id)]);
    if (mine !== s.overlayGeneration) return; // a newer read (another range, a later event) is on its way
    s.model = { ...buildOverlays({ status, timeline, claims, palette: colors.bands }), peak: s.model.peak };
    const note = $('overlays-truncated');
    note.hidden = !s.model.truncated;
    note.textContent = s.model.truncated ? `Only the first ${formatCount(timeline.events.length)} events from ${formatClock(from)} are drawn: zoom in to see the alert bands and marks after them.` : '';
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
      status.textContent = `cannot reach the API (${err.message}); retrying in ${formatDuration(s.retryAt - Date.now())}`;
      status.classList.add('error');
      return;
    }
    status.textContent = s.mode === 'stream' ? `live · streaming · updated ${formatClock(Date.now())}` : `live · polling every ${formatInterval(refreshMs)} · updated ${formatClock(Date.now())}`;
    status.classList.remove('error');
  }

  // Run refresh steps and say how it went; after a failure, automatic retries back off. A 404 means
  // the target was deleted while the page was open: nothing will come back, so everything stops.
  const run = (...steps) =>
    Promise.all(steps.map((f) => f())).then(
      () => {
        if (s.stopped) return;
        s.failures = 0;
        s.retryAt = 0;
        report();
      },
      (err) => {
        if (s.stopped) return;
        if (err?.status === 404) return gone();
        s.failures++;
        s.retryAt = Date.now() + retryDelay(s.failures, refreshMs, MAX_BACKOFF_MS);
        report(err);
      },
    );

  const timers = [];
  let live = null;
  function gone() {
    s.stopped = true;
    clearTimeout(s.pollTimer);
    for (const t of timers) clearInterval(t);
    live?.close();
    $('status').textContent = 'target deleted · not updating';
    $('status').classList.add('error');
    const message = $('message');
    message.textContent = `The target "${id}" no longer exists (it was deleted). What is shown is as it was.`;
    message.hidden = false;
    message.classList.add('error');
  }

  function pollLoop() {
    clearTimeout(s.pollTimer);
    if (s.mode !== 'polling' || s.stopped) return;
    run(series.poll, updateHeadline).finally(() => {
      if (s.mode === 'polling' && !s.stopped) s.pollTimer = setTimeout(pollLoop, s.failures ? s.retryAt - Date.now() : refreshMs);
    });
  }

  // Coalesce bursts (an alert firing writes several events; a batch import many observations).
  const debounce = (fn, ms) => {
    let t = null;
    return () => {
      if (t) return;
      t = setTimeout(() => {
        t = null;
        if (!s.stopped) run(fn);
      }, ms);
    };
  };
  const overlaysSoon = debounce(loadOverlays, 250);
  const headlineSoon = debounce(updateHeadline, 200);

  function setZoom(zoom) {
    s.zoom = zoom;
    $('zoom-reset').disabled = !zoom;
    draw(); // the new x range at once, with the points held; the detail follows
    run(series.loadRange, loadOverlays);
  }

  function selectRange(key) {
    s.rangeKey = key;
    s.zoom = null;
    $('zoom-reset').disabled = true;
    for (const b of document.querySelectorAll('#ranges button')) b.setAttribute('aria-pressed', String(b.dataset.range === key));
    history.replaceState(null, '', `#range=${key}`);
    run(series.loadRange, updateHeadline).then(() => run(loadOverlays));
  }

  build();
  wireControls({ s, els, charts, tooltip, selectRange, setZoom, rebuild: build, draw });

  setupForms({
    id,
    $,
    onAdded: () => run(loadOverlays),
  });

  live = connectLive({
    url: (since) => targetApi.liveUrl(id, since),
    // Newer than the newest point held: a reopened stream replays only what the page lacks. A
    // zoomed view ignores frames (it is reloaded on the way back), so it asks for nothing old.
    since: () => (!s.zoom && Number.isFinite(series.newestTime()) ? series.newestTime() : Date.now()),
    onObservation: (obs) => {
      series.append(obs);
      headlineSoon();
      report();
    },
    onEvent: () => overlaysSoon(),
    onMode: (mode) => {
      s.mode = mode;
      // Back on the stream: one poll covers what arrived between the last load and the connection.
      if (mode === 'stream') run(series.poll, updateHeadline);
      else pollLoop();
    },
  });
  timers.push(setInterval(() => {
    renderAge(s.lastAt, target.intervalMs);
    // Polling reloads from its own loop; on the stream, a reload is due after a failed load and as live points pile up.
    if (s.mode === 'stream' && !s.zoom && reloadDue(s, Date.now())) run(series.loadRange);
  }, 1000));
  // Overlays change by events: the stream says when; while polling they are re-read now and then,
  // though not in a tab nobody looks at (they are read again when it is shown).
  let ticks = 0;
  timers.push(setInterval(() => {
    ticks++;
    if (document.hidden) return;
    if (s.mode === 'stream' && ticks % (RECONCILE_MS / OVERLAY_POLL_MS) !== 0) return scheduleDraw(); // ongoing bands grow
    run(loadOverlays, ...(s.mode === 'stream' ? [updateHeadline] : []));
  }, OVERLAY_POLL_MS));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !s.stopped) run(loadOverlays);
  });
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
