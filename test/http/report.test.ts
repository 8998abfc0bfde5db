// GET /api/v1/targets/:id/report through the real app, on the memory store and on a real Redis: the
// known scenario (test/report/scenario.ts) in each format, checked against the figures worked out by
// hand, and the SHA-256 checked against the CSV itself.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import { build } from '../helpers/app.js';
import { redisStorePerTest } from '../helpers/redis.js';
import { at, EXPECTED, ID, iso, NAME, observations, seedReportScenario, T } from '../report/scenario.js';

const redisStore = redisStorePerTest();

const url = (query = '') => `/api/v1/targets/${ID}/report${query}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** What `grep -v '^#' file | sha256sum` computes. */
const dataLines = (csv: string) =>
  csv
    .split(/(?<=\n)/)
    .filter((l) => !l.startsWith('#'))
    .join('');

async function seed(app: FastifyInstance, store: Store) {
  await seedReportScenario(async (method, path, body) => {
    const res = await app.inject({ method: method as 'GET' | 'POST', url: path, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: res.body };
  }, store);
}

async function reportScenario(app: FastifyInstance, store: Store): Promise<void> {
  await seed(app, store);

  // ── JSON ──
  const res = await app.inject({ url: url() });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const r = res.json();
  assert.deepEqual(r.target, { id: ID, name: NAME, kind: 'x-space', intervalMs: 10_000 });
  assert.equal(r.range.from, null);
  assert.deepEqual(r.schedule, { start: iso(T) });
  assert.equal(r.liveAt, iso(EXPECTED.liveAt));
  assert.equal(r.onAirAt, iso(EXPECTED.onAirAt));
  assert.equal(r.onAirBy, 'data');
  assert.equal(r.onAirBeforeRange, false);
  assert.equal(r.delayMs, EXPECTED.delayMs);
  assert.equal(r.endedAt, iso(EXPECTED.endedAt));
  assert.equal(r.endedBy, 'mark');
  assert.equal(r.durationMs, EXPECTED.durationMs);
  assert.deepEqual(r.listeners, {
    peak: EXPECTED.peak,
    peakAt: iso(EXPECTED.peakAt),
    mean: EXPECTED.mean,
    meanFrom: iso(EXPECTED.onAirAt),
    meanTo: iso(EXPECTED.endedAt),
    listenerMinutes: EXPECTED.listenerMinutes,
  });
  assert.deepEqual(r.joins, EXPECTED.joins);
  assert.deepEqual(
    r.joinFailures,
    EXPECTED.joinFailures.map((e) => ({ ...e, from: iso(e.from), to: iso(e.to) })),
  );
  assert.deepEqual(
    r.alerts,
    [
      { rule: 'join_failures', firedAt: iso(at(1, 20)), resolvedAt: iso(at(12)), durationMs: 640_000, summary: 'join failures 66.7 % over 2 m (8/12 attempts; http_5xx 6, timeout 2)' },
      { rule: 'outage', firedAt: iso(at(40, 20)), resolvedAt: iso(at(43, 10)), durationMs: 170_000, summary: 'outage: 3 failed probes in a row' },
    ],
  );
  assert.deepEqual(
    r.claims.map((c: { at: string; value: number; claimant: string; verdict: { label: string; measured: number; ratio: number } }) => [c.at, c.value, c.claimant, c.verdict.label, c.verdict.measured, Math.round(c.verdict.ratio * 100) / 100]),
    [
      [iso(at(30)), 60_000_000, 'Host <b>', 'overstated', 19_000, 3157.89],
      [iso(at(50)), 20_000, 'Producer', 'consistent', 19_000, 1.05],
    ],
  );
  assert.equal(r.summary, EXPECTED.summary);
  assert.equal(r.methodology.observations, EXPECTED.observations);
  assert.deepEqual(r.methodology.sources, [
    { source: 'probe-export', observations: 397 },
    { source: 'screenshot "A", cropped', observations: 1 },
  ]);
  assert.deepEqual([r.methodology.intervalMs, r.methodology.firstAt, r.methodology.lastAt], [10_000, iso(at(-5)), iso(at(61))]);
  assert.deepEqual(r.methodology.joinFailures, { rate: 0.2, minAttempts: 5, bucketMs: 60_000 });
  assert.ok(r.methodology.notes.length >= 5);
  assert.ok(r.timeline.some((m: { kind: string; text: string }) => m.kind === 'mark' && m.text === 'operator mark program-end: Host said goodbye'));
  assert.match(r.sha256, /^[0-9a-f]{64}$/);
  assert.equal(res.headers['x-spacewatch-sha256'], r.sha256);

  // ── CSV: the raw rows, and the hash over its data lines ──
  const csvRes = await app.inject({ url: r.csv });
  assert.equal(csvRes.statusCode, 200);
  assert.equal(csvRes.headers['content-type'], 'text/csv; charset=utf-8');
  assert.equal(csvRes.headers['content-disposition'], `attachment; filename="${ID}-report.csv"`);
  const csv = csvRes.body;
  const data = dataLines(csv);
  assert.equal(sha256(data), r.sha256, 'sha256(grep -v ^# report.csv) is the JSON sha256');
  assert.equal(csvRes.headers['x-spacewatch-sha256'], r.sha256);
  assert.ok(csv.split('\n').includes(`# sha256: ${r.sha256}`));
  const lines = data.split('\n').slice(0, -1);
  assert.equal(lines.length, 1 + EXPECTED.observations);
  assert.equal(lines[0], 'at,time,state,listeners,join_ok,join_ms,join_error,source');
  assert.equal(lines[1], `${at(-5)},2025-11-21T19:55:00.000Z,scheduled,,false,40,not_found,probe-export`);
  assert.equal(lines[31], `${T},2025-11-21T20:00:00.000Z,live,1000,false,5000,http_5xx,probe-export`);
  assert.ok(lines.includes(`${at(30, 5)},2025-11-21T20:30:05.000Z,live,19000,,,,"screenshot ""A"", cropped"`));
  assert.ok(lines.includes(`${at(41)},2025-11-21T20:41:00.000Z,unknown,,false,5000,connect_timeout,probe-export`));
  assert.equal(lines.at(-1), `${at(61)},2025-11-21T21:01:00.000Z,ended,,false,30,ended,probe-export`);
  // Every row is one observation, oldest first, as imported.
  assert.deepEqual(
    lines.slice(1).map((l) => Number(l.split(',')[0])),
    observations().map((o) => o.at),
  );

  // ── Markdown ──
  const mdRes = await app.inject({ url: url('?format=md') });
  assert.equal(mdRes.statusCode, 200);
  assert.equal(mdRes.headers['content-type'], 'text/markdown; charset=utf-8');
  assert.equal(mdRes.headers['x-spacewatch-sha256'], r.sha256);
  const md = mdRes.body;
  assert.match(md, /^# Post-incident report: Town hall \\\| Q&amp;A\n/);
  assert.ok(
    md.includes(
      'Scheduled 2025-11-21 20:00 UTC; on air 20:10 (10 min 10 s late). The source reported live at 20:00, 10 min 10 s before it was on air. Peak 19,000 listeners at 20:30. ' +
        'Join failures 20:00–20:10 (10 min): 66.7 % of 60 attempts failed (http_5xx 30, timeout 10).',
    ),
    'headline paragraph',
  );
  for (const section of ['## Timeline (UTC)', '## Listeners', '## Join failures', '## Alerts', '## Claims', '## Methodology', '## Verifying the raw data']) {
    assert.ok(md.includes(`\n${section}\n`), section);
  }
  assert.ok(md.includes('| 2025-11-21 20:00:00 | 2025-11-21 20:10:00 | 10 min | 40 | 60 | 66.7 % | http_5xx 30, timeout 10 |'));
  // Exact, as the page and the JSON's durationMs (170,000) say: not rounded to "3 min".
  assert.ok(md.includes('| outage | 2025-11-21 20:40:20 | 2025-11-21 20:43:10 | 2 min 50 s | outage: 3 failed probes in a row |'));
  assert.ok(md.includes('| delay | 10 min 10 s late |'));
  assert.ok(md.includes('| mean listeners (time-weighted, on air 2025-11-21 20:10:10 – 2025-11-21 21:00:00) | 15,828 |'));
  assert.ok(md.includes('| listener-minutes | 779,833 |'));
  // The hostile quote and claimant: text, not markup; the row keeps its nine cells.
  assert.doesNotMatch(md, /<script|<b>/);
  const claimRow = md.split('\n').find((l) => l.startsWith('| 2025-11-21 20:30:00 | Host'))!;
  assert.ok(claimRow, 'claim row');
  assert.equal(claimRow.match(/(?<!\\)\|/g)!.length, 10);
  assert.ok(claimRow.includes('| Host &lt;b&gt; | 60,000,000 listeners | 19,000 | 3,158× | overstated |'));
  assert.ok(claimRow.includes('&lt;script&gt;window.\\_\\_xss=1&lt;/script&gt; \\| \\[click\\](http://evil.example)'));
  assert.ok(md.includes('| 2025-11-21 20:20:00 | operator mark note: Q&amp;A \\| part 2 \\[link\\](http://x.example) |'));
  assert.ok(md.includes(`\`${r.sha256}\``));
  assert.ok(md.includes(`grep -v '^#' ${ID}-report.csv | sha256sum`));

  // ── A range: 20:20–20:45 ──
  const ranged = await app.inject({ url: url(`?from=${iso(at(20))}&to=${at(45)}`) });
  assert.equal(ranged.statusCode, 200, ranged.body);
  const rr = ranged.json();
  assert.deepEqual(rr.range, { from: iso(at(20)), to: iso(at(45)) });
  assert.equal(rr.methodology.observations, 152);
  assert.deepEqual(rr.alerts.map((a: { rule: string }) => a.rule), ['outage']);
  assert.deepEqual(rr.claims.map((c: { claimant: string }) => c.claimant), ['Host <b>']);
  // On air before 20:20: not invented at 20:20 (recorded by the import, or left unknown).
  assert.equal(rr.onAirBeforeRange, true);
  assert.notEqual(rr.onAirAt, iso(at(20)));
  assert.notEqual(rr.liveAt, iso(at(20)));
  const rangedCsv = await app.inject({ url: rr.csv });
  assert.equal(sha256(dataLines(rangedCsv.body)), rr.sha256);
  assert.notEqual(rr.sha256, r.sha256);

  // ── A range starting inside the join storm: the minute before it is read, so 20:05:20 is not "on air" ──
  const storm = (await app.inject({ url: url(`?from=${iso(at(5, 20))}&to=${iso(at(45))}`) })).json();
  assert.deepEqual([storm.onAirAt, storm.delayMs, storm.onAirBeforeRange], [iso(EXPECTED.onAirAt), EXPECTED.delayMs, false]);
  assert.match(storm.summary, /^Scheduled 2025-11-21 20:00 UTC; on air 20:10 \(10 min 10 s late\)\. /);
  assert.equal(storm.methodology.firstAt, iso(at(5, 20)));
}

