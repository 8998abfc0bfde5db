import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/storage/redis-store.js';
import { build } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { scenarios } from './scenarios.js';

// The same targets, import and series scenarios as data.test.ts, on a RedisStore over a real
// redis-server: what the API promises must not depend on the store behind it.

let server: TestRedis;
let redis: Redis;

before(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
});

after(async () => {
  redis?.disconnect();
  await server?.destroy();
});

for (const [name, scenario] of Object.entries(scenarios)) {
  test(`redis store: ${name}`, async (t) => {
    await redis.flushall();
    const store = new RedisStore({ redis });
    t.after(() => store.close());
    await scenario(await build(t, { store }));
  });
}

test('redis store: /readyz is 200 while redis answers', async (t) => {
  const store = new RedisStore({ redis });
  t.after(() => store.close());
  const app = await build(t, { store });
  const res = await app.inject({ url: '/readyz' });
  if (res.statusCode !== 200) throw new Error(`readyz: ${res.statusCode} ${res.body}`);
});
