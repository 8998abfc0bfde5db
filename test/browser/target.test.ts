// The target page in a real Chromium against the real app on a real port, seeded through the public
// API and the store: what a person opening it sees, including live updates, failing probes, a
// hostile name, an incident scenario (alert bands, a claim with a hostile quote), the forms, and
// zooming into 100,000 observations.
// Run alone with: node --import tsx --test test/browser/*.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';
import { FAILED_ROWS, LAST_OK_LISTENERS, OK_ROWS, seedNightShow, XSS_NAME } from './seed.js';

// Without the stream, target.js polls every clamp(intervalMs, 2 s, 5 s): 2 s for this target. The
// slack covers the requests of one refresh on a loaded CI machine. With the stream it is sooner.
const REFRESH_MS = 2000;
const SLACK_MS = 1500;
const TOKEN = 's3cret';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const XSS_QUOTE = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

let rig: BrowserRig;

before(async () => {
  rig = await startBrowserRig({ token: TOKEN });
  await seedNightShow({ ...rig, api: (method, path, body, headers) => rig.api(method, path, body, { ...AUTH, ...headers }) });
});

after(async () => {
  await rig?.close();
});

const open = (path: string) => rig.open(path);
const closeClean = (page: Page, problems: string[]) => rig.closeClean(page, problems);
const api = (method: string, path: string, body?: unknown) => rig.api(method, path, body, AUTH);
const text = (page: Page, selector: string) => page.locator(selector).innerText();
const attr = async (page: Page, selector: string, name: string) => (await page.locator(selector).getAttribute(name)) ?? '';

/** Takes the expected failures (a 401 the test provoked) off the page's record; each must be there. */
function expectProblems(problems: string[], patterns: RegExp[]): void {
  for (const p of patterns) {
    const hits = problems.filter((x) => p.test(x));
    assert.ok(hits.length > 0, `expected a problem matching ${p}: ${JSON.stringify(problems)}`);
    for (const h of hits) problems.splice(problems.indexOf(h), 1);
  }
}

