// The compare page in a real Chromium against the real app: two broadcasts that started at different
// times and went on air with different delays, drawn on one axis aligned at their scheduled starts.
// Plus the alignment helpers, in Node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';

const PUBLIC = new URL('../../src/dashboard/public/', import.meta.url);
const MIN = 60_000;
const XSS_NAME = '<img src=x onerror="window.__xss=1">B show';

let rig: BrowserRig;
const now = Math.floor(Date.now() / MIN) * MIN;
// A started three hours ago and went on air 12 min late, peaking at T+40; B started 100 min ago,
// on air 3 min late, peaking at T+20.
const A = { id: 'cmp-a', start: now - 180 * MIN, onAir: 12, peakAt: 40, from: -10, to: 60 };
const B = { id: 'cmp-b', start: now - 100 * MIN, onAir: 3, peakAt: 20, from: -5, to: 50 };

async function seed(s: typeof A, name: string): Promise<number> {
  const source = { kind: 'x-space', spaceId: '1Compare', url: 'http://127.0.0.1:9' };
  await rig.api('POST', '/targets', { id: s.id, name, source, intervalMs: 60_000, schedule: { start: new Date(s.start).toISOString() } });
  const rows = [];
  for (let m = s.from; m <= s.to; m++) {
    const live = m >= s.onAir;
    rows.push({ at: s.start + m * MIN, state: live ? 'live' : 'scheduled', listeners: live ? 5000 - 100 * Math.abs(m - s.peakAt) : 0, join: { ok: live, ms: 100 }, source: 'compare-test' });
  }
  await rig.api('POST', `/targets/${s.id}/observations`, rows);
  await rig.api('POST', `/targets/${s.id}/marks`, { at: s.start + s.onAir * MIN, kind: 'program-start' });
  return rows.length;
}

let pointsA: number;
let pointsB: number;

before(async () => {
  rig = await startBrowserRig();
  pointsA = await seed(A, 'A show');
  pointsB = await seed(B, XSS_NAME);
});

after(async () => {
  await rig?.close();
});

test('compare page: two broadcasts aligned at their scheduled starts, on-air lines, peaks and delays', async () => {
  const { page, problems } = await rig.open(`/compare?a=${A.id}&b=${B.id}`);
  const chart = page.locator('#chart');
  await page.locator('#chart[data-points-b]').waitFor();
  const attr = async (name: string) => chart.getAttribute(`data-${name}`);

  assert.equal(await attr('anchor-a'), new Date(A.start).toISOString());
  assert.equal(await attr('anchor-b'), new Date(B.start).toISOString());
  assert.equal(await attr('anchor-label-a'), 'scheduled start');
  // Both on the relative axis: each on-air moment at its own delay, each peak at its own T+.
  assert.equal(Number(await attr('onair-x-a')), A.onAir);
  assert.equal(Number(await attr('onair-x-b')), B.onAir);
  assert.equal(Number(await attr('peak-x-a')), A.peakAt);
  assert.equal(Number(await attr('peak-x-b')), B.peakAt);
  // Only live rows carry a count above 0, but every row's count (0 included) is drawn.
  assert.equal(Number(await attr('points-a')), pointsA);
  assert.equal(Number(await attr('points-b')), pointsB);
  assert.deepEqual([Number(await attr('x-min')), Number(await attr('x-max'))], [-15, A.to]);
  assert.equal(await page.locator('.uplot').count(), 1);

  assert.equal(await page.locator('#peak-a').innerText(), '5,000 at T+40 min');
  assert.equal(await page.locator('#delay-a').innerText(), 'on air 12 min late');
  assert.equal(await page.locator('#delay-b').innerText(), 'on air 3 min late');
  assert.match(await page.locator('#anchor-b').innerText(), /^scheduled start, /);

  // A hostile name is text, in the card, the picker and uPlot's legend.
  assert.equal(await page.locator('#name-b').textContent(), XSS_NAME);
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');

  // Swapping keeps the state in the URL.
  await page.locator('#swap').click();
  await page.waitForURL(new RegExp(`\\?a=${B.id}&b=${A.id}$`));
  await page.locator(`#chart[data-anchor-a="${new Date(B.start).toISOString()}"]`).waitFor();
  assert.equal(await page.locator('#pick-a').inputValue(), B.id);
  await rig.closeClean(page, problems);
});

test('compare page: one target picked, then the second from the picker', async () => {
  const { page, problems } = await rig.open(`/compare?a=${A.id}`);
  await page.locator('#chart[data-points-a]').waitFor();
  assert.equal(await page.locator('#chart').getAttribute('data-points-b'), null);
  assert.equal(await page.locator('#card-b').isVisible(), false);
  await page.locator('#pick-b').selectOption(B.id);
  await page.waitForURL(new RegExp(`\\?a=${A.id}&b=${B.id}$`));
  await page.locator('#chart[data-points-b]').waitFor();
  assert.equal(await page.locator('#card-b').isVisible(), true);
  await rig.closeClean(page, problems);
});

