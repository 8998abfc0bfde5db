import { api } from './api.js';
import { formatCount, formatDuration } from './format.js';
import { drawChart, markersIn } from './report-chart.js';
import { claimed, codes, figures, ratio, reportPath, share, utc } from './report-format.js';

// The printable post-incident report of one target: GET /api/v1/targets/:id/report (JSON) for the
// figures and tables, /series for the chart. `?from=&to=` on the page URL pass through to the API.
// Claimants, quotes, mark texts and target names are user input: everything goes in as textContent.

const HEIGHT = 320;
// A4 or Letter portrait at 96 dpi, less the margins: the chart prints at this width.
const PRINT_WIDTH = 680;
const PRINT_HEIGHT = 260;
const VERDICTS = ['consistent', 'overstated', 'understated', 'unverifiable'];

const id = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').at(-2) ?? '');
const query = new URLSearchParams(location.search);
const $ = (sel) => document.getElementById(sel);

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** Rows of cells (a string, or `{ text, className }`); one muted row saying `empty` when there are none. */
function fillTable(tableId, rows, empty) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    const td = el('td', empty, 'empty');
    td.colSpan = $(tableId).tHead.rows[0].cells.length;
    const tr = el('tr');
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const cells of rows) {
    const tr = el('tr');
    for (const c of cells) tr.append(typeof c === 'string' ? el('td', c) : el('td', c.text, c.className));
    body.append(tr);
  }
}

function showMessage(text, isError = false) {
  $('message').textContent = text;
  $('message').hidden = !text;
  $('message').classList.toggle('error', isError);
}

function render(r) {
  document.title = `${r.target.name} · report · spacewatch`;
  $('name').textContent = r.target.name;
  $('tid').textContent = r.target.id;
  $('range').textContent = `${r.range.from ? utc(r.range.from) : 'from the oldest observation kept'} to ${utc(r.range.to)}`;
  $('summary').textContent = r.summary;

  const dl = $('figures');
  dl.replaceChildren();
  for (const [key, label, value] of figures(r)) {
    const div = el('div', undefined, 'figure');
    div.dataset.figure = key;
    div.append(el('dt', label), el('dd', value));
    dl.append(div);
  }

  fillTable('timeline', r.timeline.map((m) => [utc(m.at), { text: m.text, className: `kind kind-${m.kind}` }]), 'Nothing in this range.');

  const jf = r.methodology.joinFailures;
  $('jf-rule').textContent = `· ${formatDuration(jf.bucketMs)} buckets with ≥ ${jf.minAttempts} attempts and ≥ ${share(jf.rate)} failed, adjacent ones merged`;
  fillTable(
    'join-failures',
    r.joinFailures.map((e) => [utc(e.from), utc(e.to), formatDuration(e.durationMs), { text: formatCount(e.failed), className: 'num' }, { text: formatCount(e.attempts), className: 'num' }, { text: share(e.share), className: 'num' }, codes(e.codes)]),
    'None.',
  );
  fillTable(
    'alerts',
    r.alerts.map((a) => [a.rule, utc(a.firedAt), a.resolvedAt ? utc(a.resolvedAt) : { text: 'still firing', className: 'firing' }, a.durationMs === null ? '—' : formatDuration(a.durationMs), a.summary ?? '']),
    'No alert fired in this range.',
  );
  fillTable(
    'claims',
    r.claims.map((c) => {
      const v = c.verdict;
      const label = VERDICTS.includes(v.label) ? v.label : 'unverifiable';
      const measured = typeof v.measured === 'number' ? formatCount(v.measured) : (v.measuredState ?? '—');
      return [utc(c.at), c.claimant, claimed(c), { text: measured, className: 'num' }, { text: ratio(v.ratio), className: 'num' }, { text: `${v.label}: ${v.reason}`, className: `verdict verdict-${label}` }, c.quote ? `“${c.quote}”` : ''];
    }),
    'No claims about this range.',
  );

  const notes = $('notes');
  notes.replaceChildren(...r.methodology.notes.map((n) => el('li', n)));
  $('sha256').textContent = r.sha256;
  $('verify').textContent = `grep -v '^#' ${r.target.id}-report.csv | sha256sum`;

  const enc = encodeURIComponent(r.target.id);
  for (const [linkId, format, ext] of [['dl-md', 'md', 'md'], ['dl-csv', 'csv', 'csv'], ['dl-json', 'json', 'json']]) {
    const a = $(linkId);
    a.href = reportPath(r.target.id, format, r.range.from, r.range.to);
    a.download = `${enc}-report.${ext}`;
  }
}