test('target page: chart of the seeded points, failing notice, live update', async () => {
  const { page, problems } = await open('/targets/night-show');

  // The listeners chart holds every seeded count (failed probes carry none).
  await page.locator(`#chart-listeners[data-points="${OK_ROWS}"]`).waitFor();
  assert.equal(await attr(page, '#chart-joins', 'data-attempts'), String(OK_ROWS + FAILED_ROWS));
  assert.equal(await attr(page, '#chart-joins', 'data-failures'), String(FAILED_ROWS));
  assert.equal(await attr(page, '#chart-latency', 'data-points'), String(OK_ROWS), 'join times of the successful probes');
  assert.equal(await page.locator('.uplot').count(), 3);
  assert.equal(await attr(page, '#chart-listeners', 'data-peak'), String(LAST_OK_LISTENERS));
  assert.equal(await text(page, '#peak'), LAST_OK_LISTENERS.toLocaleString('en-US'));

  // Headline: the last known count and state, with their age, and the failure run beside them.
  await page.locator('#state', { hasText: /^live$/ }).waitFor();
  assert.equal(await text(page, '#listeners'), LAST_OK_LISTENERS.toLocaleString('en-US'));
  assert.match(await text(page, '#listeners-note'), /^last known, \d+ (s|min) ago$/);
  assert.ok(await page.locator('#failing').isVisible());
  assert.match(await text(page, '#failing'), /probes failing since \d\d:\d\d:\d\d \(.+\) · last: http_5xx, \d+ s ago/);
  assert.equal(await text(page, '#failures'), '4 / 40 (10 %)');

  // 1h preset, 1.5 minutes of data: the x-axis fits the data, and says so.
  assert.equal(await page.locator('#ranges button[aria-pressed="true"]').innerText(), '1h');
  assert.match(await text(page, '#shown'), /^showing the last [12] min( \d+ s)? \(all data\)/);
  // Header links to the target's other pages.
  assert.equal(await attr(page, '#link-timeline', 'href'), '/targets/night-show/timeline');
  assert.equal(await attr(page, '#link-report', 'href'), '/targets/night-show/report');

  // The stream is up (status says so), then a new good probe: the headline shows it and the notice goes.
  await page.locator('#status', { hasText: /streaming/ }).waitFor({ timeout: REFRESH_MS + SLACK_MS });
  await api('POST', '/targets/night-show/observations', [{ at: Date.now(), state: 'live', listeners: 4321, join: { ok: true, ms: 90 }, source: 'browser-test' }]);
  await page.locator('#listeners', { hasText: /^4,321$/ }).waitFor({ timeout: REFRESH_MS + SLACK_MS });
  await page.locator(`#chart-listeners[data-points="${OK_ROWS + 1}"]`).waitFor({ timeout: REFRESH_MS + SLACK_MS });
  assert.equal(await page.locator('#failing').isVisible(), false);
  assert.equal(await page.locator('#listeners-note').isVisible(), false);

  // The 5m preset is there and keeps every panel on one x range.
  await page.locator('#ranges button[data-range="5m"]').click();
  await page.waitForURL(/#range=5m$/);
  assert.equal(await page.locator('#ranges button[aria-pressed="true"]').innerText(), '5m');
  await page.locator('#shown', { hasText: /^showing the last [12] min( \d+ s)? \(all data\)/ }).waitFor();
  const xRange = async (sel: string) => [Number(await attr(page, sel, 'data-x-min')), Number(await attr(page, sel, 'data-x-max'))];
  const [listenersX, joinsX, latencyX] = [await xRange('#chart-listeners'), await xRange('#chart-joins'), await xRange('#chart-latency')];
  assert.deepEqual(listenersX, joinsX, 'the panels show one x range');
  assert.deepEqual(listenersX, latencyX, 'the panels show one x range');
  assert.ok(listenersX[1]! - listenersX[0]! < 5 * 60_000, `fitted inside the 5m window: ${JSON.stringify(listenersX)}`);

  await closeClean(page, problems);
});

test('target page: without the stream it polls, and still updates', async () => {
  const { page, problems } = await open('/targets/night-show');
  // The stream refused (a proxy that does not pass it, an older server): reload with it cut off.
  await page.route((url) => url.pathname.endsWith('/live'), (route) => route.abort('aborted'));
  await page.reload();
  // What the reload itself cut short (the first load's requests still in flight) is not the page's fault.
  problems.splice(0, problems.length, ...problems.filter((p) => !p.endsWith('net::ERR_ABORTED')));
  await page.locator('#chart-listeners[data-points]:not([data-points="0"])').waitFor();
  const points = Number(await attr(page, '#chart-listeners', 'data-points'));
  await page.locator('#status', { hasText: /polling every 2 s/ }).waitFor();
  await api('POST', '/targets/night-show/observations', [{ at: Date.now(), state: 'live', listeners: 5555, join: { ok: true, ms: 90 }, source: 'browser-test' }]);
  await page.locator('#listeners', { hasText: /^5,555$/ }).waitFor({ timeout: REFRESH_MS + SLACK_MS });
  await page.locator(`#chart-listeners[data-points="${points + 1}"]`).waitFor({ timeout: REFRESH_MS + SLACK_MS });

  // A probe stamped before a poll but written after it (the poller stamps `at` when a probe starts
  // and writes after the join: a timeout is written seconds later) still reaches the chart.
  const failures = Number(await attr(page, '#chart-joins', 'data-failures'));
  const stamped = Date.now();
  await seriesResponses(page, 2); // the second poll was sent after `stamped`, and answered
  await api('POST', '/targets/night-show/observations', [
    { at: stamped, state: 'unknown', join: { ok: false, ms: 5000, error: 'timeout' }, source: 'browser-test' },
    { at: stamped + 1, state: 'live', listeners: 7777, join: { ok: true, ms: 90 }, source: 'browser-test' },
  ]);
  await page.locator(`#chart-listeners[data-points="${points + 2}"]`).waitFor({ timeout: 2 * REFRESH_MS + SLACK_MS });
  await page.locator(`#chart-joins[data-failures="${failures + 1}"]`).waitFor();
  await closeClean(page, problems);
});

/** Resolves when `n` listeners series requests have been answered from now on. */
function seriesResponses(page: Page, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (r: { url(): string }) => {
      if (!r.url().includes('/series?') || !r.url().includes('metric=listeners') || ++seen < n) return;
      page.off('response', on);
      resolve();
    };
    page.on('response', on);
  });
}

/** Opens `path` with `route` in place from the start (on a page that has run no script yet). */
async function openWith(path: string, route: (page: Page) => Promise<void>): Promise<{ page: Page; problems: string[] }> {
  const opened = await open('/favicon.ico');
  await route(opened.page);
  await opened.page.goto(rig.base + path);
  return opened;
}

