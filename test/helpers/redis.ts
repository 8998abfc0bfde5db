import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/storage/redis-store.js';

/** A real redis-server of the test's own, on a free port, with an append-only file so a restart keeps data. */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (data stays in its folder). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spacewatch-redis-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    const spawned = child;
    const failed = new Promise<never>((_, reject) => {
      spawned.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed? .ci/run installs it): ${err.message}`)));
    });
    await Promise.race([waitReady(port), failed]);
  }

  async function stop(): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not become ready`);
    } finally {
      client.disconnect();
    }
    await sleep(50);
  }
}

/**
 * One redis-server for a whole test file (started before its tests, destroyed after them). Each call
 * of the returned function empties it and gives a RedisStore on it, closed when the test ends.
 */
export function redisStorePerTest(): (t: { after(fn: () => unknown): void }) => Promise<RedisStore> {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  before(async () => {
    server = await startRedis();
    client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    client?.disconnect();
    await server?.destroy();
  });
  return async (t) => {
    if (!client) throw new Error('redis not started');
    await client.flushall();
    const store = new RedisStore({ redis: client });
    t.after(() => store.close());
    return store;
  };
}

