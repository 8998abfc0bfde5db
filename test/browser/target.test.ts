// The target page in a real Chromium against the real app on a real port, seeded through the public
// API: what a person opening it sees, including live updates, failing probes and a hostile name.
// Run alone with: node --import tsx --test test/browser/*.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';
import { FAILED_ROWS, LAST_OK_LISTENERS, OK_ROWS, seedNightShow, XSS_NAME } from './seed.js';

// target.js refreshes every clamp(intervalMs, 2 s, 5 s): 2 s for this target. The slack covers the
// requests of one refresh on a loaded CI machine.
const REFRESH_MS = 2000;
const SLACK_MS = 1500;

let rig: BrowserRig;

before(async () => {
  rig = await startBrowserRig();
  await seedNightShow(rig);
});

after(async () => {
  await rig?.close();
});

const open = (path: string) => rig.open(path);
const closeClean = (page: Page, problems: string[]) => rig.closeClean(page, problems);
const api = (method: string, path: string, body?: unknown) => rig.api(method, path, body);
const text = (page: Page, selector: string) => page.locator(selector).innerText();

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