test('target page: a series answer slower than a second still loads, and is not asked again and again', async () => {
  const asked: string[] = [];
  const { page, problems } = await openWith('/targets/night-show', async (p) => {
    p.on('request', (r) => {
      if (r.url().includes('/series?') && r.url().includes('metric=listeners')) asked.push(r.url());
    });
    await p.route(
      (url) => url.pathname.endsWith('/series'),
      async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await route.continue().catch(() => {}); // the page may be gone by then
      },
    );
  });
  await page.locator('#status', { hasText: /streaming/ }).waitFor();
  await page.locator('#chart-listeners[data-points]:not([data-points="0"])').waitFor({ timeout: 15_000 });
  // The loads of the start and one poll from the newest point held (a poll or two more on a slow
  // machine), not a reload every second on top, each throwing the one before away.
  await page.waitForTimeout(4000);
  assert.ok(asked.length <= 6, `listeners series asked ${asked.length} times: ${asked.join(' ')}`);
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await closeClean(page, problems);
});

test('target page: a first load that fails is retried while polling', async () => {
  let failing = 8; // the four metrics of the first two loads (the poll loop's and the range's)
  const { page, problems } = await openWith('/targets/night-show', async (p) => {
    await p.route((url) => url.pathname.endsWith('/live'), (route) => route.abort('aborted'));
    await p.route(
      (url) => url.pathname.endsWith('/series'),
      (route) => (failing-- > 0 ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"statusCode":503,"code":"SW_NOT_READY","error":"Service Unavailable","message":"store down"}' }) : route.continue()),
    );
  });
  // It says what failed and when it tries again.
  await page.locator('#status.error', { hasText: /cannot reach the API \(store down\); retrying in \d+ s$/ }).waitFor();
  await page.locator('#chart-listeners[data-points]:not([data-points="0"])').waitFor({ timeout: 15_000 });
  await page.locator('#status:not(.error)', { hasText: /polling every 2 s/ }).waitFor();
  expectProblems(problems, [/HTTP 503: .*\/series\?/]);
  for (let i = problems.length - 1; i >= 0; i--) if (/console error: Failed to load resource: .* 503/.test(problems[i]!)) problems.splice(i, 1);
  await closeClean(page, problems);
});

test('target page: a reconnected stream asks only for what it lacks', async () => {
  const { page, problems } = await open('/targets/night-show');
  const streams: URL[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('/live')) streams.push(new URL(r.url()));
  });
  await page.locator('#status', { hasText: /streaming/ }).waitFor();
  await page.locator('#chart-listeners[data-points]:not([data-points="0"])').waitFor();
  const points = Number(await attr(page, '#chart-listeners', 'data-points'));
  const at = Date.now();
  await api('POST', '/targets/night-show/observations', [{ at, state: 'live', listeners: 6060, join: { ok: true, ms: 90 }, source: 'browser-test' }]);
  await page.locator(`#chart-listeners[data-points="${points + 1}"]`).waitFor();
  await page.locator('#listeners', { hasText: /^6,060$/ }).waitFor();

  // Every connection cut from the server side, as a restart or a proxy timeout would.
  rig.app.server.closeAllConnections();
  await page.locator('#status', { hasText: /polling/ }).waitFor();
  await page.locator('#status', { hasText: /streaming/ }).waitFor({ timeout: 10_000 });
  const reopened = streams.at(-1)!;
  assert.equal(reopened.searchParams.get('since'), String(at), `reopened with the newest point held as since: ${reopened}`);
  // Nothing replayed twice.
  await page.waitForTimeout(1000);
  assert.equal(await attr(page, '#chart-listeners', 'data-points'), String(points + 1));
  const cut = /^(request failed: \S+\/live(\?\S*)? |console error: Failed to load resource: )net::ERR_INCOMPLETE_CHUNKED_ENCODING$/;
  await closeClean(page, problems.filter((p) => !cut.test(p)));
});

