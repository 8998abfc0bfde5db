// The dashboard in a real Chromium against the real app on a real port, seeded through the public
// API: what a person opening the pages sees, including live updates, failing probes and a hostile
// target name. Run alone with: node --import tsx --test test/browser/*.test.ts
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { buildApp } from '../../src/http/app.js';
import { defaultSources } from '../../src/sources/index.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const INTERVAL_MS = 2000;
// target.js refreshes every clamp(intervalMs, 2 s, 5 s): 2 s for this target. The slack covers the
// requests of one refresh on a loaded CI machine.
const REFRESH_MS = 2000;
const SLACK_MS = 1500;

const XSS_NAME = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

let browser: Browser | undefined;
let app: FastifyInstance | undefined;
let store: MemoryStore | undefined;
let base = '';

// Seeded history: a climb of 36 good probes every 2 s, then 4 failed ones (http_5xx) up to 12 s ago.
const OK_ROWS = 36;
const FAILED_ROWS = 4;
const LAST_OK_LISTENERS = 1000 + (OK_ROWS - 1) * 100;

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res;
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM} (none there). bash .ci/run installs it (apt-get install chromium); or set CHROMIUM_PATH.`);
  }
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  } catch (err) {
    throw new Error(`Chromium at ${CHROMIUM} did not start (${(err as Error).message.split('\n')[0]}). bash .ci/run installs a working one; or set CHROMIUM_PATH.`);
  }
  store = new MemoryStore();
  app = await buildApp({ store, sources: defaultSources(), registry: new Registry() });
  base = await app.listen({ port: 0, host: '127.0.0.1' });

  const source = { kind: 'x-space', spaceId: '1NightShow', url: 'http://127.0.0.1:9' };
  await api('POST', '/targets', { id: 'night-show', name: 'Night show', source, intervalMs: INTERVAL_MS });
  await api('POST', '/targets', { id: 'xss-name', name: XSS_NAME, source, intervalMs: INTERVAL_MS });

  const t0 = Date.now() - (OK_ROWS + FAILED_ROWS) * INTERVAL_MS - 12_000;
  const rows = [];
  for (let i = 0; i < OK_ROWS; i++) {
    rows.push({ at: t0 + i * INTERVAL_MS, state: 'live', listeners: 1000 + i * 100, join: { ok: true, ms: 120 }, source: 'browser-test' });
  }
  for (let i = OK_ROWS; i < OK_ROWS + FAILED_ROWS; i++) {
    rows.push({ at: t0 + i * INTERVAL_MS, state: 'unknown', join: { ok: false, ms: 5000, error: 'http_5xx' }, source: 'browser-test' });
  }
  const res = await api('POST', '/targets/night-show/observations', rows);
  assert.deepEqual(await res.json(), { written: rows.length, duplicates: 0 });
  await api('POST', '/targets/xss-name/observations', [{ at: t0, state: 'live', listeners: 7, join: { ok: true, ms: 80 }, source: 'browser-test' }]);
});

after(async () => {
  await browser?.close();
  await app?.close();
  await store?.close();
});

/** A page that records every console error, uncaught exception, failed request and HTTP error it sees. */
async function open(path: string): Promise<{ page: Page; problems: string[] }> {
  assert.ok(browser, 'browser not started');
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(base + path);
  return { page, problems };
}

/** Checks the page's record and closes it; a close mid-refresh would abort a request, so the record is read first. */
async function closeClean(page: Page, problems: string[]): Promise<void> {
  const seen = [...problems];
  await page.close();
  assert.deepEqual(seen, [], 'no console errors and no failed requests');
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

test('list page: last known state and count, the failing probes, and a hostile name as text', async () => {
  const { page, problems } = await open('/');
  const row = page.locator('tbody tr', { has: page.locator('a.name', { hasText: 'Night show' }) });
  await row.waitFor();

  const cells = row.locator('td');
  assert.equal(await cells.nth(3).locator('.big').innerText(), LAST_OK_LISTENERS.toLocaleString('en-US'));
  assert.match(await cells.nth(3).innerText(), /last known, \d+ (s|min) ago/);
  assert.equal((await cells.nth(4).locator('.badge').innerText()).toLowerCase(), 'live');
  assert.match(await cells.nth(4).locator('.failing-inline').innerText(), /^failing since \d\d:\d\d:\d\d · http_5xx$/);

  // The hostile name is a link whose text is the name, character for character; nothing ran.
  const names = await page.locator('a.name').allTextContents();
  assert.ok(names.includes(XSS_NAME), `names: ${JSON.stringify(names)}`);
  assert.equal(await page.locator('tbody img, tbody script').count(), 0);
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');

  await closeClean(page, problems);
});

test('target page: chart of the seeded points, failing notice, live update', async () => {
  const { page, problems } = await open('/targets/night-show');

  // The listeners chart holds every seeded count (failed probes carry none).
  await page.locator(`#chart-listeners[data-points="${OK_ROWS}"]`).waitFor();
  assert.equal(await page.locator('#chart-joins').getAttribute('data-attempts'), String(OK_ROWS + FAILED_ROWS));
  assert.equal(await page.locator('#chart-joins').getAttribute('data-failures'), String(FAILED_ROWS));
  assert.equal(await page.locator('.uplot').count(), 2);

  // Headline: the last known count and state, with their age, and the failure run beside them.
  await page.locator('#state', { hasText: /^live$/ }).waitFor();
  assert.equal(await text(page, '#listeners'), LAST_OK_LISTENERS.toLocaleString('en-US'));
  assert.match(await text(page, '#listeners-note'), /^last known, \d+ (s|min) ago$/);
  assert.ok(await page.locator('#failing').isVisible());
  assert.match(await text(page, '#failing'), /probes failing since \d\d:\d\d:\d\d \(.+\) · last: http_5xx, \d+ s ago/);
  assert.equal(await text(page, '#failures'), '4 / 40 (10 %)');

  // 1h preset, 1.5 minutes of data: the x-axis fits the data, and says so.
  assert.equal(await page.locator('#ranges button[aria-pressed="true"]').innerText(), '1h');
  assert.match(await text(page, '#shown'), /^showing the last [12] m( \d+ s)? \(all data\)/);

  // A new good probe: within one refresh the headline shows it and the notice goes.
  await api('POST', '/targets/night-show/observations', [{ at: Date.now(), state: 'live', listeners: 4321, join: { ok: true, ms: 90 }, source: 'browser-test' }]);
  await page.locator('#listeners', { hasText: /^4,321$/ }).waitFor({ timeout: REFRESH_MS + SLACK_MS });
  await page.locator(`#chart-listeners[data-points="${OK_ROWS + 1}"]`).waitFor({ timeout: REFRESH_MS + SLACK_MS });
  assert.equal(await page.locator('#failing').isVisible(), false);
  assert.equal(await page.locator('#listeners-note').isVisible(), false);

  // The 5m preset is there and keeps both panels on one x range.
  await page.locator('#ranges button[data-range="5m"]').click();
  await page.waitForURL(/#range=5m$/);
  assert.equal(await page.locator('#ranges button[aria-pressed="true"]').innerText(), '5m');
  await page.locator('#shown', { hasText: /^showing the last [12] m( \d+ s)? \(all data\)/ }).waitFor();
  const xRange = async (sel: string) => [Number(await page.locator(sel).getAttribute('data-x-min')), Number(await page.locator(sel).getAttribute('data-x-max'))];
  const [listenersX, joinsX] = [await xRange('#chart-listeners'), await xRange('#chart-joins')];
  assert.deepEqual(listenersX, joinsX, 'both panels show one x range');
  assert.ok(listenersX[1]! - listenersX[0]! < 5 * 60_000, `fitted inside the 5m window: ${JSON.stringify(listenersX)}`);

  await closeClean(page, problems);
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
