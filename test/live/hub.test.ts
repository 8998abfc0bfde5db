// The target stream's reader (LiveHub) against a MemoryStore behind a spy: replays, frame IDs, store
// errors and the number of reads, driven step by step.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DEFAULT_HUB_OPTIONS, LiveHub, type HubOptions } from '../../src/live/hub.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Observation } from '../../src/types.js';
import { fakeClient, gate, spyStore, until, type SpyStore } from './fake-sse.js';

const source = { kind: 'x-space' as const, spaceId: '1' };

async function setup(t: TestContext, opts: Partial<HubOptions> = {}): Promise<{ spy: SpyStore; mem: MemoryStore; hub: LiveHub }> {
  const mem = new MemoryStore();
  await mem.putTarget({ id: 'show', name: 'Show', source, intervalMs: 1000 });
  const spy = spyStore(mem);
  const hub = new LiveHub({ ...DEFAULT_HUB_OPTIONS, pollMs: 5, ...opts, store: spy.store });
  t.after(async () => {
    hub.close();
    await mem.close();
  });
  return { spy, mem, hub };
}

const row = (at: number, listeners: number): Observation => ({ at, state: 'live', listeners, source: 'seed' });
const listeners = (data: unknown[]) => (data as Observation[]).map((o) => o.listeners);

test('a store error during a since replay: the client gets its replay once the store answers, then goes live', async (t) => {
  const { spy, mem, hub } = await setup(t);
  const t0 = Date.now() - 60_000;
  await mem.append([1, 2, 3].map((i) => ({ targetId: 'show', obs: row(t0 + i * 1000, i) })));
  let failures = 0;
  // The replay's read of rows (the live reads page with a limit) fails twice.
  spy.before('range', (_id, _from, _to, opts) => {
    if (opts === undefined && failures < 2) {
      failures++;
      throw new Error('store down');
    }
  });
  const c = fakeClient();
  await hub.subscribe('show', c.client, t0 + 1500);
  await until('the replay', () => c.data('observation').length === 2);
  assert.equal(failures, 2);
  assert.deepEqual(listeners(c.data('observation')), [2, 3]);
  await mem.append([{ targetId: 'show', obs: row(t0 + 4000, 4) }]);
  await until('the live row', () => c.data('observation').length === 3);
  assert.deepEqual(listeners(c.data('observation')), [2, 3, 4]);
});

test('joiners of one poll share one replay read, bounded by the rollups; each gets the newest of its own window', async (t) => {
  const { spy, mem, hub } = await setup(t);
  // 50 minutes at 2 rows a second: 6,000 rows, far over the 1,000 a replay sends.
  const t0 = Date.now() - 50 * 60_000;
  const rows = Array.from({ length: 6000 }, (_, i) => row(t0 + i * 500, i));
  await mem.append(rows.map((o) => ({ targetId: 'show', obs: o })));
  const sinces = [t0 - 1, t0 + 10 * 60_000, rows.at(-11)!.at];
  const clients = sinces.map(() => fakeClient());
  await Promise.all(clients.map((c, i) => hub.subscribe('show', c.client, sinces[i])));
  const expected = [1000, 1000, 10];
  await until('every replay', () => clients.every((c, i) => c.data('observation').length === expected[i]));

  assert.deepEqual(listeners(clients[0]!.data('observation')), rows.slice(-1000).map((o) => o.listeners));
  assert.deepEqual(listeners(clients[1]!.data('observation')), rows.slice(-1000).map((o) => o.listeners));
  assert.deepEqual(listeners(clients[2]!.data('observation')), rows.slice(-10).map((o) => o.listeners));
  // One read of rows (the live reads page with a limit) and one of the event stream for the three.
  const replayReads = (spy.calls.range ?? []).map((args, i) => ({ args, rows: (spy.results.range![i] as Observation[]).length })).filter((c) => c.args[3] === undefined);
  assert.equal(replayReads.length, 1);
  // (The live read pages by the reader's cursor, at most a page.)
  assert.equal((spy.calls.eventsAfter ?? []).filter((args) => args[2] !== DEFAULT_HUB_OPTIONS.pageRows).length, 1);
  // The newest 1,000 plus at most the two minutes the rollups cannot count (120 rows each).
  assert.ok(replayReads[0]!.rows <= 1000 + 240, `${replayReads[0]!.rows} rows read`);
});

