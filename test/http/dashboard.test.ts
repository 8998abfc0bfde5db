import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { build } from '../helpers/app.js';

const PUBLIC = new URL('../../src/dashboard/public/', import.meta.url);

test('dashboard pages are HTML with a strict CSP', async (t) => {
  const app = await build(t);
  for (const url of ['/', '/targets/some-target', '/targets/does-not-exist-yet']) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), /^text\/html/, url);
    assert.match(res.body, /^<!doctype html>/i, url);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/, url);
  }
  assert.match((await app.inject({ url: '/' })).body, /\/assets\/app\/list\.js/);
  assert.match((await app.inject({ url: '/targets/x' })).body, /\/assets\/app\/target\.js/);
});

test('page scripts, styles and uPlot are served', async (t) => {
  const app = await build(t);
  const assets: [string, RegExp][] = [
    ['/assets/app/list.js', /javascript/],
    ['/assets/app/target.js', /javascript/],
    ['/assets/app/app.css', /text\/css/],
    ['/assets/uplot/uPlot.esm.js', /javascript/],
    ['/assets/uplot/uPlot.min.css', /text\/css/],
  ];
  for (const [url, type] of assets) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), type, url);
  }
  assert.match((await app.inject({ url: '/assets/uplot/uPlot.esm.js' })).body, /export \{ uPlot as default \}|export default uPlot/);
  // Only the two uPlot files the pages need, not the rest of node_modules/uplot.
  assert.equal((await app.inject({ url: '/assets/uplot/uPlot.cjs.js' })).statusCode, 404);
});

test('pages never write user strings as markup and have no inline scripts', () => {
  for (const file of readdirSync(PUBLIC)) {
    const text = readFileSync(new URL(file, PUBLIC), 'utf8');
    assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, file);
    if (file.endsWith('.html')) {
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/, `${file}: inline <script>`);
      assert.doesNotMatch(text, /\son[a-z]+=/i, `${file}: inline event handler`);
    }
  }
});

test('live-series: appending a polled tail', async () => {
  const { mergeTail, nextFrom, lastValue } = await import(new URL('live-series.js', PUBLIC).href);
  const held = { t: [100, 200, 300], v: [1, 2, null] };
  assert.deepEqual(mergeTail(held, { t: [300, 400, 500], v: [9, 4, 5] }, 150), { t: [200, 300, 400, 500], v: [2, null, 4, 5] });
  assert.deepEqual(mergeTail({ t: [], v: [] }, { t: [10, 20], v: [1, 2] }, 15), { t: [20], v: [2] });
  assert.equal(nextFrom(held, 0), 301);
  assert.equal(nextFrom(held, 1000), 1000);
  assert.equal(nextFrom({ t: [], v: [] }, 50), 50);
  assert.equal(lastValue(held), 2);
  assert.equal(lastValue({ t: [], v: [] }), undefined);
});

test('format: numbers, ages, intervals, ranges, states', async () => {
  const f = await import(new URL('format.js', PUBLIC).href);
  assert.equal(f.formatCount(61234567), '61,234,567');
  assert.equal(f.formatCount(undefined), '—');
  assert.equal(f.formatCount(null), '—');
  assert.equal(f.formatInterval(250), '250 ms');
  assert.equal(f.formatInterval(5000), '5 s');
  assert.equal(f.formatInterval(90_000), '1.5 min');
  assert.equal(f.formatAge(500), 'just now');
  assert.equal(f.formatAge(42_000), '42 s ago');
  assert.equal(f.formatAge(3 * 3_600_000), '3 h ago');
  assert.equal(f.formatFailureShare(3, 120), '3 / 120 (2.5 %)');
  assert.equal(f.formatFailureShare(0, 0), '—');
  assert.equal(f.parseRange('#range=6h'), '6h');
  assert.equal(f.parseRange('#range=<img>'), '1h');
  assert.equal(f.parseRange(''), '1h');
  assert.equal(f.stateClass('live'), 'state-live');
  assert.equal(f.stateClass('" onload="x'), 'state-unknown');
  assert.equal(f.isStale(20_000, 5000), true);
  assert.equal(f.isStale(6000, 5000), false);
});
