// One set of scenarios every Store must pass (run by memory-store.test.ts and redis-store.test.ts).
// Each scenario gets a fresh, empty store from makeStore().
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { computeRollup, MINUTE_MS } from '../../src/storage/rollup.js';
import { querySeries } from '../../src/storage/series.js';
import type { Store } from '../../src/storage/store.js';
import { STREAM_STATES, type Observation, type Target } from '../../src/types.js';

export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
}

/** 2024-01-01T12:00:00Z: minute-aligned, so `T0 + k * MINUTE_MS` starts minute k. */
export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

export function obs(at: number, listeners?: number, join: Observation['join'] = { ok: true, ms: 120 }): Observation {
  const o: Observation = { at, state: 'live', join };
  if (listeners !== undefined) o.listeners = listeners;
  return o;
}

function target(id: string, name = id): Target {
  return { id, name, source: { kind: 'json', url: 'https://example.test/status', listenersPath: 'a.b' }, intervalMs: 1000 };
}

export function storeContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  /** Runs a scenario against a fresh store and always cleans up. */
  const scenario = (title: string, fn: (store: Store) => Promise<void>): void => {
    test(title, async () => {
      const fx = await makeStore();
      try {
        await fn(fx.store);
      } finally {
        await fx.store.close();
        await fx.cleanup();
      }
    });
  };

  describe(`Store contract: ${name}`, () => {
    scenario('targets: put, get, list sorted by id, replace, delete', async (store) => {
      assert.equal(await store.getTarget('b'), undefined);
      await store.putTarget(target('b'));
      await store.putTarget({ ...target('a'), schedule: { start: '2024-01-01T12:00:00.000Z' }, origin: 'api' });
      assert.deepEqual(await store.getTarget('b'), target('b'));
      assert.deepEqual((await store.listTargets()).map((t) => t.id), ['a', 'b']);
      await store.putTarget(target('b', 'renamed'));
      assert.equal((await store.getTarget('b'))?.name, 'renamed');
      assert.equal((await store.listTargets()).length, 2);
      assert.equal(await store.deleteTarget('b'), true);
      assert.equal(await store.deleteTarget('b'), false);
      assert.deepEqual((await store.listTargets()).map((t) => t.id), ['a']);
      assert.deepEqual((await store.getTarget('a'))?.schedule, { start: '2024-01-01T12:00:00.000Z' });
    });

    scenario('append/range round-trips every observation field', async (store) => {
      const rows: Observation[] = [
        ...STREAM_STATES.map((state, i): Observation => ({ at: T0 + i, state })),
        { at: T0 + 10, state: 'live', listeners: 0, join: { ok: true, ms: 0 } },
        { at: T0 + 11, state: 'live', listeners: 61_234_567, join: { ok: true, ms: 87.125, bytes: 4096 } },
        { at: T0 + 12, state: 'offline', join: { ok: false, ms: 10_000, error: 'timeout' } },
        { at: T0 + 13, state: 'ended', join: { ok: false, ms: 12, error: 'not_found', bytes: 0 }, extra: { a: 1, b: 'x,y "q"', c: true, d: null, e: -2.5 } },
        { at: T0 + 14, state: 'live', listeners: 250, extra: {}, source: 'screenshot-import' },
      ];
      const res = await store.append(rows.map((o) => ({ targetId: 'rt', obs: o })));
      assert.deepEqual(res, { written: rows.length, duplicates: 0 });
      assert.deepEqual(await store.range('rt', T0, T0 + 14), rows);
      // 'poll' is what an absent source means, so it reads back as absent.
      await store.append([{ targetId: 'rt', obs: { at: T0 + 20, state: 'live', source: 'poll' } }]);
      assert.deepEqual(await store.range('rt', T0 + 20, T0 + 20), [{ at: T0 + 20, state: 'live' }]);
      // Inclusive bounds and limit from the start of the range.
      assert.deepEqual((await store.range('rt', T0 + 10, T0 + 12)).map((o) => o.at), [T0 + 10, T0 + 11, T0 + 12]);
      assert.deepEqual((await store.range('rt', T0, T0 + 20, { limit: 3 })).map((o) => o.at), [T0, T0 + 1, T0 + 2]);
      assert.deepEqual(await store.range('rt', T0 + 15, T0 + 19), []);
      assert.deepEqual(await store.range('other', T0, T0 + 20), []);
    });

    scenario('a stored observation is a copy: mutating the input or a result changes nothing', async (store) => {
      const o: Observation = { at: T0, state: 'live', listeners: 5, join: { ok: true, ms: 1 }, extra: { k: 1 } };
      await store.append([{ targetId: 'cp', obs: o }]);
      o.listeners = 99;
      (o.join as { ms: number }).ms = 99;
      const [read] = await store.range('cp', T0, T0);
      (read?.extra as Record<string, number>).k = 99;
      assert.deepEqual(await store.range('cp', T0, T0), [{ at: T0, state: 'live', listeners: 5, join: { ok: true, ms: 1 }, extra: { k: 1 } }]);
    });

    scenario('duplicate ms: rejected and counted, never overwritten (same batch and across batches)', async (store) => {
      const res = await store.append([
        { targetId: 'd', obs: obs(T0, 1) },
        { targetId: 'd', obs: obs(T0, 2) },
        { targetId: 'd', obs: obs(T0 + 1000, 3) },
        { targetId: 'e', obs: obs(T0, 4) }, // same ms, other target: not a duplicate
      ]);
      assert.deepEqual(res, { written: 3, duplicates: 1 });
      assert.deepEqual(await store.append([{ targetId: 'd', obs: obs(T0 + 1000, 5) }, { targetId: 'd', obs: obs(T0 + 2000, 6) }]), { written: 1, duplicates: 1 });
      assert.deepEqual((await store.range('d', T0, T0 + 5000)).map((o) => o.listeners), [1, 3, 6]);
      assert.deepEqual((await store.range('e', T0, T0 + 5000)).map((o) => o.listeners), [4]);
    });

    scenario('out-of-order rows (imports of older data) land and read back merged and sorted', async (store) => {
      await store.append([10, 20, 30].map((s) => ({ targetId: 'o', obs: obs(T0 + s * 1000, s) })));
      const res = await store.append([
        { targetId: 'o', obs: obs(T0 + 25_000, 25) },
        { targetId: 'o', obs: obs(T0 + 5_000, 5) },
        { targetId: 'o', obs: obs(T0 + 40_000, 40) }, // in order, same batch
        { targetId: 'o', obs: obs(T0 + 20_000, 99) }, // duplicate of a stream row
        { targetId: 'o', obs: obs(T0 + 1_000, 1) },
        { targetId: 'o', obs: obs(T0 + 1_000, 98) }, // duplicate within the batch, both late
      ]);
      assert.deepEqual(res, { written: 4, duplicates: 2 });
      // A late row is itself protected against a second import.
      assert.deepEqual(await store.append([{ targetId: 'o', obs: obs(T0 + 5_000, 97) }]), { written: 0, duplicates: 1 });
      const all = await store.range('o', 0, Number.MAX_SAFE_INTEGER);
      assert.deepEqual(all.map((o) => o.listeners), [1, 5, 10, 20, 25, 30, 40]);
      assert.deepEqual((await store.range('o', T0 + 5_000, T0 + 25_000)).map((o) => o.listeners), [5, 10, 20, 25]);
      assert.deepEqual((await store.range('o', T0, T0 + 60_000, { limit: 3 })).map((o) => o.listeners), [1, 5, 10]);
      // Late rows after new in-order rows still merge.
      await store.append([{ targetId: 'o', obs: obs(T0 + 50_000, 50) }, { targetId: 'o', obs: obs(T0 + 35_000, 35) }]);
      assert.deepEqual((await store.range('o', T0 + 30_000, T0 + 60_000)).map((o) => o.listeners), [30, 35, 40, 50]);
    });

    scenario('rollups: derived from raw rows of complete minutes; open minute waits; late imports recompute', async (store) => {
      const id = 'r';
      const m = (k: number): number => T0 + k * MINUTE_MS;
      const expectRollups = async (minutes: number[]): Promise<void> => {
        const got = await store.rollups(id, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(got.map((r) => (r.at - T0) / MINUTE_MS), minutes);
        for (const r of got) assert.deepEqual(r, computeRollup(r.at, await store.range(id, r.at, r.at + MINUTE_MS - 1)), `minute ${(r.at - T0) / MINUTE_MS}`);
      };
      await store.append([
        { targetId: id, obs: obs(m(0) + 1_000, 100) },
        { targetId: id, obs: obs(m(0) + 2_000, 300, { ok: false, ms: 5000, error: 'timeout' }) },
        { targetId: id, obs: { at: m(0) + 3_000, state: 'live' } },
        { targetId: id, obs: obs(m(0) + 59_999, 200, { ok: true, ms: 80 }) },
      ]);
      await expectRollups([]); // minute 0 is still open
      await store.append([{ targetId: id, obs: obs(m(1), 150) }]);
      await expectRollups([0]);
      const r0 = (await store.rollups(id, m(0), m(0)))[0];
      assert.deepEqual(r0, { at: m(0), count: 4, min: 100, max: 300, mean: 200, last: 200, joins: 3, failed: 1, joinMs: 100 });

      // A batch spanning minutes 1..4 closes 1, 2, 3; minute 4 stays open.
      await store.append([2, 3, 4].flatMap((k) => [obs(m(k) + 10_000, 10 * k), obs(m(k) + 20_000, 10 * k + 1)]).map((o) => ({ targetId: id, obs: o })));
      await expectRollups([0, 1, 2, 3]);

      // Import into an old minute and into the open one.
      await store.append([
        { targetId: id, obs: obs(m(1) + 30_000, 9_999) },
        { targetId: id, obs: obs(m(4) + 5_000, 8_888) },
      ]);
      await expectRollups([0, 1, 2, 3]);
      assert.equal((await store.rollups(id, m(1), m(1)))[0]?.max, 9_999);
      assert.equal((await store.rollups(id, m(1), m(1)))[0]?.count, 2);
      // When minute 4 closes, its late row is part of it.
      await store.append([{ targetId: id, obs: obs(m(6), 1) }]);
      await expectRollups([0, 1, 2, 3, 4]);
      assert.equal((await store.rollups(id, m(4), m(4)))[0]?.max, 8_888);
      assert.deepEqual((await store.rollups(id, m(2), m(3))).map((r) => r.at), [m(2), m(3)]);
    });

    scenario('trim drops older observations (stream and late), rollups and events; keeps newer', async (store) => {
      const id = 'tr';
      await store.appendEvent(id, { at: 1, type: 'old' });
      await sleep(5);
      const cut = Date.now();
      await sleep(5);
      await store.appendEvent(id, { at: 2, type: 'new' });
      const base = cut - (cut % MINUTE_MS) - 3 * MINUTE_MS; // three whole minutes before the cut's minute
      const rows = Array.from({ length: 8 }, (_, k) => obs(base + k * MINUTE_MS + 1_000, k));
      await store.append(rows.slice(2).map((o) => ({ targetId: id, obs: o })));
      await store.append(rows.slice(0, 2).map((o) => ({ targetId: id, obs: o }))); // late
      const older = rows.filter((o) => o.at < cut).length;
      assert.ok(older >= 3);
      assert.equal(await store.trim(id, cut), older);
      const left = await store.range(id, 0, Number.MAX_SAFE_INTEGER);
      assert.deepEqual(left.map((o) => o.at), rows.filter((o) => o.at >= cut).map((o) => o.at));
      const rollups = await store.rollups(id, 0, Number.MAX_SAFE_INTEGER);
      assert.ok(rollups.length > 0 && rollups.every((r) => r.at >= cut), 'rollups before the cut are gone, later ones stay');
      assert.deepEqual((await store.events(id, 0, 10)).map((e) => e.type), ['new']);
      assert.equal(await store.trim(id, cut), 0);
    });

    scenario('events: IDs in insertion order, range by `at`, sorted by `at`, data round-trips', async (store) => {
      const a = await store.appendEvent('ev', { at: T0 + 500, type: 'alert', data: { rule: 'drop', state: 'firing', n: 3, nested: { ok: [1, 2] } } });
      const b = await store.appendEvent('ev', { at: T0 + 100, type: 'claim', data: { value: 60_000_000 } });
      const c = await store.appendEvent('ev', { at: T0 + 900, type: 'mark' });
      const ids = [a, b, c];
      for (const id of ids) assert.match(id, /^\d+-\d+$/);
      const key = (id: string): [number, number] => id.split('-').map(Number) as [number, number];
      for (let i = 1; i < ids.length; i++) {
        const [p, q] = [key(ids[i - 1] as string), key(ids[i] as string)];
        assert.ok(q[0] > p[0] || (q[0] === p[0] && q[1] > p[1]), `${ids[i]} after ${ids[i - 1]}`);
      }
      assert.deepEqual(await store.events('ev', T0, T0 + 1000), [
        { id: b, at: T0 + 100, type: 'claim', data: { value: 60_000_000 } },
        { id: a, at: T0 + 500, type: 'alert', data: { rule: 'drop', state: 'firing', n: 3, nested: { ok: [1, 2] } } },
        { id: c, at: T0 + 900, type: 'mark' },
      ]);
      assert.deepEqual((await store.events('ev', T0 + 100, T0 + 500)).map((e) => e.type), ['claim', 'alert']);
      assert.deepEqual(await store.events('ev', T0 + 901, T0 + 2000), []);
      assert.deepEqual(await store.events('none', 0, Number.MAX_SAFE_INTEGER), []);

      // Followers read by ID, in insertion order, whatever instant each event is about.
      assert.deepEqual((await store.eventsAfter('ev', undefined, 10)).map((e) => e.id), [a, b, c]);
      assert.deepEqual((await store.eventsAfter('ev', a, 10)).map((e) => [e.id, e.type]), [[b, 'claim'], [c, 'mark']]);
      assert.deepEqual((await store.eventsAfter('ev', a, 1)).map((e) => e.id), [b]);
      assert.deepEqual(await store.eventsAfter('ev', c, 10), []);
      assert.deepEqual(await store.eventsAfter('none', undefined, 10), []);
      const burst = [];
      for (let i = 0; i < 5; i++) burst.push(await store.appendEvent('ev', { at: T0, type: `burst-${i}` }));
      assert.deepEqual((await store.eventsAfter('ev', burst[1], 2)).map((e) => e.type), ['burst-2', 'burst-3'], 'IDs within one ms');
    });

    scenario('latest(): newest observation, unaffected by older imports', async (store) => {
      assert.equal(await store.latest('l'), undefined);
      await store.append([{ targetId: 'l', obs: obs(T0 + 2000, 2) }, { targetId: 'l', obs: obs(T0 + 3000, 3) }]);
      await store.append([{ targetId: 'l', obs: obs(T0 + 1000, 1) }]);
      assert.deepEqual(await store.latest('l'), obs(T0 + 3000, 3));
    });

    scenario('deleteTarget removes the target and all its data; the id can start over', async (store) => {
      await store.putTarget(target('del'));
      await store.putTarget(target('keep'));
      const rows = Array.from({ length: 5 }, (_, k) => obs(T0 + k * 30_000, k));
      await store.append(rows.map((o) => ({ targetId: 'del', obs: o })));
      await store.append([{ targetId: 'del', obs: obs(T0 + 10_000, 77) }, { targetId: 'keep', obs: obs(T0, 1) }]);
      await store.appendEvent('del', { at: T0, type: 'mark' });
      assert.ok((await store.rollups('del', 0, Number.MAX_SAFE_INTEGER)).length > 0);
      assert.equal(await store.deleteTarget('del'), true);
      assert.equal(await store.getTarget('del'), undefined);
      assert.deepEqual(await store.range('del', 0, Number.MAX_SAFE_INTEGER), []);
      assert.deepEqual(await store.rollups('del', 0, Number.MAX_SAFE_INTEGER), []);
      assert.deepEqual(await store.events('del', 0, Number.MAX_SAFE_INTEGER), []);
      assert.equal(await store.latest('del'), undefined);
      assert.equal((await store.range('keep', 0, Number.MAX_SAFE_INTEGER)).length, 1);
      // Older times than before the delete are in order again, and minutes close as usual.
      assert.deepEqual(await store.append([{ targetId: 'del', obs: obs(T0 - MINUTE_MS, 1) }]), { written: 1, duplicates: 0 });
      await store.append([{ targetId: 'del', obs: obs(T0, 2) }]);
      assert.deepEqual((await store.rollups('del', 0, Number.MAX_SAFE_INTEGER)).map((r) => r.at), [T0 - MINUTE_MS]);
    });

    scenario('leases: one owner per target; renewed by the holder; taken over after expiry; released on request', async (store) => {
      assert.deepEqual(await store.claimLeases('a', ['x', 'y'], 300), ['x', 'y']);
      assert.deepEqual(await store.claimLeases('b', ['x', 'y', 'z'], 300), ['z'], 'b gets only the free target');
      assert.deepEqual(await store.claimLeases('a', ['x', 'y'], 300), ['x', 'y'], 'the holder renews');
      await store.releaseLeases('b', ['x']);
      assert.deepEqual(await store.claimLeases('b', ['x'], 300), [], "b cannot release a's lease");
      await store.releaseLeases('a', ['x']);
      assert.deepEqual(await store.claimLeases('b', ['x'], 300), ['x'], 'a released x: b takes it at once');
      // a stops renewing y (a dead poller): after the TTL b takes it over.
      await sleep(350);
      assert.deepEqual(await store.claimLeases('b', ['x', 'y'], 300), ['x', 'y']);
      assert.deepEqual(await store.claimLeases('a', ['x', 'y'], 300), []);
      assert.deepEqual(await store.claimLeases('a', [], 300), []);
    });

    scenario('alerts: one per (target, rule), overwritten by each write, removed with the target', async (store) => {
      const cond = { rule: 'drop' as const, active: true, value: 41, threshold: 30, summary: 'drop 41 %' };
      await store.putTarget(target('a1'));
      await store.putAlert({ targetId: 'a1', rule: 'drop', state: 'pending', activeAt: T0, condition: cond });
      await store.putAlert({ targetId: 'a1', rule: 'drop', state: 'firing', activeAt: T0, firedAt: T0 + 60_000, condition: cond });
      await store.putAlert({ targetId: 'a2', rule: 'outage', state: 'firing', activeAt: T0, firedAt: T0, condition: { ...cond, rule: 'outage' } });
      const all = (await store.listAlerts()).sort((a, b) => a.targetId.localeCompare(b.targetId));
      assert.deepEqual(all.map((a) => `${a.targetId}|${a.rule}|${a.state}`), ['a1|drop|firing', 'a2|outage|firing']);
      assert.equal(all[0]!.firedAt, T0 + 60_000);
      assert.deepEqual(all[0]!.condition, cond);
      await store.deleteTarget('a1');
      assert.deepEqual((await store.listAlerts()).map((a) => a.targetId), ['a2']);
    });

    scenario('append rejects a time that cannot be an observation instant', async (store) => {
      for (const at of [0, -5, 1.5, Number.NaN]) {
        await assert.rejects(store.append([{ targetId: 'bad', obs: obs(at, 1) }]), RangeError);
      }
      assert.deepEqual(await store.range('bad', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY), []);
    });

    scenario('querySeries over raw rows: one point per observation', async (store) => {
      const rows = [
        obs(T0, 10),
        obs(T0 + 1000, undefined, { ok: false, ms: 3000, error: 'http_5xx' }),
        { at: T0 + 2000, state: 'live', listeners: 30 } satisfies Observation,
        obs(T0 + 3000, 40, { ok: true, ms: 200 }),
      ];
      await store.append(rows.map((o) => ({ targetId: 's', obs: o })));
      const q = { targetId: 's', from: T0, to: T0 + 3000, maxPoints: 100, intervalMs: 1000 };
      const t = [T0, T0 + 1000, T0 + 2000, T0 + 3000];
      assert.deepEqual(await querySeries(store, { ...q, metric: 'listeners' }), { metric: 'listeners', t, v: [10, null, 30, 40] });
      assert.deepEqual(await querySeries(store, { ...q, metric: 'join_attempts' }), { metric: 'join_attempts', t, v: [1, 1, 0, 1] });
      assert.deepEqual(await querySeries(store, { ...q, metric: 'join_failures' }), { metric: 'join_failures', t, v: [0, 1, 0, 0] });
      assert.deepEqual(await querySeries(store, { ...q, metric: 'join_ms' }), { metric: 'join_ms', t, v: [120, null, null, 200] });
    });

    scenario('querySeries over hours reads rollups, not raw rows, and keeps the peak', async (inner) => {
      const id = 'big';
      const hours = 3;
      const n = hours * 3600; // one row a second
      const peakAt = T0 + 4_321_987; // not on a minute boundary, inside a complete minute
      const rows: Observation[] = [];
      for (let i = 0; i < n; i++) {
        const at = T0 + i * 1000 + (i === 4321 ? 987 : 0);
        const failed = i % 7 === 0;
        rows.push(obs(at, at === peakAt ? 1_000_000 : 1000 + (i % 500), failed ? { ok: false, ms: 2000, error: 'timeout' } : { ok: true, ms: 100 + (i % 50) }));
      }
      for (let i = 0; i < n; i += 1000) await inner.append(rows.slice(i, i + 1000).map((o) => ({ targetId: id, obs: o })));

      let rawRead = 0;
      let rollupCalls = 0;
      // Counts what querySeries reads through the public interface, whatever the store.
      const counting = new Proxy(inner, {
        get(target, prop) {
          if (prop === 'range') {
            return async (...args: Parameters<Store['range']>) => {
              const r = await target.range(...args);
              rawRead += r.length;
              return r;
            };
          }
          if (prop === 'rollups') {
            return async (...args: Parameters<Store['rollups']>) => {
              rollupCalls++;
              return target.rollups(...args);
            };
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const from = T0 + 30_500; // a leading partial minute
      const to = T0 + n * 1000; // past the last row: the open minute is the tail
      const maxPoints = 200;
      const s = await querySeries(counting, { targetId: id, metric: 'listeners', from, to, maxPoints, intervalMs: 1000 });
      assert.equal(rollupCalls, 1, 'rollup path taken');
      assert.ok(rawRead <= 2 * 60, `read ${rawRead} raw rows; expected only partial minutes`);
      assert.ok(s.t.length <= maxPoints && s.t.length > maxPoints / 2, `${s.t.length} points`);
      assert.equal(s.v.length, s.t.length);
      assert.ok(s.v.includes(1_000_000), 'the peak survives');
      assert.ok(s.t.every((t, i) => t >= from && t <= to && (i === 0 || t > (s.t[i - 1] as number))), 'times in range and increasing');

      // Sums survive downsampling exactly: every join in range is counted once.
      const inRange = rows.filter((o) => o.at >= from && o.at <= to);
      const sum = (v: (number | null)[]): number => v.reduce<number>((a, x) => a + (x ?? 0), 0);
      const attempts = await querySeries(counting, { targetId: id, metric: 'join_attempts', from, to, maxPoints, intervalMs: 1000 });
      assert.equal(sum(attempts.v), inRange.length);
      const failures = await querySeries(counting, { targetId: id, metric: 'join_failures', from, to, maxPoints, intervalMs: 1000 });
      assert.equal(sum(failures.v), inRange.filter((o) => o.join && !o.join.ok).length);
      assert.ok(attempts.t.length <= maxPoints && failures.t.length <= maxPoints);
      const ms = await querySeries(counting, { targetId: id, metric: 'join_ms', from, to, maxPoints, intervalMs: 1000 });
      assert.ok(ms.v.every((x) => x !== null && x >= 100 && x <= 149), 'mean join ms stays within the successful joins');
    });
  });
}