test('target page: a target deleted while the page is open: it says so and stops asking', async () => {
  const source = { kind: 'x-space', spaceId: '1Doomed', url: 'http://127.0.0.1:9' };
  await api('POST', '/targets', { id: 'doomed', name: 'Doomed', source, intervalMs: 2000 });
  await api('POST', '/targets/doomed/observations', [{ at: Date.now() - 5000, state: 'live', listeners: 12, join: { ok: true, ms: 90 }, source: 'browser-test' }]);
  const { page, problems } = await open('/targets/doomed');
  await page.locator('#chart-listeners[data-points="1"]').waitFor();
  await page.locator('#status', { hasText: /streaming/ }).waitFor();
  await api('DELETE', '/targets/doomed');
  await page.locator('#message.error', { hasText: 'The target "doomed" no longer exists' }).waitFor({ timeout: 20_000 });
  await page.locator('#status', { hasText: 'target deleted' }).waitFor();
  const later: string[] = [];
  page.on('request', (r) => later.push(r.url()));
  await page.waitForTimeout(2 * REFRESH_MS + 1000);
  assert.deepEqual(later, [], 'no more requests');
  const gone = problems.filter((p) => p.includes('/targets/doomed') || /console error: (Failed to load resource: .* 404|EventSource)/.test(p));
  await closeClean(page, problems.filter((p) => !gone.includes(p)));
});

test('target page: a hostile name renders as text', async () => {
  const { page, problems } = await open('/targets/xss-name');
  await page.locator('#chart-listeners[data-points="1"]').waitFor();
  assert.equal(await page.locator('#name').textContent(), XSS_NAME);
  assert.equal(await page.title(), `${XSS_NAME} · spacewatch`);
  assert.equal(await page.locator('main img, main script').count(), 0);
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
  await closeClean(page, problems);
});

// An incident: scheduled start, 4 minutes of a climbing audience with join times, two alerts (one
// resolved, one still firing) as the alert engine writes them, and a claim 50× the measured count
// with a hostile quote.
const STEP_MS = 2000;
const ROWS = 120;
const CLAIM_ROW = 100;
const listenersAt = (i: number) => 1000 + i * 10;

async function seedLaunch(): Promise<number> {
  const t0 = Date.now() - ROWS * STEP_MS - 5000;
  await api('POST', '/targets', {
    id: 'launch',
    name: 'Launch',
    source: { kind: 'x-space', spaceId: '1Launch', url: 'http://127.0.0.1:9' },
    intervalMs: STEP_MS,
    schedule: { start: new Date(t0 + 20_000).toISOString() },
  });
  const rows = Array.from({ length: ROWS }, (_, i) => ({ at: t0 + i * STEP_MS, state: 'live', listeners: listenersAt(i), join: { ok: true, ms: 100 + (i % 7) * 20 }, source: 'browser-test' }));
  await api('POST', '/targets/launch/observations', rows);
  const alert = (at: number, type: string, rule: string, from: string) =>
    rig.store.appendEvent('launch', { at, type, data: { rule, from, value: 0.4, threshold: 0.2, summary: `${rule}: 40 % of joins failed` } });
  await alert(t0 + 60_000, 'alert-firing', 'join_failures', 'pending');
  await alert(t0 + 100_000, 'alert-resolved', 'join_failures', 'firing');
  await alert(t0 + 150_000, 'alert-firing', 'drop', 'pending');
  const claim = await api('POST', '/targets/launch/claims', {
    at: new Date(t0 + CLAIM_ROW * STEP_MS).toISOString(),
    metric: 'listeners',
    value: listenersAt(CLAIM_ROW) * 50,
    claimant: 'Station PR',
    quote: XSS_QUOTE,
  });
  assert.equal(((await claim.json()) as { verdict: { label: string } }).verdict.label, 'overstated');
  return t0;
}

