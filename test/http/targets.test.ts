import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSources } from '../../src/sources/index.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { build } from '../helpers/app.js';
import { createTarget } from './scenarios.js';

const post = (payload: unknown) => ({ method: 'POST' as const, url: '/api/v1/targets', payload: payload as object });
const json = { kind: 'json', url: 'http://status.example/x' };

test('POST /targets: each invalid body gets a 400 naming the field', async (t) => {
  const app = await build(t);
  const cases: [unknown, string][] = [
    [{ id: 'a', source: { kind: 'json', url: 'ftp://x' } }, 'body.source.url: must be an http(s) URL'],
    [{ id: 'a', source: { kind: 'rtmp', url: 'http://x' } }, `body.source.kind: must be one of ${Object.keys(defaultSources()).join(', ')}`],
    [{ id: 'a', source: { url: 'http://x' } }, 'body.source.kind: is required'],
    [{ id: 'a', source: json, intervalMs: 10 }, 'body.intervalMs: must be an integer number of milliseconds between 250 and 86400000'],
    [{ id: 'a', source: json, intervalMs: '5000' }, 'body.intervalMs: must be an integer number of milliseconds between 250 and 86400000'],
    [{ id: 'a', source: json, timeoutMs: 1 }, 'body.timeoutMs: must be an integer number of milliseconds between 100 and 120000'],
    [{ id: 'Big Space', source: json }, 'body.id: must be 1–64 characters of a-z, 0-9, "-" and "_", starting with a letter or digit'],
    [{ source: json }, 'body.id: is required'],
    [{ id: 'a' }, 'body.source: is required'],
    [{ id: 'a', source: json, colour: 'red' }, 'body.colour: is not a known field'],
    [{ id: 'a', source: { ...json, extra: 1 } }, 'body.source.extra: is not a known field'],
    [{ id: 'a', source: json, schedule: { start: 'soon' } }, 'body.schedule.start: must be an ISO-8601 date-time or epoch milliseconds'],
    [{ id: 'a', source: json, name: '' }, 'body.name: must NOT have fewer than 1 characters'],
    [{ id: 'a', source: json, schedule: { start: 2000, end: 1000 } }, 'body.schedule.end: must not be before body.schedule.start'],
    [[], 'body: must be object'],
  ];
  for (const [payload, message] of cases) {
    const res = await app.inject(post(payload));
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.deepEqual(res.json(), { statusCode: 400, code: 'SW_VALIDATION', error: 'Bad Request', message }, JSON.stringify(payload));
  }
  assert.deepEqual((await app.inject({ url: '/api/v1/targets' })).json(), []);
});

test('POST /targets: defaults, 409 on a taken id, Location header', async (t) => {
  const app = await build(t, { defaultIntervalMs: 2500 });
  const res = await app.inject(post({ id: 'x1', source: { kind: 'x-space', spaceId: '1YqKDqWqdPLsV' } }));
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers.location, '/api/v1/targets/x1');
  assert.equal(res.json().name, 'x1');
  assert.equal(res.json().intervalMs, 2500);
  const again = await app.inject(post({ id: 'x1', source: json }));
  assert.equal(again.statusCode, 409);
  assert.deepEqual(again.json(), { statusCode: 409, code: 'SW_TARGET_EXISTS', error: 'Conflict', message: 'a target with id "x1" already exists' });
});

test('a source kind missing from the app\'s registry is refused', async (t) => {
  const { json: onlyJson } = defaultSources();
  const app = await build(t, { sources: { json: onlyJson! } });
  const res = await app.inject(post({ id: 'x', source: { kind: 'x-space', spaceId: 'abc' } }));
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().message, 'body.source.kind: must be one of json');
});