/** The chart's x range: the observations, stretched to the schedule, the end and the claims inside the report's range. */
function chartRange(r) {
  const lo = r.range.from ? Date.parse(r.range.from) : -Infinity;
  const hi = Date.parse(r.range.to);
  const times = [r.methodology.firstAt, r.methodology.lastAt, r.schedule.start, r.endedAt, ...r.claims.map((c) => c.at)]
    .filter(Boolean)
    .map((t) => Date.parse(t))
    .filter((t) => t >= lo && t <= hi);
  if (times.length === 0) return undefined;
  let from = Math.min(...times);
  let to = Math.max(...times);
  const pad = Math.max(r.target.intervalMs, (to - from) * 0.02);
  from = Math.max(lo, from - pad);
  to = Math.min(hi, to + pad);
  return { from, to };
}

function legend(r, range) {
  const ul = $('claim-legend');
  const shown = markersIn(r.claims, range.from, range.to);
  ul.replaceChildren(
    ...shown.map((c) => {
      const li = el('li', `◆ ${utc(c.at).slice(11)} · ${c.claimant}: ${claimed(c)} claimed · ${c.verdict.label}`);
      li.dataset.verdict = VERDICTS.includes(c.verdict.label) ? c.verdict.label : 'unverifiable';
      return li;
    }),
  );
}

async function chart(r) {
  const range = chartRange(r);
  const box = $('chart');
  if (!range) {
    box.dataset.points = '0';
    box.dataset.markers = '0';
    box.append(el('p', 'No observations in this range.', 'empty'));
    return;
  }
  const width = () => Math.max(300, box.clientWidth);
  const maxPoints = Math.min(10_000, Math.max(200, width()));
  const series = await api.series(r.target.id, 'listeners', range.from, range.to, maxPoints);
  const u = drawChart(box, { series, claims: r.claims, range, maxGapMs: r.methodology.maxGapMs, width: width(), height: HEIGHT });
  legend(r, range);

  // Paper is narrower than a screen: size the chart for it while printing, and back afterwards.
  let printing = false;
  const fit = () => (printing ? u.setSize({ width: PRINT_WIDTH, height: PRINT_HEIGHT }) : u.setSize({ width: width(), height: HEIGHT }));
  const setPrinting = (on) => {
    if (on === printing) return;
    printing = on;
    fit();
    box.dataset.print = String(on);
  };
  const media = window.matchMedia('print');
  media.addEventListener('change', (e) => setPrinting(e.matches));
  window.addEventListener('beforeprint', () => setPrinting(true));
  window.addEventListener('afterprint', () => setPrinting(media.matches));
  new ResizeObserver(() => {
    if (!printing && width() !== u.width) fit();
  }).observe(box);
}

async function main() {
  const enc = encodeURIComponent(id);
  $('link-chart').href = `/targets/${enc}`;
  $('link-timeline').href = `/targets/${enc}/timeline`;
  $('link-report').href = `/targets/${enc}/report${location.search}`;
  $('print').addEventListener('click', () => window.print());
  $('status').textContent = 'building the report…';
  let r;
  try {
    r = await api.report(id, { from: query.get('from'), to: query.get('to') });
  } catch (err) {
    $('name').textContent = id || '(no id)';
    $('status').textContent = '';
    showMessage(err.status === 404 ? `No target "${id}".` : `Cannot build this report: ${err.message}`, true);
    return;
  }
  render(r);
  try {
    await chart(r);
    $('status').textContent = `report generated ${utc(r.generatedAt)} UTC`;
  } catch (err) {
    $('status').textContent = `cannot load the chart (${err.message})`;
    $('status').classList.add('error');
  }
}

main();
