import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createPoller, type Poller } from '../../src/poller/poller.js';
import { defaultSources } from '../../src/sources/index.js';
import { createKeys } from '../../src/storage/keys.js';
import { RedisStore } from '../../src/storage/redis-store.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// DESIGN.md "Processes and scale": pollers share targets through leases in Redis. Exactly one
// poller polls a target; a clean stop hands its targets over at once; a killed poller's targets are
// taken over when its leases expire.

const LEASE_TTL_MS = 800;
const IDS = ['a', 'b', 'c', 'd'];
const keys = createKeys();

describe('poller leases (real Redis, a poller in a child process)', () => {
  let redis: TestRedis;
  let client: Redis;
  let http: Server;
  let url: string;

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    http = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"n":7}'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as { port: number }).port}/`;
    const store = new RedisStore({ redis: client });
    for (const id of IDS) await store.putTarget({ id, name: id, source: { kind: 'json', url, listenersPath: 'n' }, intervalMs: 200, origin: 'api' });
  });
  after(async () => {
    client.disconnect();
    await new Promise((r) => http.close(r));
    await redis.destroy();
  });

  const holders = async () => Promise.all(IDS.map((id) => client.get(keys.lease(id))));
  const observations = async () => {
    const lens = await Promise.all(IDS.map((id) => client.xlen(keys.obs(id))));
    return lens.reduce((s, n) => s + n, 0);
  };
  function parentPoller(): Poller {
    return createPoller({
      store: new RedisStore({ redis: client }),
      sources: defaultSources(),
      log: pino({ level: 'silent' }),
      registry: new Registry(),
      owner: 'parent',
      leaseTtlMs: LEASE_TTL_MS,
      refreshTargetsMs: 100,
      drainTimeoutMs: 500,
      settings: { concurrency: 16, defaultIntervalMs: 200, defaultTimeoutMs: 1000, maxResponseBytes: 1 << 20, jitter: 0, bufferLimit: 1000, flushIntervalMs: 20, flushBatchSize: 100 },
    });
  }

  test('one holder per target; a killed poller’s targets are taken over within one lease TTL', async () => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/poller/fixtures/lease-child.ts'], {
      env: { ...process.env, REDIS_URL: redis.url, LEASE_TTL_MS: String(LEASE_TTL_MS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ready = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    assert.equal(ready.trim(), `ready ${IDS.length}`, 'the first poller holds every target');

    const parent = parentPoller();
    await parent.start();
    try {
      await sleep(600);
      assert.deepEqual(await holders(), IDS.map(() => 'child'));
      assert.equal(parent.stats().targets, 0, 'the second poller polls nothing the first one holds');

      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const killedAt = Date.now();
      const before = await observations();
      // Leases lapse within the TTL; the parent's next refresh (every 100 ms) claims them.
      while (parent.stats().targets < IDS.length && Date.now() - killedAt < LEASE_TTL_MS + 1_000) await sleep(50);
      const tookOver = Date.now() - killedAt;
      assert.equal(parent.stats().targets, IDS.length);
      assert.ok(tookOver <= LEASE_TTL_MS + 300, `took over after ${tookOver} ms (TTL ${LEASE_TTL_MS} ms)`);
      assert.deepEqual(await holders(), IDS.map(() => 'parent'));
      await sleep(700);
      assert.ok((await observations()) >= before + IDS.length * 2, 'polling resumed for every target');
    } finally {
      await parent.stop();
    }
    assert.deepEqual(await holders(), IDS.map(() => null), 'a clean stop releases the leases');
  });

  test('a clean stop hands the targets to another poller at once', async () => {
    const first = parentPoller();
    await first.start();
    const second = createPoller({
      store: new RedisStore({ redis: client }),
      sources: defaultSources(),
      log: pino({ level: 'silent' }),
      registry: new Registry(),
      owner: 'second',
      leaseTtlMs: 60_000,
      refreshTargetsMs: 100,
      settings: { concurrency: 16, defaultIntervalMs: 200, defaultTimeoutMs: 1000, maxResponseBytes: 1 << 20, jitter: 0, bufferLimit: 1000, flushIntervalMs: 20, flushBatchSize: 100 },
    });
    await second.start();
    try {
      assert.equal(first.stats().targets, IDS.length);
      assert.equal(second.stats().targets, 0);
      await first.stop();
      await sleep(400);
      assert.equal(second.stats().targets, IDS.length);
      assert.deepEqual(await holders(), IDS.map(() => 'second'));
    } finally {
      await second.stop();
    }
  });
});
