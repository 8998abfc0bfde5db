// The three panels of the target page: listeners, failed joins, join latency. One x range (the
// page's view), one synced cursor, drag to zoom, shift+drag to pan, double-click to reset.

import uPlot from '/assets/uplot/uPlot.esm.js';
import { axisCount } from './chart-data.js';
import { formatClock, formatCount, formatPercent } from './format.js';
import { axisStyle as axis, cssVar as css } from './theme.js';

export const HEIGHTS = { listeners: 340, joins: 170, latency: 170 };
export const PANELS = ['listeners', 'joins', 'latency'];

/**
 * @param deps.els       panel → container element
 * @param deps.view      () => `{ from, to }`, the x range every panel shows
 * @param deps.yListeners (u, min, max) => [min, max] of the listeners axis (claims widen it)
 * @param deps.log       () => whether the listeners axis is logarithmic
 * @param deps.buckets   () => the join buckets (chart-data.js joinBuckets) for the legend
 * @param deps.overlays  target-overlays.js
 * @param deps.onZoom    (from, to) => void, after a drag selection
 * @param deps.onPan     (deltaMs, done) => void, while shift-dragging (done on release)
 * @param deps.onReset   () => void, on double-click
 * @param deps.syncKey   the cursor sync key (one per page)
 */
export function makeCharts(deps) {
  const { els } = deps;
  const width = els.listeners.clientWidth;

  // Drag to zoom: uPlot draws the selection; the page, not uPlot, sets the range (and fetches detail).
  // Every synced panel reports the same selection, so it is taken once, on the next microtask.
  let pending = null;
  const zoomFrom = (u) => {
    const { left, width: w } = u.select;
    if (w < 4) return;
    const range = [u.posToVal(left, 'x'), u.posToVal(left + w, 'x')];
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (pending) return;
    pending = range;
    window.queueMicrotask(() => {
      const [a, b] = pending;
      pending = null;
      deps.onZoom(a, b);
    });
  };

  // Shift+drag pans; any other press is uPlot's (selection). Presses on a hover target are not the plot's.
  const mousedown = (u, targ, handler, onlyTarg = true) => (e) => {
    if (e.button !== 0 || (onlyTarg && e.target !== targ)) return;
    if (!e.shiftKey) return handler(e);
    e.preventDefault();
    const perPx = (deps.view().to - deps.view().from) / u.over.clientWidth;
    let last = e.clientX;
    const move = (ev) => {
      deps.onPan((last - ev.clientX) * perPx, false);
      last = ev.clientX;
    };
    const up = () => {
      document.removeEventListener('mousemove', move);
      document.removeEventListener('mouseup', up);
      deps.onPan(0, true);
    };
    document.addEventListener('mousemove', move);
    document.addEventListener('mouseup', up);
  };
  const dblclick = (_u, targ, _handler, onlyTarg = true) => (e) => {
    if (!onlyTarg || e.target === targ) deps.onReset();
  };

  const base = (panel, height) => ({
    width,
    height,
    ms: 1,
    cursor: { sync: { key: deps.syncKey }, drag: { x: true, y: false, setScale: false }, bind: { mousedown, dblclick } },
    select: { show: true },
    scales: { x: { time: true, range: () => [deps.view().from, deps.view().to] } },
    hooks: {
      drawClear: [(u) => deps.overlays.drawBack(u, panel)],
      draw: [(u) => deps.overlays.drawFront(u, panel)],
      setSelect: [zoomFrom],
    },
  });

  const time = { label: 'time', value: (_u, v) => formatClock(v) };

  const listeners = (() => {
    const opts = base('listeners', HEIGHTS.listeners);
    opts.scales.y = deps.log() ? { distr: 3, log: 10, range: deps.yListeners } : { range: deps.yListeners };
    opts.axes = [axis(), axis({ size: 80, values: (_u, ticks) => ticks.map(axisCount) })];
    opts.series = [time, { label: 'listeners', stroke: css('--listeners'), fill: deps.log() ? undefined : css('--listeners-fill'), width: 2, spanGaps: false, value: (_u, v) => formatCount(v) }];
    return new uPlot(opts, [[], []], els.listeners);
  })();

  const buckets = deps.buckets;
  const bucketValue = (pick) => (_u, _v, _s, idx) => (idx === null || idx === undefined || buckets().attempts[idx] === null ? '—' : pick(buckets(), idx));
  const bars = () => uPlot.paths.bars({ size: [0.85, 400], align: 0 });
  const joins = (() => {
    const opts = base('joins', HEIGHTS.joins);
    opts.scales.y = { range: [0, 100] };
    opts.axes = [axis(), axis({ size: 80, splits: () => [0, 25, 50, 75, 100], values: (_u, ticks) => ticks.map((v) => `${v} %`) })];
    opts.series = [
      { label: 'bucket', value: (_u, v) => (typeof v === 'number' ? `${formatClock(v - buckets().width / 2)}–${formatClock(v + buckets().width / 2)}` : '—') },
      // Full height wherever probes ran, so "0 % failed" is visibly different from "no probes".
      { label: 'attempts', stroke: css('--attempts'), fill: css('--attempts-fill'), width: 0, paths: bars(), points: { show: false }, value: bucketValue((b, i) => formatCount(b.attempts[i])) },
      {
        label: 'failed',
        stroke: css('--failures'),
        fill: css('--failures'),
        width: 0,
        paths: bars(),
        points: { show: false },
        value: bucketValue((b, i) => `${formatCount(b.failures[i])} (${formatPercent(b.share[i])})`),
      },
    ];
    return new uPlot(opts, [[], [], []], els.joins);
  })();

  const latency = (() => {
    const opts = base('latency', HEIGHTS.latency);
    opts.scales.y = { range: (_u, _min, max) => [0, Math.max(100, (max || 0) * 1.1)] };
    opts.axes = [axis(), axis({ size: 80, values: (_u, ticks) => ticks.map((v) => `${formatCount(v)} ms`) })];
    opts.series = [time, { label: 'join time', stroke: css('--latency'), width: 1.5, spanGaps: false, value: (_u, v) => (typeof v === 'number' ? `${formatCount(v)} ms` : '—') }];
    return new uPlot(opts, [[], []], els.latency);
  })();

  return { listeners, joins, latency };
}
