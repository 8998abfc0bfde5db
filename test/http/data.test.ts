import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from '../helpers/app.js';
import { createTarget, importRows, scenarios } from './scenarios.js';

for (const [name, scenario] of Object.entries(scenarios)) {
  test(`memory store: ${name}`, async (t) => scenario(await build(t)));
}

test('NDJSON with a bad line 3 names the line and the field', async (t) => {
  const app = await build(t);
  await createTarget(app, 'nd');
  const body = ['{"at":1000,"source":"x"}', '{"at":2000,"source":"x"}', '{"listeners":5,"source":"x"}', '{"at":4000,"source":"x"}'].join('\n');
  const res = await importRows(app, 'nd', body, 'application/x-ndjson');
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { statusCode: 400, code: 'SW_BAD_NDJSON', error: 'Bad Request', message: 'NDJSON line 3: at: is required' });
  // Nothing of a rejected import is written.
  const s = await app.inject({ url: '/api/v1/targets/nd/series?metric=listeners&from=0&to=10000' });
  assert.deepEqual(s.json().t, []);
});

test('NDJSON line errors: syntax, wrong type, blank lines counted', async (t) => {
  const app = await build(t);
  await createTarget(app, 'nd');
  const cases: [string, string][] = [
    ['{"at":1000,"source":"x"}\n{"at":2000,', 'NDJSON line 2: not valid JSON ('],
    ['{"at":1000,"source":"x"}\n\n{"at":"yesterday","source":"x"}', 'NDJSON line 3: at: must be an ISO-8601 date-time or epoch milliseconds'],
    ['{"at":1000,"source":"x","listeners":-1}', 'NDJSON line 1: listeners: must be an integer between 0 and 10000000000'],
    ['{"at":0,"source":"x"}', 'NDJSON line 1: at: must be after 1970-01-01T00:00:00.000Z'],
    ['{"at":"2016-12-31T23:59:60Z","source":"x"}', 'NDJSON line 1: at: must be an instant between 1970 and the year 275760, without a leap second'],
    ['{"at":1000,"source":"x","join":{"ok":false,"ms":5,"error":"gremlins"}}', 'NDJSON line 1: join.error: must be one of dns,'],
    ['{"at":1000,"source":"x","colour":"red"}', 'NDJSON line 1: colour: is not a known field'],
    ['[1,2]', 'NDJSON line 1: (root): must be object'],
  ];
  for (const [body, message] of cases) {
    const res = await importRows(app, 'nd', body, 'application/x-ndjson');
    assert.equal(res.statusCode, 400, body);
    assert.equal(res.json().code, 'SW_BAD_NDJSON', body);
    assert.ok(res.json().message.startsWith(message), `${body}\n→ ${res.json().message}`);
  }
});

test('JSON import rows are validated with the field named by index', async (t) => {
  const app = await build(t);
  await createTarget(app, 'js');
  const res = await importRows(app, 'js', [{ at: 1000, source: 'x' }, { at: 2000 }]);
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { statusCode: 400, code: 'SW_VALIDATION', error: 'Bad Request', message: 'body[1].source: is required' });
  const notArray = await importRows(app, 'js', { at: 1000, source: 'x' });
  assert.equal(notArray.json().message, 'body: must be array');
});

test('too many rows is a 413 SW_IMPORT_TOO_LARGE, for JSON and NDJSON', async (t) => {
  const app = await build(t, { importMaxRows: 3 });
  await createTarget(app, 'big');
  const rows = [1, 2, 3, 4].map((i) => ({ at: i * 1000, source: 'x' }));
  const json = await importRows(app, 'big', rows);
  assert.equal(json.statusCode, 413);
  assert.deepEqual(json.json(), { statusCode: 413, code: 'SW_IMPORT_TOO_LARGE', error: 'Payload Too Large', message: 'an import holds at most 3 rows per request' });
  const nd = await importRows(app, 'big', rows.map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson');
  assert.equal(nd.statusCode, 413);
  assert.equal(nd.json().code, 'SW_IMPORT_TOO_LARGE');
  const ok = await importRows(app, 'big', rows.slice(0, 3));
  assert.deepEqual(ok.json(), { written: 3, duplicates: 0 });
});

test('import into an unknown target is a 404; an empty import writes nothing', async (t) => {
  const app = await build(t);
  const res = await importRows(app, 'ghost', [{ at: 1, source: 'x' }]);
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().code, 'SW_TARGET_NOT_FOUND');
  await createTarget(app, 'quiet');
  assert.deepEqual((await importRows(app, 'quiet', [])).json(), { written: 0, duplicates: 0 });
});

test('series: validation of metric, range and maxPoints', async (t) => {
  const app = await build(t);
  await createTarget(app, 's');
  const cases: [string, number, string, string][] = [
    ['', 400, 'SW_VALIDATION', 'query.metric: is required'],
    ['metric=bogus', 400, 'SW_VALIDATION', 'query.metric: must be one of listeners, join_attempts, join_failures, join_ms'],
    ['metric=listeners&from=2000&to=1000', 400, 'SW_RANGE_INVALID', 'query.from: must not be after query.to'],
    ['metric=listeners&from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z', 400, 'SW_RANGE_INVALID', 'query.from: must not be after query.to'],
    ['metric=listeners&from=last-tuesday', 400, 'SW_VALIDATION', 'query.from: must be an ISO-8601 date-time or epoch milliseconds'],
    ['metric=listeners&to=-5', 400, 'SW_VALIDATION', 'query.to: must be an ISO-8601 date-time or epoch milliseconds'],
    ['metric=listeners&maxPoints=10001', 400, 'SW_VALIDATION', 'query.maxPoints: must be an integer between 1 and 10000'],
    ['metric=listeners&maxPoints=2.5', 400, 'SW_VALIDATION', 'query.maxPoints: must be an integer between 1 and 10000'],
    ['metric=listeners&window=1h', 400, 'SW_VALIDATION', 'query.window: is not a known field'],
    ['metric=listeners&from=99999999999999999', 400, 'SW_VALIDATION', 'query.from: must be an instant between 1970 and the year 275760, without a leap second'],
  ];
  for (const [query, status, code, message] of cases) {
    const res = await app.inject({ url: `/api/v1/targets/s/series?${query}` });
    assert.deepEqual([res.statusCode, res.json().code, res.json().message], [status, code, message], query);
  }
  const missing = await app.inject({ url: '/api/v1/targets/nobody/series?metric=listeners' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'SW_TARGET_NOT_FOUND');
});

test('latest: null before the first observation', async (t) => {
  const app = await build(t);
  await createTarget(app, 'new');
  const res = await app.inject({ url: '/api/v1/targets/new/latest' });
  assert.deepEqual(res.json(), { observation: null });
});
