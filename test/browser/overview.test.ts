// The overview page in a real Chromium against the real app on a real port, seeded through the public API.
// Run alone with: node --import tsx --test test/browser/*.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Alert } from '../../src/alerts/types.js';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';
import { LAST_OK_LISTENERS, OK_ROWS, FAILED_ROWS, seedNightShow, XSS_NAME } from './seed.js';

let rig: BrowserRig;

const firing = (rule: Alert['rule'], state: Alert['state']): Alert => ({
  targetId: 'night-show',
  rule,
  state,
  activeAt: Date.now() - 60_000,
  ...(state === 'firing' ? { firedAt: Date.now() - 30_000 } : {}),
  condition: { rule, active: true, value: 0.1, threshold: 0.5, summary: `${rule} <b>summary</b>` },
});

before(async () => {
  rig = await startBrowserRig();
  await seedNightShow(rig);
  await rig.store.putAlert(firing('join_failures', 'firing'));
  await rig.store.putAlert(firing('drop', 'pending'));
});

after(async () => {
  await rig?.close();
});

const closeClean = (page: Page, problems: string[]) => rig.closeClean(page, problems);
const rowOf = (page: Page, name: string) => page.locator('tbody tr', { has: page.locator('a.name', { hasText: name }) });

test('overview: status with its reason, counts, join success, alert chips, links; a hostile name as text', async () => {
  const { page, problems } = await rig.open('/');
  const row = rowOf(page, 'Night show');
  await row.waitFor();
  assert.equal(await page.locator('#conn').innerText().then((s) => s.toLowerCase()), 'live');

  // The newest 3 probes failed (state unknown): off the air, and why.
  const badge = row.locator('td').nth(1).locator('.badge');
  assert.equal((await badge.innerText()).toLowerCase(), 'off-air');
  assert.match((await badge.getAttribute('class')) ?? '', /\bst-off-air\b/);
  assert.match((await badge.getAttribute('title')) ?? '', /has not reported live in the last \d+ observations \(unknown since/);
  assert.match(await row.locator('.reason').innerText(), /has not reported live/);

  // The count is the last one a probe carried, marked as such; the peak is the same climb's top.
  const listeners = row.locator('td.listeners');
  assert.equal(await listeners.locator('.big').innerText(), LAST_OK_LISTENERS.toLocaleString('en-US'));
  assert.match(await listeners.locator('.note').innerText(), /^last known, \d+ (s|min) ago$/);
  assert.equal(await row.locator('td.peak .mid').innerText(), LAST_OK_LISTENERS.toLocaleString('en-US'));
  assert.match(await row.locator('td.peak .muted').innerText(), /^at \d\d:\d\d:\d\d$/);

  // Join success over the last 5 minutes, with the attempts behind it (the 4 failed probes).
  assert.equal(await row.locator('td.joins .mid').innerText(), '90 %');
  assert.equal(await row.locator('td.joins .muted').innerText(), `${OK_ROWS} of ${OK_ROWS + FAILED_ROWS} joins ok · last 5 min`);
  assert.match(await row.locator('td').last().innerText(), /^\d+ s ago$/);

  // Firing alerts as chips, pending ones dimmed; the summary is a tooltip, as text.
  const chips = row.locator('td.alerts .chip');
  assert.deepEqual(await chips.allInnerTexts(), ['join failures', 'drop']);
  assert.match((await chips.nth(0).getAttribute('class')) ?? '', /\bfiring\b/);
  assert.match((await chips.nth(1).getAttribute('class')) ?? '', /\bpending\b/);
  assert.equal(await chips.nth(0).getAttribute('title'), 'firing: join_failures <b>summary</b>');

  // Links per row and to the comparison page.
  assert.deepEqual(await row.locator('.row-links a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), [
    '/targets/night-show',
    '/targets/night-show/timeline',
    '/targets/night-show/report',
  ]);
  assert.equal(await page.locator('header a', { hasText: 'Compare' }).getAttribute('href'), '/compare');

  // The hostile name is a link whose text is the name, character for character; nothing ran.
  const names = await page.locator('a.name').allTextContents();
  assert.ok(names.includes(XSS_NAME), `names: ${JSON.stringify(names)}`);
  assert.equal(await page.locator('tbody img, tbody script, tbody b').count(), 0);
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');

  await closeClean(page, problems);
});

test('overview: an observation imported after load updates the row live', async () => {
  const { page, problems } = await rig.open('/');
  const row = rowOf(page, 'Night show');
  await row.waitFor();
  await page.locator('#conn.live').waitFor();

  await rig.api('POST', '/targets/night-show/observations', [{ at: Date.now(), state: 'live', listeners: 98_765, join: { ok: true, ms: 90 }, source: 'browser-test' }]);
  // Over the stream, not a reload: the same page shows the new count, no longer "last known".
  await row.locator('td.listeners .big', { hasText: '98,765' }).waitFor();
  assert.equal(await row.locator('td.listeners .note').count(), 0);
  await row.locator('td.peak .mid', { hasText: '98,765' }).waitFor();
  assert.equal(await row.locator('td.joins .muted').innerText(), `${OK_ROWS + 1} of ${OK_ROWS + FAILED_ROWS + 1} joins ok · last 5 min`);

  await closeClean(page, problems);
});

test('overview: ages tick in place; a frame rebuilds only the rows that changed, so focus stays', async () => {
  // A target whose summary stays the same while its age ticks: one probe 20 s ago, polled every minute.
  const source = { kind: 'x-space', spaceId: '1Steady', url: 'http://127.0.0.1:9' };
  await rig.api('POST', '/targets', { id: 'steady', name: 'Steady show', source, intervalMs: 60_000 });
  await rig.api('POST', '/targets/steady/observations', [{ at: Date.now() - 20_000, state: 'live', listeners: 321, join: { ok: true, ms: 80 }, source: 'browser-test' }]);
  const { page, problems } = await rig.open('/');
  const row = rowOf(page, 'Steady show');
  await row.waitFor();
  await page.locator('#conn.live').waitFor();
  // Keyboard focus on the row's Chart link, and a tag on the row node.
  await row.locator('.row-links a', { hasText: 'Chart' }).focus();
  await row.evaluate((tr) => {
    (tr as unknown as { probe?: number }).probe = 1;
  });
  const age = row.locator('td').last();
  const before = await age.innerText();
  // The last probe's age moves on between frames…
  await page.waitForFunction(([el, was]) => el!.textContent !== was, [await age.elementHandle(), before] as const, { timeout: 10_000 });
  assert.match(await age.innerText(), /^\d+ s ago$/);
  // …and another target's new observation (a frame) leaves this row alone.
  await rig.api('POST', '/targets/xss-name/observations', [{ at: Date.now(), state: 'live', listeners: 4242, join: { ok: true, ms: 80 }, source: 'browser-test' }]);
  await page.locator('tbody tr td.listeners .big', { hasText: '4,242' }).waitFor();
  assert.equal(await row.evaluate((tr) => (tr as unknown as { probe?: number }).probe), 1, 'the row was not rebuilt');
  assert.equal(await page.evaluate('document.activeElement.getAttribute("href")'), '/targets/steady');
  await closeClean(page, problems);
});

test('overview: when the stream drops the page says so, reconnects by itself and is live again', async () => {
  const { page, problems } = await rig.open('/');
  const row = rowOf(page, 'Night show');
  await page.locator('#conn.live').waitFor();

  // Cut every connection from the server side, as a restart or a proxy timeout would.
  rig.app.server.closeAllConnections();
  await page.locator('#conn.reconnecting, #conn.down').waitFor();
  // The rows stay on screen while disconnected.
  assert.equal(await row.count(), 1);
  await page.locator('#conn.live').waitFor({ timeout: 20_000 });

  await rig.api('POST', '/targets/night-show/observations', [{ at: Date.now(), state: 'live', listeners: 55_555, join: { ok: true, ms: 90 }, source: 'browser-test' }]);
  await row.locator('td.listeners .big', { hasText: '55,555' }).waitFor();

  // The stream the server cut is the point of this test, not a fault of the page.
  // Chromium reports the cut-off chunked response twice: as a failed request and on the console.
  const cut = /^(request failed: \S+\/api\/v1\/live |console error: Failed to load resource: )net::ERR_INCOMPLETE_CHUNKED_ENCODING$/;
  await closeClean(page, problems.filter((p) => !cut.test(p)));
});
