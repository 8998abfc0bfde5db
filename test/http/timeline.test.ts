import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { build } from '../helpers/app.js';
import { createTarget } from './scenarios.js';

const T = Date.UTC(2024, 7, 13, 0, 0, 0);
const min = (m: number) => T + m * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function seeded(t: import('node:test').TestContext) {
  const store = new MemoryStore();
  t.after(() => store.close());
  const app = await build(t, { store });
  await createTarget(app, 'tl');
  // Written out of time order, as a poller, an engine and operators would.
  const events = [
    { at: min(41), type: 'alert-resolved', data: { rule: 'join_failures', from: 'firing', value: 0.05, threshold: 0.2, summary: 'join failures 5 % over 2 m' } },
    { at: min(5), type: 'alert-firing', data: { rule: 'join_failures', from: 'pending', value: 0.62, threshold: 0.2, summary: 'join failures 62 % over 2 m (31/50 attempts)' } },
    { at: min(4.5), type: 'alert-pending', data: { rule: 'join_failures', from: 'inactive', value: 0.4, threshold: 0.2, summary: 'join failures 40 %' } },
    { at: min(-10), type: 'source-schedule', data: { start: iso(T) } },
    { at: min(2), type: 'state-change', data: { from: 'scheduled', to: 'live' } },
    { at: min(2), type: 'source-started', data: { at: iso(min(2)) } },
    { at: min(20), type: 'silence-start', data: { levelDb: -91 } },
    { at: min(23), type: 'silence-end', data: { levelDb: -20, durationMs: 180_000 } },
    { at: min(50), type: 'alert-firing', data: { rule: 'outage', from: 'pending', value: 3, threshold: 3, summary: 'outage: 3 failed probes in a row' } },
  ];
  for (const e of events) await store.appendEvent('tl', e);
  await app.inject({ method: 'POST', url: '/api/v1/targets/tl/marks', payload: { at: min(3), kind: 'program-start' } });
  await app.inject({ method: 'POST', url: '/api/v1/targets/tl/claims', payload: { at: min(41), metric: 'listeners', value: 60_000_000, claimant: 'Owner' } });
  return app;
}

test('timeline: every event in time order, with spans on the entries that open one', async (t) => {
  const app = await seeded(t);
  const res = await app.inject({ url: '/api/v1/targets/tl/timeline' });
  assert.equal(res.statusCode, 200);
  const { events, truncated } = res.json();
  assert.equal(truncated, false);
  assert.deepEqual(
    events.map((e: { at: string; type: string }) => [e.at.slice(11, 19), e.type]),
    [
      ['23:50:00', 'source-schedule'],
      ['00:02:00', 'state-change'],
      ['00:02:00', 'source-started'],
      ['00:03:00', 'mark'],
      ['00:04:30', 'alert-pending'],
      ['00:05:00', 'alert-firing'],
      ['00:20:00', 'silence-start'],
      ['00:23:00', 'silence-end'],
      ['00:41:00', 'alert-resolved'],
      ['00:41:00', 'claim'],
      ['00:50:00', 'alert-firing'],
    ],
  );
  for (const e of events) assert.match(e.id, /^\d+-\d+$/);
  const byType = (type: string, i = 0) => events.filter((e: { type: string }) => e.type === type)[i];

  // "join failures 00:05–00:41, 36 min"
  const firing = byType('alert-firing');
  assert.deepEqual(firing, {
    id: firing.id,
    at: iso(min(5)),
    type: 'alert-firing',
    data: { rule: 'join_failures', from: 'pending', value: 0.62, threshold: 0.2, summary: 'join failures 62 % over 2 m (31/50 attempts)' },
    until: iso(min(41)),
    durationMs: 36 * 60_000,
  });
  assert.deepEqual([byType('alert-pending').until, byType('alert-pending').durationMs], [iso(min(5)), 30_000]);
  assert.deepEqual([byType('silence-start').until, byType('silence-start').durationMs], [iso(min(23)), 180_000]);
  // The programme has not ended; the outage alert is still firing.
  const mark = byType('mark');
  assert.equal(mark.ongoing, true);
  assert.ok(mark.durationMs >= Date.now() - min(3) - 1000);
  assert.equal(byType('alert-firing', 1).ongoing, true);
  // Closing and plain events carry no span.
  for (const type of ['alert-resolved', 'silence-end', 'claim', 'state-change']) {
    assert.equal('until' in byType(type), false, type);
    assert.equal('durationMs' in byType(type), false, type);
  }
  assert.deepEqual(byType('claim').data, { metric: 'listeners', claimant: 'Owner', value: 60_000_000 });
});

test('timeline: from/to select by instant, and a span closing after `to` still gets its end', async (t) => {
  const app = await seeded(t);
  const res = await app.inject({ url: `/api/v1/targets/tl/timeline?from=${iso(min(4))}&to=${min(30)}` });
  const { events } = res.json();
  assert.deepEqual(
    events.map((e: { type: string }) => e.type),
    ['alert-pending', 'alert-firing', 'silence-start', 'silence-end'],
  );
  assert.equal(events[1].until, iso(min(41)));
});

test('timeline: bad ranges are 400s naming the field; unknown target 404; empty timeline', async (t) => {
  const app = await build(t);
  await createTarget(app, 'empty');
  assert.deepEqual((await app.inject({ url: '/api/v1/targets/empty/timeline' })).json(), { events: [], truncated: false });
  const cases: [string, string, string][] = [
    ['from=yesterday', 'SW_VALIDATION', 'query.from: must be an ISO-8601 date-time or epoch milliseconds'],
    ['to=-1', 'SW_VALIDATION', 'query.to: must be an ISO-8601 date-time or epoch milliseconds'],
    ['from=2000&to=1000', 'SW_RANGE_INVALID', 'query.from: must not be after query.to'],
    ['colour=red', 'SW_VALIDATION', 'query.colour: is not a known field'],
  ];
  for (const [query, code, message] of cases) {
    const res = await app.inject({ url: `/api/v1/targets/empty/timeline?${query}` });
    assert.equal(res.statusCode, 400, query);
    assert.deepEqual([res.json().code, res.json().message], [code, message], query);
  }
  assert.equal((await app.inject({ url: '/api/v1/targets/ghost/timeline' })).json().code, 'SW_TARGET_NOT_FOUND');
});