test('PATCH: validation, merge, schedule null clears, unknown target', async (t) => {
  const app = await build(t);
  await createTarget(app, 'p', { schedule: { start: '2024-05-01T20:00:00+02:00', end: 1714600000000 }, timeoutMs: 3000 });
  const patch = (payload: unknown, id = 'p') => app.inject({ method: 'PATCH', url: `/api/v1/targets/${id}`, payload: payload as object });

  const bad: [unknown, string][] = [
    [{}, 'body: must NOT have fewer than 1 properties'],
    [{ id: 'q' }, 'body.id: is not a known field'],
    [{ intervalMs: 0 }, 'body.intervalMs: must be an integer number of milliseconds between 250 and 86400000'],
    [{ source: { kind: 'json', url: 'nope' } }, 'body.source.url: must be an http(s) URL'],
    [{ schedule: { end: 5 } }, 'body.schedule.start: is required'],
  ];
  for (const [payload, message] of bad) {
    const res = await patch(payload);
    assert.deepEqual([res.statusCode, res.json().code, res.json().message], [400, 'SW_VALIDATION', message], JSON.stringify(payload));
  }

  const before = (await app.inject({ url: '/api/v1/targets/p' })).json();
  assert.deepEqual(before.schedule, { start: '2024-05-01T18:00:00.000Z', end: '2024-05-01T21:46:40.000Z' });
  const renamed = (await patch({ name: 'Renamed' })).json();
  assert.equal(renamed.name, 'Renamed');
  assert.equal(renamed.timeoutMs, 3000);
  assert.deepEqual(renamed.schedule, before.schedule);

  const cleared = (await patch({ schedule: null })).json();
  assert.equal('schedule' in cleared, false);
  assert.equal(cleared.name, 'Renamed');

  const missing = await patch({ name: 'x' }, 'nobody');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'SW_TARGET_NOT_FOUND');
});

test('a target from the config file is read-only over the API', async (t) => {
  const store = new MemoryStore();
  t.after(() => store.close());
  await store.putTarget({ id: 'cfg', name: 'From config', source: json, intervalMs: 5000, origin: 'config' });
  const app = await build(t, { store });

  const read = await app.inject({ url: '/api/v1/targets/cfg' });
  assert.equal(read.statusCode, 200);
  assert.equal(read.json().origin, 'config');

  const expected = { statusCode: 409, code: 'SW_TARGET_READONLY', error: 'Conflict', message: 'target "cfg" comes from the config file; change it there' };
  const patched = await app.inject({ method: 'PATCH', url: '/api/v1/targets/cfg', payload: { name: 'nope' } });
  assert.deepEqual(patched.json(), expected);
  const deleted = await app.inject({ method: 'DELETE', url: '/api/v1/targets/cfg' });
  assert.deepEqual(deleted.json(), expected);
  assert.equal((await store.getTarget('cfg'))?.name, 'From config');

  // Data may still be imported into it: imports are observations, not configuration.
  const imported = await app.inject({ method: 'POST', url: '/api/v1/targets/cfg/observations', payload: [{ at: 1000, source: 'x' }] });
  assert.equal(imported.statusCode, 200);
});

test('onTargetsChanged hears every change, and its failure does not fail the request', async (t) => {
  const heard: string[] = [];
  const app = await build(t, {
    onTargetsChanged: (id) => {
      heard.push(id);
      if (id === 'boom') throw new Error('poller gone');
    },
  });
  await createTarget(app, 'a');
  await app.inject({ method: 'PATCH', url: '/api/v1/targets/a', payload: { name: 'A' } });
  await app.inject({ method: 'DELETE', url: '/api/v1/targets/a' });
  await app.inject({ method: 'PATCH', url: '/api/v1/targets/a', payload: { name: 'A' } }); // 404: no change
  await createTarget(app, 'boom');
  assert.deepEqual(heard, ['a', 'a', 'a', 'boom']);
});

test('alert rule overrides round-trip through the API; a bad one is a 400 naming the field and unit', async (t) => {
  const app = await build(t);
  const create = await app.inject({
    method: 'POST',
    url: '/api/v1/targets',
    payload: { id: 'ruled', source: { kind: 'x-space', spaceId: 'abc' }, rules: { drop: { percent: 20 }, silence: { enabled: false } } },
  });
  assert.equal(create.statusCode, 201, create.body);
  assert.deepEqual(create.json().rules, { drop: { percent: 20 }, silence: { enabled: false } });
  const patched = await app.inject({ method: 'PATCH', url: '/api/v1/targets/ruled', payload: { rules: { delay: { graceMs: 300000 } } } });
  assert.deepEqual(patched.json().rules, { delay: { graceMs: 300000 } });
  assert.deepEqual((await app.inject({ url: '/api/v1/targets/ruled' })).json().rules, { delay: { graceMs: 300000 } });
  const cleared = await app.inject({ method: 'PATCH', url: '/api/v1/targets/ruled', payload: { rules: null } });
  assert.equal(cleared.json().rules, undefined);
  const bad = await app.inject({ method: 'PATCH', url: '/api/v1/targets/ruled', payload: { rules: { drop: { percent: 300 } } } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'SW_VALIDATION');
  assert.match(bad.json().message, /^body\.rules\.drop\.percent: must be a percentage between 1 and 100$/);
});
