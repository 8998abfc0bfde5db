import uPlot from '/assets/uplot/uPlot.esm.js';
import { api } from './api.js';
import { axisCount, maxPointsFor, peakOf } from './chart-data.js';
import { alignSeries, anchorOf, fetchWindow, formatT, mergeAligned, MINUTE, MINUTE_INCRS, xRange } from './compare-align.js';
import { formatClock, formatCount, formatDuration, formatLateness } from './format.js';
import { axisStyle as axis, cssVar as css } from './theme.js';

// Two broadcasts' listener counts on one chart, each shifted so its scheduled start is T+0 (or,
// without a schedule, its on-air moment or first observation: the card says which). The choice
// lives in the URL (?a=<id>&b=<id>), so a comparison can be linked. Target names are user input:
// textContent only (uPlot's legend uses textContent too).

const SIDES = ['a', 'b'];
const HEIGHT = 420;

const $ = (sel) => document.getElementById(sel);

let targets = [];
let chart;
let generation = 0;

function showMessage(text, isError = false) {
  $('message').textContent = text;
  $('message').hidden = !text;
  $('message').classList.toggle('error', isError);
}

function picked() {
  const q = new URLSearchParams(location.search);
  return { a: q.get('a') ?? '', b: q.get('b') ?? '' };
}

function setPicked(p) {
  const q = new URLSearchParams();
  if (p.a) q.set('a', p.a);
  if (p.b) q.set('b', p.b);
  const s = q.toString();
  history.replaceState(null, '', `${location.pathname}${s ? `?${s}` : ''}`);
}

function fillPickers() {
  const p = picked();
  for (const side of SIDES) {
    const select = $(`pick-${side}`);
    const keep = select.firstElementChild;
    const options = targets.map((t) => {
      const o = document.createElement('option');
      o.value = t.id;
      o.textContent = t.name === t.id ? t.id : `${t.name} (${t.id})`;
      return o;
    });
    select.replaceChildren(keep, ...options);
    select.value = targets.some((t) => t.id === p[side]) ? p[side] : '';
  }
}

function delayText(status) {
  if (!status) return '—';
  const d = status.delayMs;
  if (status.onAirAt) {
    if (typeof d !== 'number') return `on air ${formatClock(Date.parse(status.onAirAt))} (no scheduled start)`;
    return `on air ${formatLateness(d)}`;
  }
  if (status.status === 'delayed' && typeof d === 'number') return `not on air yet · ${formatDuration(Math.max(0, d))} late so far`;
  if (!status.scheduledStart) return 'no scheduled start';
  return `not on air (${status.status})`;
}

/** One side: the target, its anchor, its aligned series and the facts the card shows. */
async function loadSide(id, width) {
  const target = await api.target(id);
  const now = Date.now();
  const maxPoints = maxPointsFor(width);
  let anchor = anchorOf(target);
  let series;
  if (anchor) {
    const w = fetchWindow(anchor.at, target, now);
    series = await api.series(id, 'listeners', w.from, w.to, maxPoints);
  } else {
    // Nothing scheduled and never on air: T+0 is the first thing recorded, so read it all.
    series = await api.series(id, 'listeners', 0, now, maxPoints);
    anchor = anchorOf(target, series.t[0]);
  }
  if (!anchor) return { target, anchor: undefined, aligned: { x: [], v: [] } };
  const aligned = alignSeries(series, anchor.at, target.intervalMs);
  const onAir = Date.parse(target.status?.onAirAt ?? '');
  const peak = peakOf({ t: aligned.x, v: aligned.v });
  return { target, anchor, aligned, onAirX: Number.isFinite(onAir) ? (onAir - anchor.at) / MINUTE : undefined, peak: peak && { value: peak.value, x: peak.at } };
}

function showCard(side, s) {
  const card = $(`card-${side}`);
  card.hidden = !s;
  if (!s) return;
  const name = $(`name-${side}`);
  name.textContent = s.target.name;
  name.href = `/targets/${encodeURIComponent(s.target.id)}`;
  $(`anchor-${side}`).textContent = s.anchor ? `${s.anchor.label}, ${new Date(s.anchor.at).toLocaleString('en-GB', { hourCycle: 'h23' })}` : 'no data yet';
  $(`peak-${side}`).textContent = s.peak ? `${formatCount(s.peak.value)} at ${formatT(s.peak.x)}` : '—';
  $(`delay-${side}`).textContent = delayText(s.target.status);
}

/** Dashed vertical lines at each broadcast's on-air moment, and a thin one at T+0. */
function drawMarkers(sides) {
  return (u) => {
    const { ctx, bbox } = u;
    // Labels on rows of their own, so lines close together (A on air a minute after T+0) stay readable.
    const line = (x, color, dash, label, row) => {
      const px = Math.round(u.valToPos(x, 'x', true));
      if (px < bbox.left || px > bbox.left + bbox.width) return;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2 * uPlot.pxRatio;
      ctx.setLineDash(dash.map((d) => d * uPlot.pxRatio));
      ctx.beginPath();
      ctx.moveTo(px, bbox.top);
      ctx.lineTo(px, bbox.top + bbox.height);
      ctx.stroke();
      if (label) {
        ctx.font = `${12 * uPlot.pxRatio}px system-ui, sans-serif`;
        ctx.textAlign = 'left'; // uPlot leaves the axes' alignment on the context
        ctx.textBaseline = 'alphabetic';
        ctx.fillText(label, px + 4 * uPlot.pxRatio, bbox.top + (14 + 16 * row) * uPlot.pxRatio);
      }
      ctx.restore();
    };
    line(0, css('--muted'), [2, 3], 'T+0', 0);
    sides.forEach((s, i) => {
      if (s.onAirX !== undefined) line(s.onAirX, s.color, [8, 5], `${s.side.toUpperCase()} on air`, i + 1);
    });
  };
}

