import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/app.js';
import { createTarget, importRows } from './scenarios.js';

const iso = (ms: number) => new Date(ms).toISOString();
const get = async (app: FastifyInstance, url: string) => {
  const res = await app.inject({ url });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};

/** Rows every 5 s over [from, to] ms: live, joins ok unless `fail` says otherwise. */
function rows(from: number, to: number, state = 'live', fail: (i: number) => boolean = () => false) {
  const out = [];
  for (let at = from, i = 0; at <= to; at += 5000, i++) {
    const failed = fail(i);
    out.push({ at, state, listeners: 1000, join: { ok: !failed, ms: 100, ...(failed ? { error: 'timeout' } : {}) }, source: 'test' });
  }
  return out;
}

test('GET /targets/:id and GET /targets carry the status; POST and PATCH answers do not', async (t) => {
  const app = await build(t);
  const later = Date.now() + 3_600_000;
  const created = await createTarget(app, 'later', { schedule: { start: later } });
  assert.equal('status' in created, false);
  await createTarget(app, 'free');

  const one = await get(app, '/api/v1/targets/later');
  assert.deepEqual({ ...one, status: undefined }, { ...created, status: undefined });
  assert.equal(one.status.status, 'scheduled');
  assert.equal(one.status.scheduledStart, iso(later));
  assert.match(one.status.reason, /^scheduled to start at .*, in (59 m \d+ s|1 h)$/);

  const list = await get(app, '/api/v1/targets');
  assert.deepEqual(
    list.map((x: { id: string; status: { status: string } }) => [x.id, x.status.status]),
    [
      ['free', 'off-air'],
      ['later', 'scheduled'],
    ],
  );
  assert.deepEqual(list[0].status, { status: 'off-air', reason: 'not on air (no schedule): no observation yet' });

  const patched = (await app.inject({ method: 'PATCH', url: '/api/v1/targets/later', payload: { name: 'Later' } })).json();
  assert.equal('status' in patched, false);
});

test('status follows the data: delayed (running delay), then on-air (final delay)', async (t) => {
  const app = await build(t);
  const now = Date.now();
  const start = now - 600_000;
  await createTarget(app, 'show', { schedule: { start } });
  const status = () => get(app, '/api/v1/targets/show/status');

  const delayed = await status();
  assert.equal(delayed.status, 'delayed');
  assert.ok(delayed.delayMs >= 600_000 && delayed.delayMs < 610_000, String(delayed.delayMs));
  assert.match(delayed.reason, /^not on air 10 m( \d+ s)? after the scheduled start .*: no observation yet$/);

  // On air 5 minutes late, healthy until now.
  await importRows(app, 'show', rows(start + 300_000, now - 1000));
  const onAir = await status();
  assert.deepEqual({ ...onAir, reason: undefined }, { status: 'on-air', scheduledStart: iso(start), onAirAt: iso(start + 300_000), delayMs: 300_000, reason: undefined });
  assert.equal(onAir.reason, `on air since ${iso(start + 300_000).replace(/\.\d{3}Z$/, 'Z')}, 5 m after the scheduled start`);
  // The same status in the target itself.
  assert.deepEqual((await get(app, '/api/v1/targets/show')).status, onAir);
});

test('degraded, off-air and ended over HTTP', async (t) => {
  const app = await build(t);
  const now = Date.now();
  await createTarget(app, 'deg');
  await importRows(app, 'deg', rows(now - 300_000, now - 1000, 'live', (i) => i >= 36 && i % 2 === 0));
  const deg = await get(app, '/api/v1/targets/deg/status');
  assert.equal(deg.status, 'degraded');
  assert.match(deg.reason, /^join failures \d+(\.\d)? % over 2 m \(\d+\/\d+: timeout \d+\)$/);

  await createTarget(app, 'off');
  await importRows(app, 'off', [...rows(now - 300_000, now - 20_000), ...rows(now - 15_000, now - 1000, 'offline')]);
  assert.equal((await get(app, '/api/v1/targets/off/status')).status, 'off-air');

  await createTarget(app, 'quiet');
  await importRows(app, 'quiet', rows(now - 300_000, now - 120_000));
  const quiet = await get(app, '/api/v1/targets/quiet/status');
  assert.equal(quiet.status, 'off-air');
  assert.match(quiet.reason, /^no data: no observation since /);

  await createTarget(app, 'done');
  await importRows(app, 'done', [...rows(now - 300_000, now - 60_000), { at: now - 55_000, state: 'ended', source: 'test' }]);
  const done = await get(app, '/api/v1/targets/done/status');
  assert.equal(done.status, 'ended');
  assert.equal(done.endedAt, iso(now - 55_000));
});

test('GET /targets/:id/status: unknown target 404, bad id 400', async (t) => {
  const app = await build(t);
  assert.equal((await app.inject({ url: '/api/v1/targets/ghost/status' })).json().code, 'SW_TARGET_NOT_FOUND');
  const bad = await app.inject({ url: '/api/v1/targets/Bad%20Id/status' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'SW_VALIDATION');
});

test('an imported broadcast records its on-air moment: its status knows when it went on air days later', async (t) => {
  const app = await build(t);
  const start = Date.now() - 3 * 86_400_000;
  await createTarget(app, 'archive', { schedule: { start } });
  // Scheduled for 10 minutes, then live and joinable for an hour; nothing since.
  await importRows(app, 'archive', [...rows(start - 60_000, start + 595_000, 'scheduled'), ...rows(start + 600_000, start + 4_200_000)]);
  const events = (await get(app, '/api/v1/targets/archive/timeline')).events.filter((e: { type: string }) => e.type === 'on-air');
  assert.deepEqual(events.map((e: { at: string; data: { delayMs: number } }) => [e.at, e.data.delayMs]), [[iso(start + 600_000), 600_000]]);
  const status = await get(app, '/api/v1/targets/archive/status');
  assert.equal(status.onAirAt, iso(start + 600_000));
  assert.equal(status.delayMs, 600_000);
  assert.equal(status.status, 'off-air', 'on air once, no data now');

  // A later import of the same stretch records nothing new; a backfill showing an earlier start does.
  await importRows(app, 'archive', rows(start + 4_205_000, start + 4_300_000));
  // (between the scheduled rows already there: the backfill's instants are its own)
  await importRows(app, 'archive', rows(start + 302_500, start + 362_500));
  const after = (await get(app, '/api/v1/targets/archive/timeline')).events.filter((e: { type: string }) => e.type === 'on-air');
  assert.deepEqual(after.map((e: { at: string }) => e.at), [iso(start + 302_500), iso(start + 600_000)]);
  assert.equal((await get(app, '/api/v1/targets/archive/status')).onAirAt, iso(start + 302_500));
});
