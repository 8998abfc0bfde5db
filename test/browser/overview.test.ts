// The overview page in a real Chromium against the real app on a real port, seeded through the public API.
// Run alone with: node --import tsx --test test/browser/*.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';
import { LAST_OK_LISTENERS, seedNightShow, XSS_NAME } from './seed.js';

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
