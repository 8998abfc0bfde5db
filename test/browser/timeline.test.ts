// The timeline page in a real Chromium against the real app, seeded through the public API (and the
// store, for the alert transitions the alert engine would write): events in order, spans in words,
// filters, live following, and hostile texts rendered as text. Plus its pure helpers, in Node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';

const PUBLIC = new URL('../../src/dashboard/public/', import.meta.url);
const XSS_TEXT = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script> mic dead';
const MIN = 60_000;

let rig: BrowserRig;
// Scheduled start, on a whole minute an hour ago.
const S = Math.floor((Date.now() - 60 * MIN) / MIN) * MIN;

before(async () => {
  rig = await startBrowserRig();
  const source = { kind: 'x-space', spaceId: '1Timeline', url: 'http://127.0.0.1:9' };
  await rig.api('POST', '/targets', { id: 'tl-show', name: 'Timeline show', source, intervalMs: 5000, schedule: { start: new Date(S).toISOString() } });
  const ev = (at: number, type: string, data: Record<string, unknown>) => rig.store.appendEvent('tl-show', { at, type, data });
  await ev(S + 1 * MIN, 'state-change', { from: 'scheduled', to: 'live' });
  await ev(S + 5 * MIN, 'alert-firing', { rule: 'join_failures', from: 'pending', value: 0.4, threshold: 0.2, summary: 'join failures 40 % over 2 min (12 of 30 failed)' });
  await ev(S + 41 * MIN, 'alert-resolved', { rule: 'join_failures', from: 'firing', value: 0.01, threshold: 0.2, summary: 'join failures 1 % over 2 min' });
  await ev(S + 50 * MIN, 'alert-firing', { rule: 'drop', from: 'pending', value: 45, threshold: 30, summary: 'listeners fell 45 % in 5 min' });
  await rig.api('POST', '/targets/tl-show/marks', { at: S + 2 * MIN, kind: 'program-start', text: 'host on' });
  await rig.api('POST', '/targets/tl-show/marks', { at: S + 20 * MIN, kind: 'incident', text: XSS_TEXT });
  await rig.api('POST', '/targets/tl-show/claims', { at: S + 30 * MIN, metric: 'listeners', value: 60_000_000, claimant: '@host', quote: '60 million listening' });
});

after(async () => {
  await rig?.close();
});