test('report: the known scenario in every format (memory store)', async (t) => {
  const store = new MemoryStore();
  t.after(() => store.close());
  await reportScenario(await build(t, { store }), store);
});

test('report: the known scenario in every format (redis store)', async (t) => {
  const store = await redisStore(t);
  await reportScenario(await build(t, { store }), store);
});

test('report: bad input is a 4xx naming the field', async (t) => {
  const app = await build(t);
  const created = await app.inject({ method: 'POST', url: '/api/v1/targets', payload: { id: 'empty', source: { kind: 'x-space', spaceId: 'S' } } });
  assert.equal(created.statusCode, 201);
  const cases: [string, number, string, RegExp][] = [
    ['/api/v1/targets/empty/report?format=pdf', 400, 'SW_VALIDATION', /^query\.format: must be one of json, md, csv$/],
    ['/api/v1/targets/empty/report?from=yesterday', 400, 'SW_VALIDATION', /^query\.from: /],
    ['/api/v1/targets/empty/report?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z', 400, 'SW_RANGE_INVALID', /^query\.from: must not be after query\.to$/],
    ['/api/v1/targets/empty/report?from=9999999999999', 400, 'SW_RANGE_INVALID', /^query\.from: must not be in the future$/],
    // A `to` later than now is cut to now; a `from` before that `to` but after now is in the future, not "after query.to".
    ['/api/v1/targets/empty/report?from=9999999999999&to=9999999999999', 400, 'SW_RANGE_INVALID', /^query\.from: must not be in the future$/],
    ['/api/v1/targets/empty/report?from=2999-01-01T00:00:00Z&to=3000-01-01T00:00:00Z', 400, 'SW_RANGE_INVALID', /^query\.from: must not be in the future$/],
    ['/api/v1/targets/empty/report?colour=red', 400, 'SW_VALIDATION', /^query\.colour: is not a known field$/],
    ['/api/v1/targets/nobody/report', 404, 'SW_TARGET_NOT_FOUND', /^no target with id "nobody"$/],
    ['/api/v1/targets/nobody/report?format=csv', 404, 'SW_TARGET_NOT_FOUND', /^no target with id "nobody"$/],
  ];
  for (const [path, status, code, message] of cases) {
    const res = await app.inject({ url: path });
    assert.equal(res.statusCode, status, `${path}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/json/, path);
    assert.equal(res.json().code, code, path);
    assert.match(res.json().message, message, path);
  }
  // A target without data: a report of nothing, still with the hash of the CSV header alone.
  const empty = await app.inject({ url: '/api/v1/targets/empty/report' });
  assert.equal(empty.statusCode, 200);
  assert.equal(empty.json().sha256, sha256('at,time,state,listeners,join_ok,join_ms,join_error,source\n'));
  assert.equal(empty.json().summary, 'Not on air in this range (no schedule known). No listener counts recorded.');
});

test('report: documented in OpenAPI with its formats', async (t) => {
  const app = await build(t);
  const doc = (await app.inject({ url: '/docs/json' })).json();
  const op = doc.paths['/api/v1/targets/{id}/report'].get;
  assert.match(op.summary, /report/i);
  assert.match(op.description, /x-spacewatch-sha256/);
  const format = op.parameters.find((p: { name: string }) => p.name === 'format');
  assert.deepEqual(format.schema.anyOf.map((s: { const?: string; enum?: string[] }) => s.const ?? s.enum?.[0]), ['json', 'md', 'csv']);
  const content = op.responses['200'].content;
  assert.deepEqual(Object.keys(content).sort(), ['application/json', 'text/csv', 'text/markdown']);
  assert.ok(content['application/json'].schema.properties.sha256);
  assert.ok(content['application/json'].schema.properties.joinFailures);
});
