import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/app.js';
import { redisStorePerTest } from '../helpers/redis.js';

const PUBLIC = new URL('../../src/dashboard/public/', import.meta.url);

test('dashboard pages are HTML with a strict CSP', async (t) => {
  const app = await build(t);
  const pages = ['/', '/targets/some-target', '/targets/does-not-exist-yet', '/targets/some-target/timeline', '/targets/some-target/report', '/compare', '/compare?a=x&b=y'];
  for (const url of pages) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), /^text\/html/, url);
    assert.match(res.body, /^<!doctype html>/i, url);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/, url);
    assert.match(csp, /style-src 'self'(;|$)/, url);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url);
  }
  for (const [url, script] of [['/', 'list'], ['/targets/x', 'target'], ['/targets/x/timeline', 'timeline'], ['/targets/x/report', 'report'], ['/compare', 'compare']]) {
    assert.match((await app.inject({ url })).body, new RegExp(`/assets/app/${script}\\.js`), url);
  }
});

test('page scripts, styles and uPlot are served', async (t) => {
  const app = await build(t);
  const assets: [string, RegExp][] = [
    ['/assets/app/list.js', /javascript/],
    ['/assets/app/target.js', /javascript/],
    ['/assets/app/target-overlays.js', /javascript/],
    ['/assets/app/target.css', /text\/css/],
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
  const { mergeTail, tailStart, spliceTail, lastValue } = await import(new URL('live-series.js', PUBLIC).href);
  const held = { t: [100, 200, 300], v: [1, 2, null] };
  assert.deepEqual(mergeTail(held, { t: [300, 400, 500], v: [9, 4, 5] }, 150), { t: [200, 300, 400, 500], v: [2, null, 4, 5] });
  assert.deepEqual(mergeTail({ t: [], v: [] }, { t: [10, 20], v: [1, 2] }, 15), { t: [20], v: [2] });
  assert.equal(tailStart(held, 0), 300, 'at the newest point held, inclusive');
  assert.equal(tailStart(held, 1000), 1000);
  assert.equal(tailStart({ t: [], v: [] }, 50), 50);
  // The tail replaces what it covers; a point the stream added after it stays; the window slides.
  assert.deepEqual(spliceTail(held, { t: [300, 400], v: [3, 4] }, 300, 150), { t: [200, 300, 400], v: [2, 3, 4] });
  assert.deepEqual(spliceTail({ t: [100, 300, 900], v: [1, 3, 9] }, { t: [300, 400], v: [3, 4] }, 300, 0), { t: [100, 300, 400, 900], v: [1, 3, 4, 9] });
  assert.deepEqual(spliceTail(held, { t: [], v: [] }, 300, 150), { t: [200, 300], v: [2, null] }, 'an empty tail drops nothing held');
  assert.equal(lastValue(held), 2);
  assert.equal(lastValue({ t: [], v: [] }), undefined);
});

test('live-series: polling catches an observation written after a poll with an instant before it', async () => {
  const { tailStart, spliceTail } = await import(new URL('live-series.js', PUBLIC).href);
  // The store as the series API reads it (inclusive bounds), one row per instant.
  const store: { at: number; v: number }[] = [];
  const series = (from: number, to: number) => {
    const rows = store.filter((r) => r.at >= from && r.at <= to);
    return { t: rows.map((r) => r.at), v: rows.map((r) => r.v) };
  };
  const poll = (held: { t: number[]; v: number[] }) => {
    const from = tailStart(held, 0);
    return spliceTail(held, series(from, Number.MAX_SAFE_INTEGER), from, 0);
  };
  store.push({ at: 1000, v: 1 }, { at: 3000, v: 1 });
  let held = series(0, 4000); // loaded at 4000
  // A probe started at 5000 timed out; the page polls at 9000 and 11000 before it is written at 12000.
  held = poll(held);
  held = poll(held);
  store.push({ at: 5000, v: 1 });
  held = poll(held);
  assert.deepEqual(held.t, [1000, 3000, 5000], 'the late row is fetched, nothing twice');

  // A downsampled load holds a bucket's sum at its first instant: the poll fetches that bucket raw
  // and replaces it, so each attempt counts once.
  store.length = 0;
  for (let at = 0; at < 10; at++) store.push({ at, v: 1 });
  const sum = (s: { v: number[] }) => s.v.reduce((a, b) => a + b, 0);
  const loaded = { t: [0, 5], v: [5, 4] }; // rows 0–4 and 5–8 (row 9 written after the load)
  const polled = poll(loaded);
  assert.equal(sum(polled), 10);
  assert.deepEqual(polled.t, [0, 5, 6, 7, 8, 9]);
});

test('live-series: a reload is never started over one in flight, and waits after a failure', async () => {
  const { reloadDue, RELOAD_AFTER_MS, RELOAD_AFTER_POINTS } = await import(new URL('live-series.js', PUBLIC).href);
  const now = 1_000_000;
  const s = { loading: null, loadedAt: now - 1000, appended: 0, retryAt: 0 };
  assert.equal(reloadDue(s, now), false, 'fresh');
  assert.equal(reloadDue({ ...s, loadedAt: 0 }, now), true, 'never loaded (the first load failed): load');
  assert.equal(reloadDue({ ...s, loadedAt: 0, loading: Promise.resolve() }, now), false, 'a slow load is not thrown away by the next tick');
  assert.equal(reloadDue({ ...s, loadedAt: 0, retryAt: now + 1 }, now), false, 'backing off after a failure');
  assert.equal(reloadDue({ ...s, appended: RELOAD_AFTER_POINTS + 1 }, now), true);
  assert.equal(reloadDue({ ...s, loadedAt: now - RELOAD_AFTER_MS - 1 }, now), true);
});

test('live-stream: retries back off, capped', async () => {
  const { retryDelay } = await import(new URL('live-stream.js', PUBLIC).href);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 100].map((n) => retryDelay(n, 2000, 30_000)), [2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
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

test('format: durations, lateness, links, instants, clock, percent, the 5m preset', async () => {
  const f = await import(new URL('format.js', PUBLIC).href);
  // One wording on every page (timeline, overview, compare, report, target page): "min", never "m".
  assert.equal(f.formatDuration(45_000), '45 s');
  assert.equal(f.formatDuration(72_000), '1 min 12 s');
  assert.equal(f.formatDuration(610_000), '10 min 10 s');
  assert.equal(f.formatDuration(15 * 60_000), '15 min');
  assert.equal(f.formatDuration(3_600_000), '1 h');
  assert.equal(f.formatDuration(2 * 3_600_000 + 5 * 60_000), '2 h 5 min');
  assert.equal(f.formatDuration(51 * 3_600_000), '2 d 3 h');
  assert.equal(f.formatDuration(7 * 86_400_000), '7 d');
  assert.equal(f.formatDuration(-1), '—');
  // "on time" only within a second: 20 s late is late.
  assert.equal(f.formatLateness(610_000), '10 min 10 s late');
  assert.equal(f.formatLateness(-20_000), '20 s early');
  assert.equal(f.formatLateness(999), 'on time');
  assert.equal(f.formatLateness(-999), 'on time');
  assert.equal(f.formatLateness(1000), '1 s late');
  assert.equal(f.formatLateness(undefined), '—');
  assert.equal(f.safeHref('https://x.test/p'), 'https://x.test/p');
  assert.equal(f.safeHref('HTTP://x.test'), 'HTTP://x.test');
  for (const bad of ['javascript:alert(1)', ' javascript:x', 'data:text/html,x', '//x.test', undefined, 5]) assert.equal(f.safeHref(bad), undefined, String(bad));
  assert.equal(f.instantMs('2026-01-01T00:00:00.000Z'), Date.UTC(2026, 0, 1));
  assert.equal(f.instantMs('not a time'), undefined);
  assert.equal(f.instantMs(undefined), undefined);
  assert.match(f.formatClock(Date.UTC(2026, 0, 1, 13, 2, 3)), /^\d\d:02:03$/);
  assert.equal(f.formatPercent(2.5), '2.5 %');
  assert.equal(f.formatPercent(40), '40 %');
  assert.equal(f.formatPercent(0), '0 %');
  assert.equal(f.formatPercent(null), '—');
  assert.equal(f.parseRange('#range=5m'), '5m');
  assert.equal(f.RANGES['5m'], 300_000);
});

/** A /latest answer as the API gives it. */
function latestOf(observation: object | null, lastOk: object | null = observation, failingSince: string | null = null) {
  return { observation, lastOk, failingSince };
}

test('headline: last known state and count while probes fail', async () => {
  const { summarize, failureText, lastKnownText } = await import(new URL('headline.js', PUBLIC).href);
  const ok = { at: '2026-01-01T00:00:00.000Z', state: 'live', listeners: 4500, join: { ok: true, ms: 100 } };
  const failed = (at: string, error = 'http_5xx') => ({ at, state: 'unknown', join: { ok: false, ms: 5000, error } });
  const T = Date.parse(ok.at);

  assert.equal(summarize(undefined), null);
  assert.equal(summarize({ observation: null }), null);
  assert.deepEqual(summarize(latestOf(ok)), { at: T, state: 'live', stateAt: undefined, listeners: 4500, listenersAt: undefined, failure: null });

  // One failed probe: the state and the count stay, with their age; the failure is reported beside them.
  const one = summarize(latestOf(failed('2026-01-01T00:00:02.000Z'), ok, '2026-01-01T00:00:02.000Z'));
  assert.deepEqual(one, { at: T + 2000, state: 'live', stateAt: T, listeners: 4500, listenersAt: T, failure: { code: 'http_5xx', at: T + 2000, since: T + 2000 } });
  assert.equal(failureText(one.failure, T + 5000), 'last probe failed: http_5xx, 3 s ago');
  assert.equal(failureText(one.failure, T + 5000, { short: true }), 'last probe failed: http_5xx');
  assert.equal(lastKnownText(one.listenersAt, T + 42_000), 'last known, 42 s ago');
  assert.equal(lastKnownText(undefined, T), '');

  // A run of failures: since when.
  const run = summarize(latestOf(failed('2026-01-01T00:04:10.000Z', 'timeout'), ok, '2026-01-01T00:00:02.000Z'));
  assert.equal(run.failure.since, T + 2000);
  assert.match(failureText(run.failure, T + 252_000), /^probes failing since \d\d:00:02 \(4 min 10 s\) · last: timeout, 2 s ago$/);
  assert.match(failureText(run.failure, T + 252_000, { short: true }), /^failing since \d\d:00:02 · timeout$/);

  // Never succeeded: the state is unknown and there is no count to fall back on.
  const never = summarize(latestOf(failed('2026-01-01T00:00:02.000Z'), null, '2026-01-01T00:00:00.000Z'));
  assert.equal(never.state, 'unknown');
  assert.equal(never.listeners, undefined);
  assert.ok(never.failure);

  // "ended" is a join failure, but the newest row knows the state: it wins, the old count does not
  // stand in for an audience that is gone, and the badge says it all.
  const ended = summarize(latestOf({ at: '2026-01-01T00:00:02.000Z', state: 'ended', join: { ok: false, ms: 20, error: 'ended' } }, ok, '2026-01-01T00:00:02.000Z'));
  assert.deepEqual([ended.state, ended.stateAt, ended.listeners, ended.failure], ['ended', undefined, undefined, null]);
});

test('chart-data: the x window fits a new target, and only then', async () => {
  const { viewWindow, firstTime } = await import(new URL('chart-data.js', PUBLIC).href);
  const to = Date.UTC(2026, 0, 1, 12, 0, 0);
  const hour = { from: to - 3_600_000, to };
  // No data, or data from the window's start: the preset as it is.
  assert.deepEqual(viewWindow(hour, undefined, 1000), { ...hour, fitted: false });
  assert.deepEqual(viewWindow(hour, hour.from + 500, 1000), { ...hour, fitted: false });
  assert.deepEqual(viewWindow(hour, hour.from + 60_000, 1000), { ...hour, fitted: false }, 'within the first few percent');
  // A target polling for 72 s: [first − a small round pad, now].
  const w = viewWindow(hour, to - 72_000, 1000);
  assert.equal(w.fitted, true);
  assert.equal(w.to, to);
  assert.ok(w.from < to - 72_000 && w.from >= to - 90_000, `from ${to - w.from} ms before now`);
  assert.equal(w.from % 5000, 0, 'starts on a round time');
  assert.equal(firstTime([{ t: [], v: [] }, { t: [30, 40], v: [1, 1] }, { t: [20], v: [0] }]), 20);
  assert.equal(firstTime([{ t: [], v: [] }]), undefined);
});

test('chart-data: listener gaps and join buckets', async () => {
  const { bridgeGaps, joinBuckets, niceWidth, perMinuteCounts, typicalStep } = await import(new URL('chart-data.js', PUBLIC).href);
  assert.equal(perMinuteCounts([120_000, 180_000, 180_250, 180_500]), true, 'rollup minutes, then the raw tail');
  assert.equal(perMinuteCounts([1_000, 61_000, 121_000]), false, 'a minute apart but not minute-aligned: raw probes');
  assert.equal(perMinuteCounts([0, 250, 500]), false);
  // A failed probe (null) between counts is bridged; a long silence stays a break.
  assert.deepEqual(bridgeGaps({ t: [0, 1000, 2000, 3000, 20_000], v: [5, null, 7, 8, 9] }, 5000), { t: [0, 2000, 3000, 11_500, 20_000], v: [5, 7, 8, null, 9] });
  // Rollup minutes (points at :15 and :45, or :30 when flat) then the raw open minute every 250 ms:
  // one line; a minute with no rollup at all still breaks it, however coarse the neighbours.
  const M = 60_000;
  const mixed = { t: [15_000, 45_000, M + 30_000, 2 * M, 2 * M + 250, 2 * M + 500], v: [1, 2, 3, 4, 5, 6] };
  assert.deepEqual(bridgeGaps(mixed, 1250), mixed);
  const oneMinuteThenRaw = { t: [15_000, 45_000, M + 104, M + 354, M + 604], v: [1, 2, 3, 4, 5] };
  assert.deepEqual(bridgeGaps(oneMinuteThenRaw, 1250), oneMinuteThenRaw, 'the first rollup minute joins the raw tail');
  const missingMinute = { t: [15_000, 45_000, 2 * M + 15_000, 2 * M + 45_000], v: [1, 2, 3, 4] };
  assert.deepEqual(bridgeGaps(missingMinute, 1250).v, [1, 2, null, 3, 4]);
  // Raw at 250 ms: an outage of 10 s breaks the line even though rollup-sized gaps would not.
  assert.deepEqual(bridgeGaps({ t: [0, 250, 500, 10_500, 10_750], v: [1, 1, 1, 1, 1] }, 1250).v, [1, 1, 1, null, 1, 1]);
  assert.equal(typicalStep([0, 1000, 2000, 3000, 10_000], 2), 1000);
  assert.equal(typicalStep([0, 90_000, 92_000]), undefined, 'too few points to tell');
  assert.equal(niceWidth(4000), 5000);
  assert.equal(niceWidth(25 * 60_000), 30 * 60_000);
  assert.equal(niceWidth(30 * 3_600_000), 2 * 86_400_000);

  // 1-second probes over 20 s, failures at 3, 4 and 12 s: 5-second buckets of exact counts and shares.
  const t = Array.from({ length: 20 }, (_, i) => 100_000 + i * 1000);
  const attempts = { t, v: t.map(() => 1) };
  const failures = { t, v: t.map((_, i) => ([3, 4, 12].includes(i) ? 1 : 0)) };
  const b = joinBuckets(attempts, failures, 100_000, 124_999, { minWidthMs: 4000, maxBars: 100 });
  assert.equal(b.width, 5000);
  assert.deepEqual(b.t, [102_500, 107_500, 112_500, 117_500, 122_500]);
  assert.deepEqual(b.attempts, [5, 5, 5, 5, null]);
  assert.deepEqual(b.failures, [2, 0, 1, 0, null]);
  assert.deepEqual(b.share, [40, 0, 20, 0, null]);
  // Wide ranges: never more than about maxBars.
  assert.ok(joinBuckets(attempts, failures, 0, 86_400_000, { minWidthMs: 4000, maxBars: 120 }).t.length <= 121);
});

test('live-series: an SSE observation appended as points of every metric', async () => {
  const { observationPoints, appendObservation } = await import(new URL('live-series.js', PUBLIC).href);
  assert.deepEqual(observationPoints({ at: 1, state: 'live', listeners: 40, join: { ok: true, ms: 120 } }), { listeners: 40, join_attempts: 1, join_failures: 0, join_ms: 120 });
  assert.deepEqual(observationPoints({ at: 1, state: 'unknown', join: { ok: false, ms: 5000, error: 'timeout' } }), { listeners: null, join_attempts: 1, join_failures: 1, join_ms: null });
  assert.deepEqual(observationPoints({ at: 1, listeners: 7 }), { listeners: 7, join_attempts: 0, join_failures: 0, join_ms: null }, 'an imported row without a join');

  const held = { listeners: { t: [100, 200], v: [1, 2] }, join_attempts: { t: [100, 200], v: [1, 1] }, join_failures: { t: [100, 200], v: [0, 0] }, join_ms: { t: [100, 200], v: [9, 9] } };
  const next = appendObservation(held, { at: 300, state: 'live', listeners: 3, join: { ok: true, ms: 8 } }, 150);
  assert.deepEqual(next.listeners, { t: [200, 300], v: [2, 3] }, 'appended, and what slid out of the window dropped');
  assert.deepEqual(next.join_ms, { t: [200, 300], v: [9, 8] });
  // A replayed frame (the stream reconnected with an older `since`) is not appended twice.
  assert.deepEqual(appendObservation(next, { at: 300, state: 'live', listeners: 3, join: { ok: true, ms: 8 } }, 150).listeners, next.listeners);
  assert.equal(appendObservation(held, { at: 'not a time' }, 0), held);
});

test('chart-data: zoom, pan, the range fetched for a zoom, axis labels', async () => {
  const { zoomView, panView, fetchRange, axisCount, maxPointsFor } = await import(new URL('chart-data.js', PUBLIC).href);
  assert.deepEqual(zoomView(5000, 1000, 1000), { from: 1000, to: 5000 }, 'a right-to-left drag');
  assert.deepEqual(zoomView(1000, 1200, 2000), { from: 100, to: 2100 }, 'widened to the minimum around its middle');
  assert.deepEqual(panView({ from: 0, to: 1000 }, -0.5, 10_000), { from: -500, to: 500 });
  assert.deepEqual(panView({ from: 0, to: 1000 }, 0.5, 1200), { from: 200, to: 1200 }, 'never past now');
  assert.deepEqual(panView({ from: 0, to: 1000 }, 0.5, 900), { from: 0, to: 1000 }, 'already at now');
  assert.deepEqual(fetchRange({ from: 1000, to: 2000 }, 10_000), { from: 750, to: 2250 });
  assert.deepEqual(fetchRange({ from: 1000, to: 2000 }, 2100), { from: 750, to: 2100 });
  assert.equal(axisCount(950_000), '950,000');
  assert.equal(axisCount(1_500_000), '1.5 M');
  assert.equal(axisCount(60_000_000), '60 M');
  assert.equal(axisCount(2e9), '2 B');
  assert.equal(axisCount(-1234.4), '-1,234');
  assert.deepEqual([0, 640.7, 1400, 20_000].map(maxPointsFor), [200, 640, 1400, 10_000], 'about a point per pixel, within bounds');
});

test('overlays: alert bands, marks, rule colours', async () => {
  const o = await import(new URL('target-overlay-data.js', PUBLIC).href);
  const timeline = [
    { id: '1-0', at: '2026-01-01T00:00:00.000Z', type: 'alert-pending', data: { rule: 'drop' }, until: '2026-01-01T00:01:00.000Z' },
    { id: '2-0', at: '2026-01-01T00:01:00.000Z', type: 'alert-firing', data: { rule: 'drop', summary: 'fell 40 %' }, until: '2026-01-01T00:05:00.000Z' },
    { id: '3-0', at: '2026-01-01T00:05:00.000Z', type: 'alert-resolved', data: { rule: 'drop' } },
    { id: '4-0', at: '2026-01-01T00:06:00.000Z', type: 'alert-firing', data: { rule: 'join_failures' }, ongoing: true },
    { id: '5-0', at: '2026-01-01T00:07:00.000Z', type: 'mark', data: { kind: 'incident', text: '<b>mic</b>' } },
    { id: '6-0', at: '2026-01-01T00:08:00.000Z', type: 'claim', data: {} },
  ];
  const T = Date.UTC(2026, 0, 1);
  const bands = o.alertBands(timeline);
  assert.deepEqual(bands, [
    { id: '2-0', rule: 'drop', from: T + 60_000, to: T + 300_000, summary: 'fell 40 %' },
    { id: '4-0', rule: 'join_failures', from: T + 360_000, to: null, summary: '' },
  ]);
  assert.equal(o.bandEnd(bands[0], T + 999_999), T + 300_000);
  assert.equal(o.bandEnd(bands[1], T + 400_000), T + 400_000, 'an ongoing band runs to now');
  assert.match(o.bandRows(bands[1], T + 420_000).at(-1)[1], /now \(ongoing\) \(1 min\)$/);
  assert.deepEqual(o.markLines(timeline), [{ id: '5-0', at: T + 420_000, kind: 'incident', text: '<b>mic</b>' }]);
  // A timeline the API cut short (it keeps the oldest 10,000 entries) is flagged, for the page to say so.
  const { buildOverlays } = await import(new URL('target-model.js', PUBLIC).href);
  const built = (truncated: boolean) => buildOverlays({ status: { scheduledStart: 'nonsense' }, timeline: { events: timeline, truncated }, claims: { claims: [] }, palette: ['red'] });
  assert.equal(built(true).truncated, true);
  assert.equal(built(false).truncated, false);
  assert.equal(built(false).scheduledStart, undefined, 'an unreadable instant draws nothing');
  assert.equal(built(false).bands.length, 2);
  const colors = o.ruleColors(['stall', 'drop', 'stall', 'a', 'b'], ['red', 'green', 'blue']);
  assert.deepEqual([...colors], [['a', 'red'], ['b', 'green'], ['drop', 'blue'], ['stall', 'red']], 'sorted, one colour each, the palette cycling');
});

test('overlays: claim markers, their tooltip rows, the peak and the listeners axis', async () => {
  const o = await import(new URL('target-overlay-data.js', PUBLIC).href);
  const { peakOf } = await import(new URL('chart-data.js', PUBLIC).href);
  const quote = '<script>window.__xss=1</script>';
  const [listeners, views, odd] = o.claimMarkers([
    { id: 'c1', at: '2026-01-01T00:00:00.000Z', metric: 'listeners', value: 100_000, claimant: 'PR', quote, verdict: { label: 'overstated', reason: 'claimed 100,000', measured: 2000, measuredAt: '2026-01-01T00:00:02.000Z', ratio: 50 } },
    { id: 'c2', at: '2026-01-01T00:00:00.000Z', metric: 'views', value: 9_000_000, claimant: 'PR', verdict: { label: 'unverifiable', reason: 'views are cumulative' } },
    { id: 'c3', at: '2026-01-01T00:00:00.000Z', metric: 'listeners', value: 5, claimant: 'x', verdict: { label: '<i>new</i>', reason: '' } },
  ]);
  assert.equal(listeners.onScale, true);
  assert.equal(views.onScale, false, 'views sit on the top edge, not on the listeners axis');
  assert.equal(odd.label, 'unverifiable', 'an unknown label never reaches a class or colour');
  const rows = Object.fromEntries(o.claimRows(listeners));
  assert.equal(rows.claimant, 'PR');
  assert.equal(rows.quote, `“${quote}”`);
  assert.match(rows.claimed, /^100,000 listeners at \d\d:00:00$/);
  assert.match(rows.measured, /^2,000 at \d\d:00:02$/);
  assert.equal(rows.ratio, '50× claimed ÷ measured');
  assert.equal(rows.verdict, 'overstated: claimed 100,000');
  assert.equal(o.formatRatio(50_000), '50,000×');
  assert.equal(o.formatRatio(12.345), '12.3×');
  assert.equal(o.formatRatio(0.684), '0.68×');

  assert.deepEqual(peakOf({ t: [1, 2, 3, 4], v: [5, null, 9, 9] }), { at: 3, value: 9 });
  assert.deepEqual(peakOf({ t: [1, 2, 3, 4], v: [5, null, 9, 9] }, 0, 2), { at: 1, value: 5 });
  assert.equal(peakOf({ t: [], v: [] }), undefined);

  // A claim 50× the data widens the axis; on a log axis both sit a few decades apart.
  assert.deepEqual(o.listenersRange(1000, 2000, [], false), [0, 2200]);
  assert.deepEqual(o.listenersRange(1000, 2000, [100_000], false).map(Math.round), [0, 110_000]);
  assert.deepEqual(o.listenersRange(0, 0, [], false), [0, 10]);
  assert.deepEqual(o.listenersRange(1000, 2000, [100_000], true), [1000, 1_000_000]);
  assert.deepEqual(o.listenersRange(null, null, [], true), [1, 10]);
  assert.equal(o.dwarfRatio(2000, [100_000]), 50);
  assert.equal(o.dwarfRatio(2000, [1000]), 1);
  assert.equal(o.dwarfRatio(undefined, [5]), Infinity);
});

test('favicon: linked by both pages and served, also at /favicon.ico', async (t) => {
  const app = await build(t);
  for (const url of ['/', '/targets/x']) assert.match((await app.inject({ url })).body, /<link rel="icon" href="\/assets\/app\/favicon\.svg"/, url);
  for (const url of ['/assets/app/favicon.svg', '/favicon.ico']) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), /^image\/svg\+xml/, url);
  }
});

