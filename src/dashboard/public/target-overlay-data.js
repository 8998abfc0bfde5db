// What the target page draws over its charts, from API answers: alert bands, operator marks, claim
// markers, the peak. Pure (no DOM, no uPlot), so test/http/dashboard.test.ts checks it in Node.

import { formatClock, formatCount, formatDuration, instantMs as ms } from './format.js';
const str = (v) => (typeof v === 'string' ? v : '');

/**
 * One band per `alert-firing` timeline entry: from when it fired to `until` (its resolution), or
 * `to: null` while it is ongoing, so the band grows with the clock at draw time.
 */
export function alertBands(entries) {
  const out = [];
  for (const e of entries) {
    if (e.type !== 'alert-firing') continue;
    const from = ms(e.at);
    const until = ms(e.until);
    if (!Number.isFinite(from)) continue;
    out.push({ id: str(e.id), rule: str(e.data?.rule) || 'alert', from, to: Number.isFinite(until) ? until : null, summary: str(e.data?.summary) });
  }
  return out;
}

/** Where a band ends as of `now`: its resolution, or now while it still fires. */
export function bandEnd(band, now) {
  return band.to ?? Math.max(band.from, now);
}

/** Operator marks (`mark` timeline entries). */
export function markLines(entries) {
  const out = [];
  for (const e of entries) {
    const at = ms(e.at);
    if (e.type === 'mark' && Number.isFinite(at)) out.push({ id: str(e.id), at, kind: str(e.data?.kind) || 'note', text: str(e.data?.text) });
  }
  return out;
}

/**
 * A colour per alert rule, the same rule always the same colour on one page: rules sorted by name
 * take the palette in turn.
 */
export function ruleColors(rules, palette) {
  const sorted = [...new Set(rules)].sort();
  return new Map(sorted.map((r, i) => [r, palette[i % palette.length]]));
}

// Only these metrics are counts on the listeners axis; `views` are cumulative impressions and
// `state` is not a number, so those claims sit on the top edge instead of stretching the axis.
const ON_SCALE = new Set(['listeners', 'capacity']);

/** Claims (GET /claims) as markers: where they sit, and what the tooltip says. */
export function claimMarkers(claims) {
  return claims.map((c) => {
    const v = c.verdict ?? {};
    return {
      id: str(c.id),
      at: ms(c.at),
      metric: str(c.metric),
      value: typeof c.value === 'number' ? c.value : undefined,
      stateValue: str(c.stateValue),
      onScale: ON_SCALE.has(c.metric) && typeof c.value === 'number',
      measured: typeof v.measured === 'number' ? v.measured : undefined,
      measuredAt: ms(v.measuredAt),
      measuredState: str(v.measuredState),
      ratio: typeof v.ratio === 'number' ? v.ratio : undefined,
      label: ['consistent', 'overstated', 'understated'].includes(v.label) ? v.label : 'unverifiable',
      reason: str(v.reason),
      claimant: str(c.claimant),
      quote: str(c.quote),
      sourceUrl: str(c.sourceUrl),
    };
  });
}

/** "50×", "12.5×", "0.98×": enough digits to tell consistent from not, no more. */
export function formatRatio(r) {
  if (typeof r !== 'number' || !Number.isFinite(r)) return '—';
  if (r >= 100) return `${formatCount(r)}×`;
  if (r >= 10) return `${+r.toFixed(1)}×`;
  return `${+r.toFixed(2)}×`;
}

/** The tooltip of a claim as [label, text] rows; strings only (the page sets them as text). */
export function claimRows(c) {
  const claimed = c.metric === 'state' ? c.stateValue || '—' : `${formatCount(c.value)} ${c.metric}`;
  const rows = [
    ['claimant', c.claimant],
    ['claimed', `${claimed} at ${formatClock(c.at)}`],
  ];
  if (c.quote) rows.push(['quote', `“${c.quote}”`]);
  if (c.measured !== undefined) rows.push(['measured', `${formatCount(c.measured)}${c.measuredAt ? ` at ${formatClock(c.measuredAt)}` : ''}`]);
  else if (c.measuredState) rows.push(['measured', c.measuredState]);
  if (c.ratio !== undefined) rows.push(['ratio', `${formatRatio(c.ratio)} claimed ÷ measured`]);
  rows.push(['verdict', c.reason ? `${c.label}: ${c.reason}` : c.label]);
  if (c.sourceUrl) rows.push(['source', c.sourceUrl]);
  return rows;
}

export function bandRows(b, now) {
  const end = bandEnd(b, now);
  return [
    ['rule', b.rule],
    ...(b.summary ? [['summary', b.summary]] : []),
    ['firing', `${formatClock(b.from)} – ${b.to === null ? 'now (ongoing)' : formatClock(b.to)} (${formatDuration(end - b.from)})`],
  ];
}

export function markRows(m) {
  return [['mark', m.kind], ...(m.text ? [['text', m.text]] : []), ['at', formatClock(m.at)]];
}

/**
 * The listeners axis: from 0 to 10 % above the highest of the data and the on-scale claims in view,
 * so a claim fifty times the line is still on the chart. On a log axis (chosen when claims dwarf the
 * data) from a decade under the smallest positive count, since log(0) has no place.
 */
export function listenersRange(dataMin, dataMax, claimValues, log) {
  let top = typeof dataMax === 'number' && Number.isFinite(dataMax) ? dataMax : 0;
  let bottom = typeof dataMin === 'number' && dataMin > 0 ? dataMin : Infinity;
  for (const v of claimValues) {
    if (v > top) top = v;
    if (v > 0 && v < bottom) bottom = v;
  }
  if (!log) return [0, Math.max(10, top * 1.1)];
  const lo = Number.isFinite(bottom) ? 10 ** Math.floor(Math.log10(bottom)) : 1;
  return [Math.max(1, lo), Math.max(10, 10 ** Math.ceil(Math.log10(Math.max(top, 1) * 1.1)))];
}

/** How many times the largest on-scale claim exceeds the data's highest count (1 when it does not). */
export function dwarfRatio(dataMax, claimValues) {
  const top = Math.max(0, ...claimValues);
  if (!(dataMax > 0)) return top > 0 ? Infinity : 1;
  return Math.max(1, top / dataMax);
}