function draw(sides) {
  const el = $('chart');
  chart?.destroy();
  chart = undefined;
  const shown = sides.filter((s) => s && s.anchor);
  delete el.dataset.xMin;
  delete el.dataset.xMax;
  for (const side of SIDES) {
    for (const key of ['anchor', 'anchorLabel', 'onairX', 'points', 'peakX']) delete el.dataset[`${key}${side.toUpperCase()}`];
  }
  if (shown.length === 0) return;

  const [xMin, xMax] = xRange(shown.map((s) => s.aligned));
  const data = mergeAligned(shown.map((s) => s.aligned));
  const x = data[0];
  chart = new uPlot(
    {
      width: el.clientWidth,
      height: HEIGHT,
      // Room on the right for the last tick's label.
      padding: [12, 40, 0, 0],
      cursor: { drag: { x: true, y: false } },
      scales: {
        // uPlot asks for the data's extent at first and on a double-click (its reset): show the lead
        // before T+0 then, not just the data; a drag zoom asks for its own range and gets it.
        x: { time: false, range: (_u, min, max) => (x.length === 0 || (min <= x[0] && max >= x[x.length - 1]) ? [xMin, xMax] : [min, max]) },
        y: { range: (_u, _min, max) => [0, Math.max(10, (max || 0) * 1.1)] },
      },
      axes: [axis({ incrs: MINUTE_INCRS, space: 90, values: (_u, ticks) => ticks.map(formatT) }), axis({ size: 80, values: (_u, ticks) => ticks.map(axisCount) })],
      series: [
        { label: 'time', value: (_u, v) => formatT(v) },
        ...shown.map((s) => ({ label: s.target.name, stroke: s.color, width: 2, spanGaps: false, value: (_u, v) => formatCount(v) })),
      ],
      hooks: {
        draw: [drawMarkers(shown)],
        // What the chart shows, readable without reaching into uPlot (the browser test reads these).
        setScale: [
          (u, key) => {
            if (key !== 'x') return;
            el.dataset.xMin = String(u.scales.x.min);
            el.dataset.xMax = String(u.scales.x.max);
          },
        ],
      },
    },
    data,
    el,
  );

  for (const s of shown) {
    const k = s.side.toUpperCase();
    el.dataset[`anchor${k}`] = new Date(s.anchor.at).toISOString();
    el.dataset[`anchorLabel${k}`] = s.anchor.label;
    el.dataset[`points${k}`] = String(s.aligned.v.filter((v) => typeof v === 'number').length);
    if (s.onAirX !== undefined) el.dataset[`onairX${k}`] = String(s.onAirX);
    if (s.peak) el.dataset[`peakX${k}`] = String(s.peak.x);
  }
}

/** One side, or `{ id, error }` when it cannot be loaded: the other side is still shown. */
async function loadPicked(side, id, width) {
  if (!id) return undefined;
  try {
    return { ...(await loadSide(id, width)), side, color: css(`--series-${side}`) };
  } catch (err) {
    return { side, id, error: err };
  }
}

async function load() {
  const mine = ++generation;
  const p = picked();
  const width = $('chart').clientWidth;
  const results = await Promise.all(SIDES.map((side) => loadPicked(side, p[side], width)));
  if (mine !== generation) return; // another pick while this one loaded
  const sides = results.map((r) => (r && !r.error ? r : undefined));
  SIDES.forEach((side, i) => showCard(side, sides[i]));
  draw(sides);

  const failed = results.filter((r) => r?.error);
  const gone = failed.filter((r) => r.error.status === 404).map((r) => `"${r.id}"`);
  const other = failed.find((r) => r.error.status !== 404);
  const missing = sides.filter((s) => s && !s.anchor).map((s) => s.target.name);
  if (gone.length) showMessage(`No target ${gone.join(' or ')}: pick another.`, true);
  else if (!p.a && !p.b) showMessage('Pick two broadcasts to compare.');
  else if (missing.length) showMessage(`No observations yet for ${missing.join(' and ')}.`);
  else showMessage('');
  $('status').textContent = other ? `cannot reach the API (${other.error.message})` : `loaded ${formatClock(Date.now())}`;
  $('status').classList.toggle('error', Boolean(other));
}

async function main() {
  try {
    targets = await api.targets();
  } catch (err) {
    showMessage(`Cannot list targets: ${err.message}`, true);
    return;
  }
  fillPickers();
  const onPick = () => {
    setPicked({ a: $('pick-a').value, b: $('pick-b').value });
    load();
  };
  $('pick-a').addEventListener('change', onPick);
  $('pick-b').addEventListener('change', onPick);
  $('swap').addEventListener('click', () => {
    const { a, b } = picked();
    setPicked({ a: b, b: a });
    fillPickers();
    load();
  });
  $('pickers').addEventListener('submit', (e) => e.preventDefault());
  new ResizeObserver(() => {
    const width = $('chart').clientWidth;
    if (chart && width !== chart.width) chart.setSize({ width, height: HEIGHT });
  }).observe($('chart'));
  load();
}

main();
