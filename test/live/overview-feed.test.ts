// The overview feed (GET /overview and the /live stream) against a MemoryStore behind a spy: one
// loop at a time, one computation for the stream and the JSON, reads per target, frames built once.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { OverviewFeed } from '../../src/live/overview-feed.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Observation } from '../../src/types.js';
import { fakeClient, gate, spyStore, type SpyStore } from './fake-sse.js';

const TICK = 1000;
const source = { kind: 'x-space' as const, spaceId: '1' };

async function setup(t: TestContext): Promise<{ spy: SpyStore; mem: MemoryStore; feed: OverviewFeed }> {
  const mem = new MemoryStore();
  await mem.putTarget({ id: 'show', name: 'Show', source, intervalMs: 1000 });
  const spy = spyStore(mem);
  const feed = new OverviewFeed({ store: spy.store, tickMs: TICK, refreshMs: 5000 });
  t.after(async () => {
    feed.close();
    await mem.close();
  });
  return { spy, mem, feed };
}

/** Lets every pending promise chain run (the memory store never waits on I/O or timers). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

test('a tick still reading when its loop stops does not start a second loop', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { spy, feed } = await setup(t);
  const a = fakeClient();
  await feed.subscribe(a.client);
  assert.equal(spy.count('listTargets'), 1);

  // The next tick is held in the store…
  const held = gate();
  let holdNext = true;
  spy.before('listTargets', () => {
    if (!holdNext) return;
    holdNext = false;
    return held.wait;
  });
  t.mock.timers.tick(TICK);
  await settle();
  assert.equal(spy.count('listTargets'), 2);
  // …while its only subscriber leaves and one that is already gone stops the loop,
  a.hangUp();
  await feed.subscribe(fakeClient({ gone: true }).client);
  // and a new subscriber starts the next loop.
  const d = fakeClient();
  await feed.subscribe(d.client);
  assert.equal(spy.count('listTargets'), 3);
  held.open();
  await settle();

  // One loop: one computation per tick.
  for (const expected of [4, 5, 6]) {
    t.mock.timers.tick(TICK);
    await settle();
    assert.equal(spy.count('listTargets'), expected);
  }
  assert.equal(d.data('overview').length, 1);
});

test('GET /overview\'s current(): the running loop\'s overview without a read; while idle, callers within a tick share one', async (t) => {
  const { spy, feed } = await setup(t);
  const [x, y] = await Promise.all([feed.current(), feed.current()]);
  assert.equal(spy.count('listTargets'), 1, 'two callers, one computation');
  assert.deepEqual(x, y);
  assert.deepEqual(x.targets.map((s) => s.id), ['show']);

  const c = fakeClient();
  await feed.subscribe(c.client);
  const reads = spy.count('listTargets');
  const now = await feed.current();
  assert.equal(spy.count('listTargets'), reads, 'served from the stream\'s last tick');
  assert.deepEqual(now, c.data('overview')[0]);
});

test('the overview frame is built from the body already serialised, once for every subscriber', async (t) => {
  const { feed } = await setup(t);
  const stringify = t.mock.method(JSON, 'stringify');
  const clients = [fakeClient(), fakeClient(), fakeClient()];
  for (const c of clients) await feed.subscribe(c.client);
  const overviews = stringify.mock.calls.filter((call) => typeof call.arguments[0] === 'object' && call.arguments[0] !== null && 'targets' in call.arguments[0]);
  stringify.mock.restore();
  assert.equal(overviews.length, 0);
  const sent = clients.map((c) => c.data('overview')[0]);
  assert.deepEqual(sent[1], sent[0]);
  assert.deepEqual(sent[2], sent[0]);
  assert.deepEqual(sent[0], await feed.current());
});

test('one summary reads the newest observation, the hour of rows and the events once each', async (t) => {
  const { spy, mem, feed } = await setup(t);
  const now = Date.now();
  const rows: Observation[] = [];
  for (let at = now - 20 * 60_000; at < now - 1000; at += 10_000) rows.push({ at, state: 'live', listeners: 100, join: { ok: true, ms: 50 } });
  await mem.append(rows.map((obs) => ({ targetId: 'show', obs })));
  const o = await feed.current();
  assert.equal(o.targets[0]!.listeners.now, 100);
  assert.equal(o.targets[0]!.joins.attempts, rows.filter((r) => r.at > now - 300_000).length);
  assert.deepEqual([spy.count('latest'), spy.count('range'), spy.count('events')], [1, 1, 1]);
});
