// The target page's controls: range presets (and the URL hash that names one), pan and zoom
// buttons, the log-scale toggle, dismissing a pinned tooltip, and the charts following the width of
// their container.

import { panView } from './chart-data.js';
import { parseRange } from './format.js';
import { HEIGHTS, PANELS } from './target-charts.js';

const $ = (id) => document.getElementById(id);

/**
 * @param deps.s           the page state (rangeKey, zoom, view, log)
 * @param deps.els         panel → container element
 * @param deps.charts      panel → uPlot instance (rebuilt in place by `rebuild`)
 * @param deps.tooltip     the page's tooltip
 * @param deps.selectRange (key) => void
 * @param deps.setZoom     (view | null) => void
 * @param deps.rebuild     () => void, new charts (the log axis is an option of the chart)
 * @param deps.draw        () => void
 */
export function wireControls({ s, els, charts, tooltip, selectRange, setZoom, rebuild, draw }) {
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
    rebuild();
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
}
