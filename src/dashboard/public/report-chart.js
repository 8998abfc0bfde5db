// The report's listeners chart: one uPlot line over the report's range, with each claim drawn at its
// instant and claimed value. A claim far above the audience (60 million against 19,000) would flatten
// the line to nothing if the scale followed it, so the scale covers the counts (and claims up to
// twice the peak); claims above it get a ▲ at the top edge with their figure.

import uPlot from '/assets/uplot/uPlot.esm.js';
import { axisCount, bridgeGaps } from './chart-data.js';
import { formatCount } from './format.js';
import { utc } from './report-format.js';

const css = (name) => window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** "20:30" ("20:30:15" when ticks are under a minute apart), with the date under the first tick of each day. */
function utcTick(t, i, ticks) {
  const s = utc(t);
  const day = s.slice(0, 10);
  const time = ticks.length > 1 && ticks[1] - ticks[0] < 60_000 ? s.slice(11, 19) : s.slice(11, 16);
  return i === 0 || utc(ticks[i - 1]).slice(0, 10) !== day ? `${time}\n${day}` : time;
}

/** Claims worth a marker: those about an instant inside the chart's range. */
export function markersIn(claims, from, to) {
  return claims.filter((c) => {
    const at = Date.parse(c.at);
    return at >= from && at <= to;
  });
}

/**
 * @param el the container
 * @param series `{ t, v }` listeners from /series
 * @param claims the report's claims (ISO `at`)
 * @param range `{ from, to }` epoch ms
 * @param maxGapMs counts further apart are drawn with a break (the report's methodology.maxGapMs)
 */
export function drawChart(el, { series, claims, range, maxGapMs, width, height }) {
  const line = bridgeGaps(series, maxGapMs);
  const shown = markersIn(claims, range.from, range.to);
  let top = 0;
  for (const v of line.v) if (typeof v === 'number' && v > top) top = v;
  const peak = top;
  for (const c of shown) if (typeof c.value === 'number' && c.value <= 2 * Math.max(peak, 1) && c.value > top) top = c.value;

  const axis = { stroke: css('--report-axis'), font: '13px system-ui, sans-serif', grid: { stroke: css('--report-grid'), width: 1 }, ticks: { stroke: css('--report-grid') } };
  // Each claim in its verdict's colour; the page's CSS defines one per label.
  const colour = (c) => css(`--verdict-${['consistent', 'overstated', 'understated'].includes(c.verdict?.label) ? c.verdict.label : 'unverifiable'}`);
  const drawClaims = (u) => {
    const ctx = u.ctx;
    ctx.save();
    const dpr = uPlot.pxRatio;
    for (const c of shown) {
      const x = Math.round(u.valToPos(Date.parse(c.at), 'x', true));
      const yTop = u.bbox.top;
      const yBottom = u.bbox.top + u.bbox.height;
      const marker = colour(c);
      ctx.strokeStyle = marker;
      ctx.fillStyle = marker;
      ctx.lineWidth = dpr;
      ctx.setLineDash([4 * dpr, 4 * dpr]);
      ctx.beginPath();
      ctx.moveTo(x, yTop);
      ctx.lineTo(x, yBottom);
      ctx.stroke();
      ctx.setLineDash([]);
      const r = 6 * dpr;
      if (typeof c.value !== 'number') continue; // a state claim: the line alone
      const above = c.value > u.scales.y.max;
      const y = above ? yTop + r : u.valToPos(c.value, 'y', true);
      ctx.beginPath();
      if (above) {
        ctx.moveTo(x, y - r);
        ctx.lineTo(x + r, y + r);
        ctx.lineTo(x - r, y + r);
      } else {
        ctx.moveTo(x, y - r);
        ctx.lineTo(x + r, y);
        ctx.lineTo(x, y + r);
        ctx.lineTo(x - r, y);
      }
      ctx.closePath();
      ctx.fill();
      if (above) {
        ctx.font = `${12 * dpr}px system-ui, sans-serif`;
        ctx.textBaseline = 'top';
        ctx.textAlign = 'left'; // uPlot leaves its axis alignment on the context
        const text = `${formatCount(c.value)} claimed`;
        const w = ctx.measureText(text).width;
        // Keep the label inside the plot on the right-hand side.
        const tx = x + r + 4 * dpr + w > u.bbox.left + u.bbox.width ? x - r - 4 * dpr - w : x + r + 4 * dpr;
        ctx.fillText(text, tx, yTop + 2 * dpr);
      }
    }
    ctx.restore();
  };

  const u = new uPlot(
    {
      width,
      height,
      ms: 1,
      // The report speaks UTC; so does its axis.
      tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: () => [range.from, range.to] }, y: { range: () => [0, Math.max(10, top * 1.1)] } },
      axes: [{ ...axis, values: (_u, ticks) => ticks.map(utcTick) }, { ...axis, size: 80, values: (_u, ticks) => ticks.map(axisCount) }],
      series: [
        { label: 'time (UTC)', value: (_u, v) => (v === null || v === undefined ? '—' : utc(v)) },
        { label: 'listeners', stroke: css('--listeners'), fill: css('--listeners-fill'), width: 2, spanGaps: false, value: (_u, v) => formatCount(v) },
      ],
      hooks: { draw: [drawClaims] },
    },
    [line.t, line.v],
    el,
  );
  el.dataset.points = String(line.v.filter((v) => v !== null && v !== undefined).length);
  el.dataset.markers = String(shown.length);
  el.dataset.xMin = String(range.from);
  el.dataset.xMax = String(range.to);
  return u;
}