test('compare page: a target that is gone is named, the other still drawn, nothing stale left', async () => {
  const source = { kind: 'x-space', spaceId: '1Gone', url: 'http://127.0.0.1:9' };
  await rig.api('POST', '/targets', { id: 'cmp-gone', name: 'Gone show', source, intervalMs: 60_000, schedule: { start: new Date(now - 30 * MIN).toISOString() } });
  await rig.api('POST', '/targets/cmp-gone/observations', [{ at: now - 20 * MIN, state: 'live', listeners: 10, join: { ok: true, ms: 1 }, source: 'compare-test' }]);
  const { page, problems } = await rig.open(`/compare?a=${A.id}&b=cmp-gone`);
  const chart = page.locator('#chart');
  await page.locator('#chart[data-points-a][data-points-b]').waitFor();
  assert.equal(await page.locator('#card-b').isVisible(), true);

  // Deleted while the page is open; a swap reloads both sides.
  await rig.api('DELETE', '/targets/cmp-gone');
  await page.locator('#swap').click();
  await page.locator('#message', { hasText: 'No target "cmp-gone": pick another.' }).waitFor();
  await page.locator(`#chart[data-anchor-b="${new Date(A.start).toISOString()}"]`).waitFor();
  assert.equal(await chart.getAttribute('data-points-a'), null, 'the gone side is off the chart');
  assert.equal(await page.locator('#card-a').isVisible(), false, 'and its card is gone');
  assert.equal(await page.locator('#card-b').isVisible(), true);
  assert.equal(Number(await chart.getAttribute('data-points-b')), pointsA);
  assert.equal(await page.locator('#status').getAttribute('class'), 'status');

  const gone = problems.filter((p) => /HTTP 404: .*\/api\/v1\/targets\/cmp-gone$|console error: Failed to load resource: .* 404/.test(p));
  assert.ok(gone.length > 0, JSON.stringify(problems));
  await rig.closeClean(page, problems.filter((p) => !gone.includes(p)));
});

test('compare page: drag to zoom, double-click back to the whole comparison', async () => {
  const { page, problems } = await rig.open(`/compare?a=${A.id}&b=${B.id}`);
  await page.locator('#chart[data-points-b]').waitFor();
  const chart = page.locator('#chart');
  const range = async () => [Number(await chart.getAttribute('data-x-min')), Number(await chart.getAttribute('data-x-max'))];
  assert.deepEqual(await range(), [-15, A.to]);
  const plot = (await page.locator('#chart .u-over').boundingBox())!;
  const y = plot.y + plot.height / 2;
  await page.mouse.move(plot.x + plot.width * 0.4, y);
  await page.mouse.down();
  await page.mouse.move(plot.x + plot.width * 0.6, y, { steps: 5 });
  await page.mouse.up();
  await page.locator('#chart:not([data-x-min="-15"])').waitFor();
  const [zMin = NaN, zMax = NaN] = await range();
  assert.ok(zMin > -15 && zMax < A.to, `zoomed: ${zMin}…${zMax}`);
  // The reset shows the lead before T+0 again, not only the data's extent.
  await page.mouse.dblclick(plot.x + plot.width / 2, y);
  await page.locator('#chart[data-x-min="-15"]').waitFor();
  assert.deepEqual(await range(), [-15, A.to]);
  await rig.closeClean(page, problems);
});

test('compare alignment (pure): anchors, merged x with spanned and real gaps, range, T labels', async () => {
  const c = await import(new URL('compare-align.js', PUBLIC).href);
  const iso = (ms: number) => new Date(ms).toISOString();
  assert.deepEqual(c.anchorOf({ status: { scheduledStart: iso(1000), onAirAt: iso(5000) }, schedule: { start: iso(2000) } }), { at: 1000, label: 'scheduled start' });
  assert.deepEqual(c.anchorOf({ status: {}, schedule: { start: iso(2000) } }), { at: 2000, label: 'scheduled start' });
  assert.deepEqual(c.anchorOf({ status: { onAirAt: iso(5000) } }, 100), { at: 5000, label: 'on-air moment' });
  assert.deepEqual(c.anchorOf({ status: {} }, 100), { at: 100, label: 'first observation' });
  assert.equal(c.anchorOf({ status: {} }, undefined), undefined);

  const a = c.alignSeries({ t: [0, MIN, 2 * MIN, 30 * MIN], v: [1, null, 3, 4] }, MIN, MIN);
  // The failed probe (null) is dropped; the 28-minute hole becomes a real gap (null) between the points.
  assert.deepEqual(a, { x: [-1, 1, 15, 29], v: [1, 3, null, 4] });
  const b = { x: [0, 1], v: [10, 20] };
  assert.deepEqual(c.mergeAligned([a, b]), [
    [-1, 0, 1, 15, 29],
    [1, undefined, 3, null, 4],
    [undefined, 10, 20, undefined, undefined],
  ]);
  assert.equal(c.peakOf, undefined, 'one peakOf, in chart-data.js');
  // The lead is 15 minutes, or a quarter of what follows T+0 when that is shorter.
  assert.deepEqual(c.xRange([a, b]), [-7.25, 29]);
  assert.deepEqual(c.xRange([{ x: [0, 180], v: [1, 2] }]), [-15, 180]);
  assert.deepEqual(c.xRange([{ x: [0, 2], v: [1, 2] }]), [-1, 2], 'a two-minute broadcast gets a minute of lead, not fifteen');
  assert.deepEqual(c.fetchWindow(100 * MIN, { status: { endedAt: iso(130 * MIN) } }, 1000 * MIN), { from: 85 * MIN, to: 145 * MIN });
  assert.deepEqual([-15, -0.2, 0, 43, 150, 180].map(c.formatT), ['T−15 min', 'T+0', 'T+0', 'T+43 min', 'T+2 h 30', 'T+3 h']);
});
