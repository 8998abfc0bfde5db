import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/storage/redis-store.js';
import { computeRollup, MINUTE_MS } from '../../src/storage/rollup.js';
import type { Store } from '../../src/storage/store.js';
import type { Observation, Target } from '../../src/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { obs, storeContract, T0 } from './store-contract.js';

let server: TestRedis;
/** Clients opened by a test; each test quits its own, this is the safety net. */
const clients = new Set<Redis>();

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server?.destroy();
});

async function connect(): Promise<Redis> {
  const c = new Redis(server.url, { maxRetriesPerRequest: 1 });
  clients.add(c);
  await c.ping();
  return c;
}

async function quit(c: Redis): Promise<void> {
  clients.delete(c);
  await c.quit();
}

/** A fresh database state per scenario; the client belongs to the test, not to the store. */
async function fresh(keyPrefix?: string): Promise<{ redis: Redis; store: RedisStore; cleanup(): Promise<void> }> {
  const redis = await connect();
  await redis.flushdb();
  const store = new RedisStore(keyPrefix === undefined ? { redis } : { redis, keyPrefix });
  return { redis, store, cleanup: () => quit(redis) };
}

const m = (k: number): number => T0 + k * MINUTE_MS;
const items = (targetId: string, rows: Observation[]): { targetId: string; obs: Observation }[] => rows.map((o) => ({ targetId, obs: o }));
const ALL = [0, Number.MAX_SAFE_INTEGER] as const;

// Compile-time check that the class fits the interface.
const _fits = (redis: Redis): Store => new RedisStore({ redis });
void _fits;

storeContract('redis', () => fresh());

