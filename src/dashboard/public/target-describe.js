// The captions of the target page (what is shown, peak, failures in view, the log-scale hint) and
// data attributes saying what the charts hold, readable without reaching into uPlot: the browser
// tests read those (data-points, data-step, data-peak, data-bands, data-marks, data-claims, …).

import { typicalStep } from './chart-data.js';
import { formatClock, formatCount, formatDuration, formatFailureShare, RANGES, sum } from './format.js';
import { bandEnd, dwarfRatio } from './target-overlay-data.js';

// A claim this many times above the data squeezes the line flat: the page suggests the log axis.
const DWARF_HINT = 20;

const $ = (id) => document.getElementById(id);
const shown = (values) => values.filter((v) => v !== null && v !== undefined).length;

function showMessage(text) {
  const message = $('message');
  message.textContent = text;
  message.hidden = !text;
  message.classList.remove('error');
}

/** @param ctx `{ s, charts, els, claimValues }`: the page state, its charts and containers, the on-scale claim values in view */
export function describeView({ s, charts, els, claimValues }) {
  const now = Date.now();
  const { view, model } = s;
  const inView = (t) => t >= view.from && t <= view.to;
  for (const [p, u] of Object.entries(charts)) {
    els[p].dataset.xMin = String(u.scales.x.min);
    els[p].dataset.xMax = String(u.scales.x.max);
  }
  const d = els.listeners.dataset;
  d.points = String(shown(charts.listeners.data[1]));
  d.step = String(typicalStep(s.held.listeners.t.filter(inView), 2) ?? '');
  d.peak = model.peak ? String(model.peak.value) : '';
  d.bands = String(model.bands.filter((b) => b.from <= view.to && bandEnd(b, now) >= view.from).length);
  d.marks = String(model.marks.filter((m) => inView(m.at)).length);
  d.claims = String(model.claims.filter((c) => inView(c.at)).length);
  d.zoomed = String(Boolean(s.zoom));
  d.log = String(s.log);
  els.latency.dataset.points = String(shown(charts.latency.data[1]));
  els.joins.dataset.attempts = String(sum(s.buckets.attempts));
  els.joins.dataset.failures = String(sum(s.buckets.failures));

  $('failures').textContent = formatFailureShare(sum(s.buckets.failures), sum(s.buckets.attempts));
  $('peak').textContent = formatCount(model.peak?.value);
  $('peak-note').textContent = model.peak ? `at ${formatClock(model.peak.at)}` : '';
  const span = formatDuration(view.to - view.from);
  $('shown').textContent = s.zoom
    ? `zoomed: ${formatClock(view.from)} – ${formatClock(view.to)} (${span})`
    : view.fitted
      ? `showing the last ${span} (all data) · since ${formatClock(view.from)}`
      : `showing the last ${formatDuration(RANGES[s.rangeKey])} · since ${formatClock(view.from)}`;
  $('bucket').textContent = `· share of attempts per ${formatDuration(s.buckets.width)}`;
  const noData = Object.values(s.held).every((series) => series.t.length === 0);
  showMessage(noData ? (s.zoom ? 'No observations in this range.' : `No observations in the last ${formatDuration(RANGES[s.rangeKey])}.`) : '');

  const ratio = dwarfRatio(model.peak?.value, claimValues);
  const dwarf = $('dwarf');
  dwarf.hidden = s.log || ratio < DWARF_HINT;
  dwarf.textContent = dwarf.hidden ? '' : `A claim in view is ${formatCount(ratio)}× the highest count measured: the log scale shows both.`;
}
