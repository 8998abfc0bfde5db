// The printable report page in a real Chromium against the real app, seeded with the known scenario
// (test/report/scenario.ts): the summary, the chart with its claim markers, the tables, a hostile
// quote kept inert, downloads whose hash is the page's, and the print layout.
// Run alone with: node --import tsx --test test/browser/report.test.ts
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startBrowserRig, type BrowserRig } from '../helpers/browser.js';
import { EXPECTED, HOSTILE_QUOTE, ID, NAME, seedReportScenario } from '../report/scenario.js';

// Listener counts in the scenario: 60 in the storm, 180 from 20:10 to 20:39:50, 103 from 20:43 to
// 21:00, and the screenshot's; failed probes and ended answers carry none.
const COUNTED = 344;

let rig: BrowserRig;

before(async () => {
  rig = await startBrowserRig();
  await seedReportScenario(async (method, path, body) => {
    const res = await fetch(rig.base + path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.text() };
  }, rig.store);
});

after(async () => {
  await rig?.close();
});

test('report page: summary, figures, chart with claim markers, tables, downloads', async () => {
  const { page, problems } = await rig.open(`/targets/${ID}/report`);
  const text = (sel: string) => page.locator(sel).innerText();

  await page.locator(`#chart[data-points="${COUNTED}"]`).waitFor();
  assert.equal(await page.locator('#chart').getAttribute('data-markers'), '2');
  assert.equal(await page.locator('#chart .uplot').count(), 1);
  // Drawn, not just configured: the canvas holds painted pixels.
  const painted = await page.evaluate(`(() => {
    const c = document.querySelector('#chart canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  })()`);
  assert.ok((painted as number) > 1000, `painted pixels: ${String(painted)}`);

  assert.equal(await page.title(), `${NAME} · report · spacewatch`);
  assert.equal(await text('#name'), NAME);
  assert.equal(await text('#summary'), EXPECTED.summary);
  const figure = (key: string) => text(`[data-figure="${key}"] dd`);
  assert.equal(await figure('peak'), '19,000 at 20:30:00');
  assert.equal(await figure('mean'), '15,828');
  assert.equal(await figure('listener-minutes'), '779,833');
  assert.equal(await figure('on-air'), '2025-11-21 20:10:10');
  assert.equal(await figure('delay'), '10 min 10 s late');
  assert.equal(await figure('ended'), '2025-11-21 21:00:00 (mark)');
  assert.equal(await figure('joins'), '58 of 361 (16.1 %)');

  assert.equal(await page.locator('#timeline tbody tr').count(), 17);
  assert.deepEqual(await page.locator('#join-failures tbody tr').allInnerTexts(), [
    '2025-11-21 20:00:00\t2025-11-21 20:10:00\t10 min\t40\t60\t66.7 %\thttp_5xx 30, timeout 10',
    '2025-11-21 20:40:00\t2025-11-21 20:43:00\t3 min\t18\t18\t100 %\tconnect_timeout 18',
  ]);
  assert.equal(await page.locator('#alerts tbody tr').count(), 2);
  assert.equal(await page.locator('#claims tbody tr').count(), 2);
  assert.equal(await page.locator('#claims tbody tr').first().locator('td').nth(5).getAttribute('class'), 'verdict verdict-overstated');
  assert.equal(await page.locator('#claim-legend li').count(), 2);
  assert.match(await page.locator('#claim-legend li').first().innerText(), /^◆ 20:30:00 · Host <b>: 60,000,000 listeners claimed · overstated$/);

  // The hostile quote and claimant are text: nothing ran, nothing was added.
  assert.equal(await page.locator('#claims tbody tr').first().locator('td').nth(6).textContent(), `“${HOSTILE_QUOTE}”`);
  assert.equal(await page.locator('#claims tbody tr').first().locator('td').nth(1).textContent(), 'Host <b>');
  assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
  assert.equal(await page.locator('main script, main b, main a[href^="http"]').count(), 0);

  // Header links (contracts.md §4).
  assert.equal(await page.locator('#link-chart').getAttribute('href'), `/targets/${ID}`);
  assert.equal(await page.locator('#link-timeline').getAttribute('href'), `/targets/${ID}/timeline`);
  assert.equal(await page.locator('#link-report').getAttribute('href'), `/targets/${ID}/report`);

  // Downloads: the same cut of the data as the page, so the CSV's data lines hash to the page's SHA-256.
  const sha = await text('#sha256');
  assert.match(sha, /^[0-9a-f]{64}$/);
  const href = (id: string) => page.locator(id).getAttribute('href');
  const csvHref = (await href('#dl-csv'))!;
  assert.match(csvHref, new RegExp(`^/api/v1/targets/${ID}/report\\?format=csv&to=`));
  assert.equal(await page.locator('#dl-csv').getAttribute('download'), `${ID}-report.csv`);
  const csv = await (await fetch(rig.base + csvHref)).text();
  const data = csv.split(/(?<=\n)/).filter((l) => !l.startsWith('#')).join('');
  assert.equal(createHash('sha256').update(data).digest('hex'), sha);
  const md = await fetch(rig.base + (await href('#dl-md'))!);
  assert.equal(md.headers.get('x-spacewatch-sha256'), sha);
  assert.match(await md.text(), /^# Post-incident report: /);
  assert.match((await href('#dl-json'))!, /format=json/);

  await rig.closeClean(page, problems);
});

test('report page: prints without navigation, the chart sized for paper', async () => {
  const { page, problems } = await rig.open(`/targets/${ID}/report`);
  await page.locator(`#chart[data-points="${COUNTED}"]`).waitFor();
  const screenWidth = (await page.locator('#chart .uplot').boundingBox())!.width;
  assert.ok(screenWidth > 1000, `screen chart width ${screenWidth}`);

  await page.emulateMedia({ media: 'print' });
  await page.locator('#chart[data-print="true"]').waitFor();
  assert.equal(await page.locator('header.bar').isVisible(), false);
  assert.equal(await page.locator('#actions').isVisible(), false);
  assert.ok(await page.locator('#summary').isVisible());
  const printWidth = (await page.locator('#chart .uplot').boundingBox())!.width;
  assert.ok(printWidth <= 700, `print chart width ${printWidth}`);
  assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(255, 255, 255)');

  await page.emulateMedia({ media: 'screen' });
  await page.locator('#chart[data-print="false"]').waitFor();
  assert.ok(await page.locator('header.bar').isVisible());
  assert.ok((await page.locator('#chart .uplot').boundingBox())!.width > 1000);

  await rig.closeClean(page, problems);
});

test('report page: a range in the page URL narrows the report and its downloads', async () => {
  const from = '2025-11-21T20:20:00.000Z';
  const to = '2025-11-21T20:45:00.000Z';
  const { page, problems } = await rig.open(`/targets/${ID}/report?from=${from}&to=${to}`);
  await page.locator('#chart[data-markers="1"]').waitFor();
  assert.equal(await page.locator('#alerts tbody tr').count(), 1);
  assert.equal(await page.locator('#claims tbody tr').count(), 1);
  assert.equal(await page.locator('#range').innerText(), '2025-11-21 20:20:00 to 2025-11-21 20:45:00');
  const csvHref = (await page.locator('#dl-csv').getAttribute('href'))!;
  assert.equal(new URL(csvHref, rig.base).searchParams.get('from'), from);
  assert.equal(new URL(csvHref, rig.base).searchParams.get('to'), to);
  await rig.closeClean(page, problems);
});