describe('RedisStore only', () => {
  test('a restart (new client, new store, restarted server) keeps every target and observation', async () => {
    const first = await fresh();
    const targets: Target[] = [
      { id: 'a', name: 'A', source: { kind: 'icecast', url: 'http://radio.test/status-json.xsl' }, intervalMs: 1000, origin: 'config' },
      { id: 'b', name: 'B', source: { kind: 'hls', url: 'http://hls.test/master.m3u8' }, intervalMs: 5000 },
    ];
    for (const t of targets) await first.store.putTarget(t);
    const rows = [obs(m(0) + 1000, 10), obs(m(0) + 2000, 20), obs(m(1) + 5000, 30, { ok: false, ms: 900, error: 'http_5xx' }), obs(m(2) + 30_000, 40)];
    await first.store.append(items('a', rows));
    const late = obs(m(1) + 1000, 5);
    await first.store.append(items('a', [late]));
    await first.store.append(items('b', [obs(m(0), 1)]));
    const eventId = await first.store.appendEvent('a', { at: m(0), type: 'mark', data: { text: 'go' } });
    await first.store.close();
    await first.cleanup();
    await server.stop();
    await server.start();

    const redis = await connect();
    const store = new RedisStore({ redis });
    try {
      assert.deepEqual(await store.listTargets(), targets);
      assert.deepEqual(await store.range('a', ...ALL), [rows[0], rows[1], late, rows[2], rows[3]]);
      assert.deepEqual(await store.range('b', ...ALL), [obs(m(0), 1)]);
      assert.deepEqual(await store.events('a', ...ALL), [{ id: eventId, at: m(0), type: 'mark', data: { text: 'go' } }]);
      assert.deepEqual((await store.rollups('a', ...ALL)).map((r) => r.at), [m(0), m(1)]);
      // The new instance re-reads the newest entry: a repeat of it is a duplicate, an older row is
      // an import, and the next minute closes the minute that was open before the restart.
      assert.deepEqual(await store.append(items('a', [obs(m(2) + 30_000, 99), obs(m(2) + 10_000, 41)])), { written: 1, duplicates: 1 });
      assert.deepEqual((await store.rollups('a', ...ALL)).map((r) => r.at), [m(0), m(1)]);
      await store.append(items('a', [obs(m(3), 50)]));
      const r2 = (await store.rollups('a', m(2), m(2)))[0];
      assert.deepEqual(r2, computeRollup(m(2), [obs(m(2) + 10_000, 41), rows[3] as Observation]));
    } finally {
      await store.close();
      await quit(redis);
    }
  });

  test('key layout: every key of a target carries its hash tag {t:<id>} (Cluster slot), behind the prefix', async () => {
    const { redis, store, cleanup } = await fresh('swtest:');
    try {
      await store.putTarget({ id: 'lay-1', name: 'x', source: { kind: 'json', url: 'http://x.test' }, intervalMs: 1000 });
      await store.append(items('lay-1', [obs(m(0), 1), obs(m(1), 2), obs(m(2), 3)]));
      await store.append(items('lay-1', [obs(m(0) + 500, 4)])); // late set
      await store.appendEvent('lay-1', { at: m(0), type: 'mark' });
      await store.append(items('other', [obs(m(0), 1)]));
      const keys = (await redis.keys('*')).sort();
      assert.deepEqual(keys, [
        'swtest:sw:targets',
        'swtest:{t:lay-1}:events',
        'swtest:{t:lay-1}:obs',
        'swtest:{t:lay-1}:obs:1m',
        'swtest:{t:lay-1}:obs:late',
        'swtest:{t:other}:obs',
      ]);
      for (const k of keys.filter((k) => k.includes('lay-1'))) assert.equal(hashTag(k), 't:lay-1', k);
      assert.equal(await store.deleteTarget('lay-1'), true);
      assert.deepEqual((await redis.keys('*{t:lay-1}*')).length, 0);
    } finally {
      await cleanup();
    }
  });

  test('round trips: one pipeline per append; closing minutes adds one rollup write; never one per row', async () => {
    const { redis, store, cleanup } = await fresh();
    // Every pipeline is one socket write and every lone command is one too, so writes = round trips.
    let writes = 0;
    const socket = redis.stream;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args) => {
      writes++;
      return write(...args);
    };
    const count = async (fn: () => Promise<unknown>): Promise<number> => {
      writes = 0;
      await fn();
      return writes;
    };
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
    try {
      // First sight of the targets: one extra read of their newest entries, for all of them at once.
      assert.equal(await count(() => store.append(ids.map((id) => ({ targetId: id, obs: obs(m(0), 1) })))), 2);
      // Steady state inside a minute: one round trip, however many targets and rows.
      assert.equal(await count(() => store.append(items('p1', [obs(m(0) + 1000, 1)]))), 1);
      const batch = ids.flatMap((id) => Array.from({ length: 10 }, (_, i) => ({ targetId: id, obs: obs(m(0) + 2000 + i * 1000, i) })));
      assert.equal(await count(() => store.append(batch)), 1);
      // A batch that closes minutes: the write pipeline (which also reads the closed minutes) plus the rollup writes.
      assert.equal(await count(() => store.append(ids.map((id) => ({ targetId: id, obs: obs(m(1), 1) })))), 2);
      assert.equal((await store.rollups('p3', ...ALL)).length, 1);
      const big = Array.from({ length: 1000 }, (_, i) => obs(m(2) + i * 1000, i));
      assert.equal(await count(() => store.append(items('p1', big))), 2);
      assert.equal((await store.rollups('p1', ...ALL)).length, 18); // minutes 0–17; 18 is open
      // An import of 600 past rows over 10 minutes: check-and-insert (with the minute reads), then rollups.
      const past = Array.from({ length: 600 }, (_, i) => obs(m(-20) + i * 1000, i));
      assert.equal(await count(() => store.append(items('p1', past))), 2);
      assert.equal((await store.rollups('p1', m(-20), m(-11))).length, 10);
    } finally {
      (socket as unknown as { write: unknown }).write = write;
      await cleanup();
    }
  });

  test('another writer moved the stream on: rows are re-routed as imports, minutes still roll up', async () => {
    const { redis, store: a, cleanup } = await fresh();
    const b = new RedisStore({ redis });
    try {
      await b.append(items('s', [obs(m(0), 1)])); // b caches newest = m(0)
      await a.append(items('s', [1, 2, 3, 4, 5].map((k) => obs(m(k), k)))); // a moves it to m(5)
      // b's rows look in order to b; Redis refuses the XADDs and b must recover.
      const res = await b.append(items('s', [obs(m(3) + 500, 30), obs(m(4), 99), obs(m(6), 6)]));
      assert.deepEqual(res, { written: 2, duplicates: 1 });
      assert.deepEqual((await a.range('s', ...ALL)).map((o) => o.listeners), [1, 1, 2, 3, 30, 4, 5, 6]);
      const r3 = (await a.rollups('s', m(3), m(3)))[0];
      assert.deepEqual(r3, computeRollup(m(3), [obs(m(3), 3), obs(m(3) + 500, 30)]));
      assert.equal((await a.rollups('s', m(5), m(5))).length, 1, 'b closed the minute a left open');
      // A stale cache that still accepts the write: b must close a's open minute (9), not its own idea of it (6).
      await a.append(items('s', [7, 8, 9].map((k) => obs(m(k), k))));
      assert.deepEqual(await b.append(items('s', [obs(m(10), 10)])), { written: 1, duplicates: 0 });
      assert.deepEqual((await a.rollups('s', m(6), m(10))).map((r) => (r.at - T0) / MINUTE_MS), [6, 7, 8, 9]);
    } finally {
      await b.close();
      await cleanup();
    }
  });

  test('bytes per observation at rest (MEMORY USAGE over 10,000 poll rows)', async (t) => {
    const { redis, store, cleanup } = await fresh();
    try {
      const n = 10_000;
      // Poll-like rows: live, a drifting count, a successful join with integer ms and a byte count.
      const rows = (withBytes: boolean): Observation[] =>
        Array.from({ length: n }, (_, i) => ({
          at: T0 + i * 1000,
          state: 'live',
          listeners: 40_000 + Math.round(5000 * Math.sin(i / 300)) + (i % 17),
          join: withBytes ? { ok: true, ms: 80 + ((i * 37) % 400), bytes: 1024 + (i % 900) } : { ok: true, ms: 80 + ((i * 37) % 400) },
        }));
      const perObs: Record<string, number> = {};
      for (const [id, withBytes] of [['bytes', true], ['plain', false]] as const) {
        const data = rows(withBytes);
        for (let i = 0; i < n; i += 2000) await store.append(items(id, data.slice(i, i + 2000)));
        const usage = (await redis.call('MEMORY', 'USAGE', `{t:${id}}:obs`, 'SAMPLES', '0')) as number;
        perObs[id] = usage / n;
      }
      t.diagnostic(`bytes/observation: state+listeners+join ok/ms = ${perObs.plain?.toFixed(1)}, with join bytes = ${perObs.bytes?.toFixed(1)}`);
      assert.ok((perObs.plain ?? Infinity) < 60, `plain ${perObs.plain}`);
      assert.ok((perObs.bytes ?? Infinity) < 60, `with bytes ${perObs.bytes}`);
    } finally {
      await cleanup();
    }
  });

  test('ping() answers true while Redis is up; close() leaves the caller\'s client open', async () => {
    const { redis, store, cleanup } = await fresh();
    try {
      assert.equal(await store.ping(), true);
      await store.close();
      assert.equal(redis.status, 'ready');
      assert.equal(await redis.ping(), 'PONG');
    } finally {
      await cleanup();
    }
  });
});

/** Redis Cluster's rule: the hash is taken over the first `{…}` with something inside, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