test('timeline page: every event in time order, spans and durations in words, offsets from the scheduled start', async () => {
  const { page, problems } = await rig.open('/targets/tl-show/timeline');
  await page.locator('#rows[data-count="7"]').waitFor();

  const rows = page.locator('#rows tr.tl-row');
  const ats = (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-at') ?? ''))).map((a) => Date.parse(a));
  assert.deepEqual(ats.map((a) => (a - S) / MIN), [1, 2, 5, 20, 30, 41, 50], 'time order');
  const titles = await page.locator('#rows .tl-title').allTextContents();
  assert.deepEqual(titles, [
    'State scheduled → live',
    'Programme start',
    'join failures firing',
    'Incident',
    'Claim by @host: 60,000,000 listeners',
    'join failures resolved',
    'listener drop firing',
  ]);
  const offsets = await page.locator('#rows .tl-offset').allTextContents();
  assert.deepEqual(offsets, ['T+1 min', 'T+2 min', 'T+5 min', 'T+20 min', 'T+30 min', 'T+41 min', 'T+50 min']);

  // Closed spans: "HH:MM:SS–HH:MM:SS, 36 min"; the programme runs on (no program-end), as does the drop.
  const firing = rows.nth(2);
  assert.match(await firing.locator('.tl-span').innerText(), /^\d\d:\d\d:00–\d\d:\d\d:00, 36 min$/);
  assert.equal(await firing.locator('.tl-detail').innerText(), 'join failures 40 % over 2 min (12 of 30 failed)');
  assert.match(await rows.nth(1).locator('.tl-span').innerText(), /^since \d\d:\d\d:00, 5\d min( \d+ s)? so far$/);
  assert.match(await rows.nth(6).locator('.tl-span').innerText(), /^since \d\d:\d\d:00, 1\d min( \d+ s)? so far$/);
  assert.equal(await rows.nth(4).locator('.tl-detail').innerText(), '“60 million listening”');

  // Header: links per contracts.md §4 and the report downloads.
  assert.equal(await page.locator('#nav-chart').getAttribute('href'), '/targets/tl-show');
  assert.equal(await page.locator('#nav-report').getAttribute('href'), '/targets/tl-show/report');
  assert.equal(await page.locator('#dl-csv').getAttribute('href'), '/api/v1/targets/tl-show/report?format=csv');
  assert.equal(await page.locator('#dl-md').getAttribute('href'), '/api/v1/targets/tl-show/report?format=md');
  assert.equal(await page.locator('#truncated').isVisible(), false);
  await rig.closeClean(page, problems);
});

test('timeline page: a hostile mark text renders as text', async () => {
  const { page, problems } = await rig.open('/targets/tl-show/timeline');
  const incident = page.locator('#rows tr.tl-row[data-type="mark"]', { hasText: 'Incident' });
  await incident.waitFor();
  assert.equal(await incident.locator('.tl-detail').textContent(), XSS_TEXT);
  assert.equal(await page.locator('main img, main script').count(), 0);
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
  await rig.closeClean(page, problems);
});

test('timeline page: kind and time filters live in the URL; new events appear without a reload', async () => {
  const { page, problems } = await rig.open('/targets/tl-show/timeline?kind=alerts');
  await page.locator('#rows[data-count="3"]').waitFor();
  assert.equal(await page.locator('#kinds button[aria-pressed="true"]').innerText(), 'Alerts');
  assert.deepEqual(await page.locator('#rows .tl-tag').allTextContents(), ['alert', 'alert', 'alert']);

  await page.locator('#kinds button[data-kind="marks"]').click();
  await page.waitForURL(/\?kind=marks$/);
  await page.locator('#rows[data-count="2"]').waitFor();

  // A time range is asked of the API: only the incident (T+20) lies in T+10…T+25.
  // The browser's local time (its time zone, not this process's), as datetime-local wants it.
  const local = async (ms: number) => {
    const parts = await page.evaluate((t) => {
      const d = new Date(t);
      return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
    }, ms);
    const [y, ...rest] = parts.map((n) => String(n).padStart(2, '0'));
    return `${y}-${rest[0]}-${rest[1]}T${rest[2]}:${rest[3]}:${rest[4]}`;
  };
  await page.locator('#from').fill(await local(S + 10 * MIN));
  await page.locator('#to').fill(await local(S + 25 * MIN));
  await page.locator('#rows[data-count="1"]').waitFor();
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('from'), new Date(S + 10 * MIN).toISOString());
  assert.equal(url.searchParams.get('to'), new Date(S + 25 * MIN).toISOString());

  await page.locator('#all-time').click();
  await page.locator('#rows[data-count="2"]').waitFor();

  // Followed live: a mark posted now shows up on its own (SSE, or the 5 s poll without it).
  await rig.api('POST', '/targets/tl-show/marks', { kind: 'note', text: 'second half' });
  await page.locator('#rows tr.tl-row', { hasText: 'second half' }).waitFor({ timeout: 8000 });
  await page.locator('#rows[data-count="3"]').waitFor();
  await rig.closeClean(page, problems);
});

test('timeline page: "so far" counts on in place; the table is not rebuilt, so a selection stays', async () => {
  const { page, problems } = await rig.open('/targets/tl-show/timeline');
  const drop = page.locator('#rows tr.tl-row', { hasText: 'listener drop firing' });
  await drop.waitFor();
  const span = drop.locator('.tl-span');
  // Tag the row node and select its title, as a reader copying it would.
  await page.evaluate(`(() => {
    const tr = [...document.querySelectorAll('#rows tr.tl-row')].find((r) => r.textContent.includes('listener drop firing'));
    tr.probe = 1;
    const range = document.createRange();
    range.selectNodeContents(tr.querySelector('.tl-title'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
  })()`);
  const before = await span.innerText();
  // The open span's duration moves on by itself…
  const cell = await span.elementHandle();
  await page.waitForFunction(([el, was]) => !el!.isConnected || el!.textContent !== was, [cell, before] as const, { timeout: 20_000 });
  assert.match(await span.innerText(), /^since \d\d:\d\d:00, 1\d min( \d+ s)? so far$/);
  // …in the same row, with the selection still there.
  assert.equal(await drop.evaluate((tr) => (tr as unknown as { probe?: number }).probe), 1, 'the row was not rebuilt');
  assert.equal(await page.evaluate('getSelection().toString()'), 'listener drop firing');
  await rig.closeClean(page, problems);
});