// /latest's lastOk and failingSince are what the headline stands on; both stores, as the API promises.

const redisStore = redisStorePerTest();

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const okRow = (at: number, listeners: number) => ({ at, state: 'live', listeners, join: { ok: true, ms: 100 }, source: 'test' });
const failedRow = (at: number, error = 'http_5xx') => ({ at, state: 'unknown', join: { ok: false, ms: 5000, error }, source: 'test' });

async function seed(app: FastifyInstance, id: string, rows: object[]): Promise<void> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/targets', payload: { id, source: { kind: 'x-space', spaceId: 'S1' }, intervalMs: 10_000 } });
  assert.equal(created.statusCode, 201, created.body);
  const res = await app.inject({ method: 'POST', url: `/api/v1/targets/${id}/observations`, payload: rows });
  assert.deepEqual(res.json(), { written: rows.length, duplicates: 0 });
}

async function latest(app: FastifyInstance, id: string) {
  const res = await app.inject({ url: `/api/v1/targets/${id}/latest` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function latestScenarios(app: FastifyInstance): Promise<void> {
  // All good: lastOk is the newest, nothing is failing.
  await seed(app, 'fine', [okRow(T0, 10), okRow(T0 + 10_000, 12)]);
  const fine = await latest(app, 'fine');
  assert.deepEqual(fine.lastOk, fine.observation);
  assert.equal(fine.failingSince, null);

  // A short run of failures, read from raw rows.
  await seed(app, 'blip', [okRow(T0, 10), okRow(T0 + 10_000, 12), failedRow(T0 + 20_000), failedRow(T0 + 30_000)]);
  const blip = await latest(app, 'blip');
  assert.equal(blip.observation.at, iso(T0 + 30_000));
  assert.deepEqual(blip.lastOk, { at: iso(T0 + 10_000), state: 'live', listeners: 12, join: { ok: true, ms: 100 }, source: 'test' });
  assert.equal(blip.failingSince, iso(T0 + 20_000));

  // Three hours down: found through the rollups, not by reading every row since.
  const rows: object[] = [okRow(T0, 100), okRow(T0 + 10_000, 200)];
  for (let at = T0 + 20_000; at <= T0 + 3 * 3_600_000; at += 10_000) rows.push(failedRow(at, 'timeout'));
  await seed(app, 'outage', rows);
  const outage = await latest(app, 'outage');
  assert.equal(outage.lastOk.at, iso(T0 + 10_000));
  assert.equal(outage.lastOk.listeners, 200);
  assert.equal(outage.failingSince, iso(T0 + 20_000));

  // Never succeeded: failing since the first observation.
  await seed(app, 'never', [failedRow(T0), failedRow(T0 + 10_000)]);
  assert.deepEqual(await latest(app, 'never').then((l) => [l.lastOk, l.failingSince]), [null, iso(T0)]);

  // Imported counts carry no join attempt: they are not failures.
  await seed(app, 'imported', [okRow(T0, 10), { at: T0 + 10_000, listeners: 15, source: 'screenshot' }]);
  const imported = await latest(app, 'imported');
  assert.deepEqual(imported.lastOk, imported.observation);
  assert.equal(imported.failingSince, null);
}

test('latest: lastOk and failingSince (memory store)', async (t) => {
  await latestScenarios(await build(t));
});

test('latest: lastOk and failingSince (redis store)', async (t) => {
  const store = await redisStore(t);
  await latestScenarios(await build(t, { store }));
});

test('latest: the new fields are in the OpenAPI document', async (t) => {
  const app = await build(t);
  const doc = (await app.inject({ url: '/docs/json' })).json();
  const schema = doc.paths['/api/v1/targets/{id}/latest'].get.responses['200'].content['application/json'].schema;
  assert.ok(schema.properties.lastOk?.description?.includes('last known state'), JSON.stringify(schema.properties.lastOk));
  assert.ok(schema.properties.failingSince?.description?.includes('failed probes'));
});

test('report page figures: on air before the range is not "never"', async () => {
  const { figures } = await import(new URL('report-format.js', PUBLIC).href);
  const base = { schedule: { start: null }, listeners: { peak: null, peakAt: null, mean: null, listenerMinutes: 0 }, joins: { attempts: 0, failed: 0 }, delayMs: null, durationMs: null };
  const onAir = (r: Record<string, unknown>) => (figures({ ...base, ...r }) as [string, string, string][]).find(([key]) => key === 'on-air')![2];
  assert.equal(onAir({ onAirAt: null, onAirBeforeRange: false }), 'never');
  assert.equal(onAir({ onAirAt: null, onAirBeforeRange: true }), 'before the range (not recorded)');
  assert.equal(onAir({ onAirAt: '2025-11-21T20:10:10.000Z', onAirBy: 'mark' }), '2025-11-21 20:10:10 (mark)');
});