test('frame IDs are the observation position: a reconnect from the last ID misses no observation written after an event', async (t) => {
  const { mem, hub } = await setup(t);
  const t0 = Date.now() - 10_000;
  await mem.append([{ targetId: 'show', obs: row(t0, 1) }]);
  const a = fakeClient();
  await hub.subscribe('show', a.client);
  // Joined without since: an id line alone says where.
  await until('the join position', () => a.lastId() !== undefined);
  assert.deepEqual(a.frames(), [{ id: String(t0) }]);

  // As the poller does: the state change is written (its ID = now) before the write buffer stores
  // the observation it is about, whose `at` is earlier.
  const probeAt = Date.now() - 50;
  await mem.appendEvent('show', { at: probeAt, type: 'state-change', data: { from: 'scheduled', to: 'live' } });
  await until('the event', () => a.data('event').length === 1);
  const afterEvent = a.lastId()!;
  assert.equal(afterEvent, String(t0), 'an event frame carries the position before its poll');

  await mem.append([{ targetId: 'show', obs: row(probeAt, 2) }]);
  await until('the observation', () => a.data('observation').length === 1);
  assert.equal(a.lastId(), String(probeAt), 'an observation frame carries its at');

  // A client that dropped right after the event reconnects with Last-Event-ID = that ID.
  const b = fakeClient();
  await hub.subscribe('show', b.client, Number(afterEvent));
  await until('the replay', () => b.frames().length >= 2);
  assert.deepEqual(listeners(b.data('observation')), [2]);
  assert.equal((b.data('event')[0] as { type: string }).type, 'state-change', 'the event comes again (dedupe by id)');
});

test('events replay in the order written; frames are serialised once per poll, not once per client', async (t) => {
  const { mem, hub } = await setup(t);
  const t0 = Date.now() - 60_000;
  const first = await mem.appendEvent('show', { at: t0 + 30_000, type: 'mark', data: { kind: 'note', text: 'later instant, written first' } });
  const second = await mem.appendEvent('show', { at: t0 + 10_000, type: 'mark', data: { kind: 'note', text: 'earlier instant, written second' } });
  const replayed = fakeClient();
  await hub.subscribe('show', replayed.client, t0);
  await until('the replay', () => replayed.data('event').length === 2);
  assert.deepEqual((replayed.data('event') as { id: string }[]).map((e) => e.id), [first, second]);

  const clients = [fakeClient(), fakeClient(), fakeClient()];
  for (const c of clients) await hub.subscribe('show', c.client);
  await until('all joined', () => clients.every((c) => c.lastId() !== undefined));
  const stringify = t.mock.method(JSON, 'stringify');
  const at = Date.now() - 5;
  await mem.append([{ targetId: 'show', obs: row(at, 7) }, { targetId: 'show', obs: row(at + 1, 8) }]);
  await until('both rows everywhere', () => clients.every((c) => c.data('observation').length === 2));
  const framed = stringify.mock.calls.filter((c) => (c.arguments[0] as { source?: string } | null)?.source === 'seed');
  assert.equal(framed.length, 2, 'one serialisation per observation for three clients');
  stringify.mock.restore();
});

test('more events than a page: no observation from the last one read on goes out before the rest', async (t) => {
  const { spy, mem, hub } = await setup(t, { pageRows: 2 });
  const c = fakeClient();
  await hub.subscribe('show', c.client);
  await until('joined', () => c.lastId() !== undefined);
  // Hold the reader while three events and then an observation are written.
  const held = gate();
  spy.before('eventsAfter', () => held.wait);
  spy.before('range', () => held.wait);
  for (const i of [1, 2, 3]) await mem.appendEvent('show', { at: Date.now(), type: 'mark', data: { kind: 'note', text: `m${i}` } });
  await new Promise((r) => setTimeout(r, 3));
  await mem.append([{ targetId: 'show', obs: row(Date.now() - 1, 9) }]);
  await new Promise((r) => setTimeout(r, 3));
  spy.before('eventsAfter', undefined);
  spy.before('range', undefined);
  held.open();
  await until('everything', () => c.data('event').length === 3 && c.data('observation').length === 1);
  assert.deepEqual(
    c.frames().filter((f) => f.event).map((f) => f.event),
    ['event', 'event', 'event', 'observation'],
  );
});