test('timeline words (pure): spans, offsets, days, labels, filters', async () => {
  const f = await import(new URL('timeline-format.js', PUBLIC).href);
  const { formatDuration } = await import(new URL('format.js', PUBLIC).href);
  assert.equal(f.formatSpan, undefined, 'durations come from format.js, worded as on every page');
  assert.equal(f.formatOffset(43 * MIN + 20_000), `T+${formatDuration(43 * MIN + 20_000)}`);
  assert.equal(f.formatOffset(43 * MIN), 'T+43 min');
  assert.equal(f.formatOffset(-5 * MIN), 'T−5 min');
  assert.equal(f.formatOffset(undefined), '');
  const at = '2025-11-21T16:05:00.000Z';
  assert.match(f.spanText({ at, until: '2025-11-21T16:41:00.000Z' }, 0), /^\d\d:05:00–\d\d:41:00, 36 min$/);
  assert.match(f.spanText({ at, ongoing: true }, Date.parse(at) + 12 * MIN), /^since \d\d:05:00, 12 min so far$/);
  assert.match(f.spanText({ at, until: '2025-11-21T16:41:20.000Z' }, 0), /^\d\d:05:00–\d\d:41:20, 36 min 20 s$/);
  assert.match(f.formatDay(Date.parse(at)), /^[A-Z][a-z]{2},? 2[12] Nov 2025$/);
  assert.equal(f.spanText({ at }, 0), '');

  assert.deepEqual(f.describe({ at, type: 'alert-firing', data: { rule: 'claim_gap', summary: 's' } }), { kind: 'alerts', tag: 'alert', title: 'claim gap firing', detail: 's' });
  assert.equal(f.describe({ at, type: 'alert-pending', data: { rule: 'new_rule' } }).title, 'new rule pending');
  assert.deepEqual(f.describe({ at, type: 'claim', data: { metric: 'state', stateValue: 'ended', claimant: 'ops', sourceUrl: 'javascript:alert(1)' } }), {
    kind: 'claims',
    tag: 'claim',
    title: 'Claim by ops: it is ended',
    detail: '',
  });
  assert.equal(f.describe({ at, type: 'claim', data: { metric: 'views', value: 5, claimant: 'a', sourceUrl: 'https://x.test/p' } }).link, 'https://x.test/p');
  assert.match(f.describe({ at, type: 'on-air', data: { delayMs: 12 * MIN, scheduledStart: at } }).detail, /^12 min late · scheduled \d\d:05:00$/);
  assert.equal(f.describe({ at, type: 'on-air', data: { delayMs: 400 } }).detail, 'on time');
  assert.equal(f.describe({ at, type: 'on-air', data: {} }).detail, '');
  assert.deepEqual(f.describe({ at, type: 'stream-restart', data: { fromSequence: 1200, toSequence: 3 } }), {
    kind: 'state',
    tag: 'state',
    title: 'Stream restarted',
    detail: 'fromSequence: 1,200 · toSequence: 3',
  });
  assert.deepEqual(f.describe({ at, type: 'mystery', data: { a: 'b', nested: { x: 1 } } }), { kind: 'other', tag: 'event', title: 'mystery', detail: 'a: b' });

  assert.deepEqual(f.parseFilters('?kind=claims&from=2025-11-21T16:00:00Z&to=nonsense'), { kind: 'claims', from: '2025-11-21T16:00:00.000Z', to: undefined });
  assert.deepEqual(f.parseFilters('?kind=<x>'), { kind: 'all', from: undefined, to: undefined });
  assert.equal(f.filtersQuery({ kind: 'all' }), '');
  assert.equal(f.filtersQuery({ kind: 'alerts', from: '2025-11-21T16:00:00.000Z' }), '?kind=alerts&from=2025-11-21T16%3A00%3A00.000Z');
});
