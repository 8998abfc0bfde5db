// An imported row's `source` label goes verbatim into the report's CSV (escaping it there would break
// the hash and the import round trip), so a label a spreadsheet would run as a formula is refused at
// the door: JSON and NDJSON imports, and the `spacewatch import` row checker that shares the schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRowChecker } from '../../src/import/rows.js';
import { build } from '../helpers/app.js';
import { createTarget, importRows } from './scenarios.js';

const REFUSED = 'must be a label of 1–64 characters saying where the row comes from, not starting with =, +, -, @, a tab or a carriage return';
const FORMULAS = ['=HYPERLINK("http://evil.example","click")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];

test('import: a source label starting like a formula is a 400 naming the field', async (t) => {
  const app = await build(t);
  await createTarget(app, 'csvi');
  for (const source of FORMULAS) {
    const res = await importRows(app, 'csvi', [{ at: 1000, source: 'ok' }, { at: 2000, source }]);
    assert.equal(res.statusCode, 400, source);
    assert.deepEqual(res.json(), { statusCode: 400, code: 'SW_VALIDATION', error: 'Bad Request', message: `body[1].source: ${REFUSED}` }, source);
    const nd = await importRows(app, 'csvi', JSON.stringify({ at: 3000, source }), 'application/x-ndjson');
    assert.equal(nd.statusCode, 400, source);
    assert.deepEqual([nd.json().code, nd.json().message], ['SW_BAD_NDJSON', `NDJSON line 1: source: ${REFUSED}`], source);
  }
  // Nothing of a refused import was written.
  const series = await app.inject({ url: '/api/v1/targets/csvi/series?metric=listeners&from=0&to=10000' });
  assert.deepEqual(series.json().t, []);
});

test('import: labels with those characters elsewhere, and ordinary ones, are accepted', async (t) => {
  const app = await build(t);
  await createTarget(app, 'csvi');
  const sources = ['screenshot-2024-05-01', 'a=b', 'x+y', 'e-mail', 'me@example.org', 'screenshot "A", cropped', '1-2'];
  const res = await importRows(app, 'csvi', sources.map((source, i) => ({ at: (i + 1) * 1000, listeners: i, source })));
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { written: sources.length, duplicates: 0 });
});

test('spacewatch import: the row checker refuses the same labels, by line', () => {
  const checker = createRowChecker();
  for (const source of FORMULAS) assert.deepEqual(checker.check({ at: 1000, source }), { ok: false, problem: `source: ${REFUSED}` }, source);
  assert.equal(checker.check({ at: 1000, source: 'partner-export' }).ok, true);
});