test('target page: alert bands, schedule lines, a claim marker whose hostile quote stays text', async () => {
  await seedLaunch();
  const { page, problems } = await open('/targets/launch');
  await page.locator(`#chart-listeners[data-points="${ROWS}"]`).waitFor();

  // Two alert bands, one colour per rule in the legend; the claim in view.
  await page.locator('#chart-listeners[data-bands="2"]').waitFor();
  assert.deepEqual(await page.locator('#band-legend li').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule'))), ['drop', 'join_failures']);
  assert.equal(await page.locator('.hot-band').count(), 2);
  assert.equal(await attr(page, '#chart-listeners', 'data-claims'), '1');
  assert.equal(await attr(page, '#chart-listeners', 'data-peak'), String(listenersAt(ROWS - 1)));

  // The claim, 50× above the line, is on the chart (the axis widened for it) with its verdict.
  const marker = page.locator('.hot-claim[data-label="overstated"]');
  await marker.waitFor();
  const plot = (await page.locator('#chart-listeners .u-over').boundingBox())!;
  const box = (await marker.boundingBox())!;
  assert.ok(box.y >= plot.y - 9 && box.y + box.height <= plot.y + plot.height + 9, `claim marker inside the plot: ${JSON.stringify({ box, plot })}`);
  assert.ok(await page.locator('#dwarf').isVisible(), 'suggests the log scale');

  // Hover: claimant, quote, claimed vs measured, ratio, verdict, all as text.
  await marker.hover();
  const tip = page.locator('#tooltip');
  await tip.waitFor({ state: 'visible' });
  const tipText = await tip.innerText();
  assert.ok(tipText.includes(XSS_QUOTE), tipText);
  assert.match(tipText, /Station PR/);
  assert.match(tipText, /claimed\s+100,000 listeners/);
  assert.match(tipText, /measured\s+2,000/);
  assert.match(tipText, /ratio\s+50× claimed ÷ measured/);
  assert.match(tipText, /verdict\s+overstated/);
  assert.equal(await page.locator('#tooltip img, #tooltip script, main img').count(), 0);
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');

  // The overlays are read up to the view's end (the API keeps the oldest 10,000 entries of a range).
  const overlayRead = page.waitForRequest((r) => r.url().includes('/targets/launch/timeline?'));
  await page.locator('#ranges button[data-range="15m"]').click();
  const q = new URL((await overlayRead).url()).searchParams;
  assert.ok(Number(q.get('from')) > 0 && Number(q.get('to')) >= Number(q.get('from')), `timeline asked with a range: ${q}`);
  assert.equal(await page.locator('#overlays-truncated').isVisible(), false);
  await page.locator('#chart-listeners[data-bands="2"]').waitFor();

  // Hovering a band names its rule and span.
  await page.locator('.hot-band').first().hover();
  await page.locator('#tooltip[data-kind="band"]').waitFor();
  assert.match(await tip.innerText(), /rule\s+(drop|join_failures)/);

  // The log axis keeps both in sight.
  await page.locator('#log-scale').click();
  await page.locator('#chart-listeners[data-log="true"]').waitFor();
  assert.equal(await page.locator('#dwarf').isVisible(), false);
  await page.locator('.hot-claim[data-label="overstated"]').waitFor();
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
  await closeClean(page, problems);
});

test('target page: adding a mark and a claim through the forms, with the token', async () => {
  const { page, problems } = await open('/targets/launch');
  await page.locator(`#chart-listeners[data-points="${ROWS}"]`).waitFor();
  await page.locator('#chart-listeners[data-claims="1"]').waitFor();
  assert.equal(await attr(page, '#chart-listeners', 'data-marks'), '0');

  // Without the token: the API's 401, next to the form.
  const markForm = page.locator('#mark-form');
  await markForm.locator('select[name="kind"]').selectOption('incident');
  await markForm.locator('input[name="text"]').fill('host mic dead <b>x</b>');
  await markForm.locator('button[type="submit"]').click();
  await markForm.locator('.form-error', { hasText: /bearer token/ }).waitFor();

  // With it: the mark is on the chart without a reload.
  await page.locator('#token').fill(TOKEN);
  await markForm.locator('button[type="submit"]').click();
  await markForm.locator('.form-ok').waitFor();
  await page.locator('#chart-listeners[data-marks="1"]').waitFor();
  await page.locator('.hot-mark[data-label="incident"]').hover();
  await page.locator('#tooltip[data-kind="mark"]').waitFor();
  assert.match(await page.locator('#tooltip').innerText(), /text\s+host mic dead <b>x<\/b>/);
  assert.equal(await page.locator('#tooltip b').count(), 0);
  // The token stays in this tab's sessionStorage, nowhere else.
  assert.equal(await page.evaluate('sessionStorage.getItem("spacewatch.token")'), TOKEN);
  assert.equal(await page.evaluate('localStorage.length'), 0);
  assert.ok(!page.url().includes(TOKEN));

  // A claim missing its value: the API's 400 names the field. Then the claim goes on the chart.
  const claimForm = page.locator('#claim-form');
  await claimForm.locator('input[name="claimant"]').fill('A host');
  await claimForm.locator('button[type="submit"]').click();
  await claimForm.locator('.form-error', { hasText: /body\.value/ }).waitFor();
  await claimForm.locator('input[name="value"]').fill('1,500');
  await claimForm.locator('button[type="submit"]').click();
  await claimForm.locator('.form-ok', { hasText: /Claim added/ }).waitFor();
  await page.locator('#chart-listeners[data-claims="2"]').waitFor();

  expectProblems(problems, [/HTTP 401: .*\/targets\/launch\/marks$/, /HTTP 400: .*\/targets\/launch\/claims$/]);
  // Chromium also logs each failed response on the console.
  for (let i = problems.length - 1; i >= 0; i--) if (/console error: Failed to load resource: .* (401|400)/.test(problems[i]!)) problems.splice(i, 1);
  await closeClean(page, problems);
});

test('target page: 100,000 observations, drag to zoom fetches detail', async () => {
  await api('POST', '/targets', { id: 'big', name: 'Big', source: { kind: 'x-space', spaceId: '1Big', url: 'http://127.0.0.1:9' }, intervalMs: 1000 });
  const N = 100_000;
  const end = Date.now() - 1000;
  for (let b = 0; b < N; b += 10_000) {
    const items = Array.from({ length: 10_000 }, (_, k) => {
      const i = b + k;
      return { targetId: 'big', obs: { at: end - (N - 1 - i) * 1000, state: 'live' as const, listeners: 5000 + Math.round(3000 * Math.sin(i / 500)) + (i % 13), join: { ok: i % 50 !== 0, ms: 150 }, source: 'bulk' } };
    });
    assert.equal((await rig.store.append(items)).written, items.length);
  }

  const { page, problems } = await open('/targets/big#range=7d');
  const series: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/series?')) series.push(r.url());
  });
  await page.locator('#chart-listeners[data-zoomed="false"][data-points]:not([data-points="0"])').waitFor();
  const before = { points: Number(await attr(page, '#chart-listeners', 'data-points')), step: Number(await attr(page, '#chart-listeners', 'data-step')), xMin: Number(await attr(page, '#chart-listeners', 'data-x-min')), xMax: Number(await attr(page, '#chart-listeners', 'data-x-max')) };
  assert.ok(before.points > 0 && before.points <= 10_000, `points held: ${before.points}`);
  assert.ok(before.step >= 30_000, `a 7-day view of 1-second data is downsampled: step ${before.step}`);

  // Drag across a narrow stretch near the end: the x range narrows and finer points are fetched.
  const plot = (await page.locator('#chart-listeners .u-over').boundingBox())!;
  const y = plot.y + plot.height * 0.7;
  series.length = 0;
  await page.mouse.move(plot.x + plot.width * 0.9, y);
  await page.mouse.down();
  await page.mouse.move(plot.x + plot.width * 0.93, y, { steps: 5 });
  await page.mouse.move(plot.x + plot.width * 0.92, y, { steps: 2 });
  await page.mouse.up();
  await page.locator('#chart-listeners[data-zoomed="true"]').waitFor();
  await page.locator('#zoom-reset:not([disabled])').waitFor();
  const xMin = Number(await attr(page, '#chart-listeners', 'data-x-min'));
  const xMax = Number(await attr(page, '#chart-listeners', 'data-x-max'));
  assert.ok(xMin > before.xMin && xMax < before.xMax && xMax - xMin < (before.xMax - before.xMin) / 10, `zoomed: ${JSON.stringify({ xMin, xMax, before })}`);
  await page.waitForFunction('Number(document.getElementById("chart-listeners").dataset.step) < 30000');
  const step = Number(await attr(page, '#chart-listeners', 'data-step'));
  assert.ok(step < before.step, `finer after zooming: ${step} < ${before.step}`);
  assert.ok(Number(await attr(page, '#chart-listeners', 'data-points')) <= 10_000);
  const zoomFetch = series.map((u) => new URL(u).searchParams).find((q) => q.get('metric') === 'listeners');
  assert.ok(zoomFetch, 'the zoomed range was fetched');
  assert.ok(Number(zoomFetch.get('from')) <= xMin && Number(zoomFetch.get('to')) >= Math.min(xMax, end), 'covering the zoomed range');

  // Reset: back to the preset.
  await page.locator('#zoom-reset').click();
  await page.locator('#chart-listeners[data-zoomed="false"]').waitFor();
  assert.match(await text(page, '#shown'), /^showing the last /);
  await closeClean(page, problems);
});
