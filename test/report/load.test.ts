// The report's I/O edge on a real MemoryStore: pages, the row bound, and the CSV export's second read.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SpacewatchError } from '../../src/errors.js';
import { createParser } from '../../src/import/parse.js';
import { loadReport, csvExport } from '../../src/report/load.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Target } from '../../src/types.js';
import { ALERT_EVENTS, at, EXPECTED, ID, INTERVAL_MS, NAME, observations, T } from './scenario.js';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const target: Target = { id: ID, name: NAME, source: { kind: 'x-space', spaceId: 'S' }, intervalMs: INTERVAL_MS, schedule: { start: new Date(T).toISOString() } };

async function seeded(t: import('node:test').TestContext) {
  const store = new MemoryStore();
  t.after(() => store.close());
  await store.putTarget(target);
  await store.append(observations().map((obs) => ({ targetId: ID, obs })));
  for (const e of ALERT_EVENTS) await store.appendEvent(ID, e);
  return store;
}

async function text(gen: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const chunk of gen) out += chunk;
  return out;
}

test('load: pages of any size give the report of one read', async (t) => {
  const store = await seeded(t);
  const whole = await loadReport(store, target, { to: NOW }, NOW);
  assert.equal(whole.methodology.observations, EXPECTED.observations);
  assert.equal(whole.onAirAt, EXPECTED.onAirAt);
  for (const pageRows of [1, 13, 100]) assert.deepEqual(await loadReport(store, target, { to: NOW }, NOW, { pageRows }), whole, `pages of ${pageRows}`);
});

test('load: the minute before `from` is read as context for the on-air test, not counted or hashed', async (t) => {
  const store = await seeded(t);
  // from 20:05:20, inside the join storm: on air at 20:10:10 as in the whole report, not at 20:05:20.
  const storm = await loadReport(store, target, { from: at(5, 20), to: at(45) }, NOW, { pageRows: 7 });
  assert.deepEqual([storm.onAirAt, storm.delayMs, storm.onAirBeforeRange], [EXPECTED.onAirAt, EXPECTED.delayMs, false]);
  assert.equal(storm.methodology.firstAt, at(5, 20));
  // from 20:20, on air before it and nothing recorded when: no moment invented at 20:20.
  const later = await loadReport(store, target, { from: at(20), to: at(45) }, NOW);
  assert.deepEqual([later.liveAt, later.onAirAt, later.onAirBeforeRange, later.delayMs], [undefined, undefined, true, undefined]);
  assert.equal(later.methodology.observations, 152);
  const csv = await text(csvExport(store, later));
  assert.equal(csv.split('\n').filter((l) => /^\d/.test(l)).length, 152);
});

test('load: a range holding more rows than the bound is a 400 naming the range', async (t) => {
  const store = await seeded(t);
  await assert.rejects(loadReport(store, target, { to: NOW }, NOW, { maxRows: 100, pageRows: 50 }), (err: unknown) => {
    assert.ok(err instanceof SpacewatchError);
    assert.equal(err.code, 'SW_RANGE_INVALID');
    assert.equal(err.statusCode, 400);
    assert.match(err.message, /^query\.from: the range holds more than 100 observations/);
    return true;
  });
  // At the bound exactly, it is read.
  const r = await loadReport(store, target, { from: T, to: T + 99 * INTERVAL_MS }, NOW, { maxRows: 100, pageRows: 50 });
  assert.equal(r.methodology.observations, 100);
});

test('csv export: comments, then data lines whose hash is the report\'s', async (t) => {
  const store = await seeded(t);
  const report = await loadReport(store, target, { to: NOW }, NOW);
  const csv = await text(csvExport(store, report, 37));
  const data = csv.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.equal(data.length, 1 + EXPECTED.observations);
  const hash = createHash('sha256').update(data.map((l) => `${l}\n`).join('')).digest('hex');
  assert.equal(hash, report.sha256);
  assert.ok(csv.startsWith('# spacewatch observations of town-hall'));
  assert.doesNotMatch(csv, /# warning/);
});

test('csv export: rows written after the report was cut are not in the file; rows imported into it are flagged', async (t) => {
  const store = await seeded(t);
  const report = await loadReport(store, target, { to: NOW }, NOW);
  // A poller writing on: newer than the report's last row, so outside what the file reads.
  await store.append([{ targetId: ID, obs: { at: T + 2 * 3_600_000, state: 'live', listeners: 1 } }]);
  const after = await text(csvExport(store, report));
  assert.doesNotMatch(after, /# warning/);
  assert.equal(after.split('\n').filter((l) => /^\d/.test(l)).length, EXPECTED.observations);
  // An import into the middle of the range between the two reads: the file says so, with the hash of what it holds.
  await store.append([{ targetId: ID, obs: { at: T + 5, state: 'live', listeners: 1, source: 'late' } }]);
  const changed = await text(csvExport(store, report));
  const data = changed.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const hash = createHash('sha256').update(data.map((l) => `${l}\n`).join('')).digest('hex');
  assert.notEqual(hash, report.sha256);
  assert.ok(changed.endsWith(`# warning: the stored observations changed while this file was written; its data lines hash to ${hash}, not to the sha256 above\n`));
});

test('csv export: `spacewatch import` reads it back row for row (contracts.md §3)', async (t) => {
  const store = await seeded(t);
  const report = await loadReport(store, target, { to: NOW }, NOW);
  const parser = createParser('csv', 'default-label');
  const csv = await text(csvExport(store, report, 50));
  const parsed = [...parser.push(csv), ...parser.end()];
  assert.deepEqual(
    parsed.map((p) => ('row' in p ? p.row : p)),
    observations(),
  );
});
