import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { run, type Running } from '../../src/main.js';
import { parseScenario } from '../../src/simulator/scenario.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// The whole process as a user runs it (run() is what `spacewatch serve` calls), against a real
// redis-server and a real simulator: restarting spacewatch keeps every target and observation, a
// Redis outage loses no observation, and the token guards every write.

const TOKEN = 'e2e-token-0123456789';
const silent = pino({ level: 'silent' });

describe('spacewatch end to end with Redis', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let running: Running | undefined;

  before(async () => {
    redis = await startRedis();
    const scenario = parseScenario({ name: 'e2e', spaceId: 'E2eSpace', keyframes: [{ atSec: 0, listeners: 500, state: 'live' }, { atSec: 3600, listeners: 4100 }] });
    sim = await startSimulator({ scenario, port: 0, log: silent });
  });
  after(async () => {
    await running?.close();
    await sim.close();
    await redis.destroy();
  });

  const config = () =>
    parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        poller: { defaultIntervalMs: 250, flushIntervalMs: 20 },
        targets: [{ id: 'from-config', source: { kind: 'x-space', spaceId: 'E2eSpace', url: sim.url }, intervalMs: 250 }],
      },
      { REDIS_URL: redis.url, SPACEWATCH_TOKEN: TOKEN },
      'e2e.yaml',
    );
  const start = async () => (running = await run({ config: config(), configFile: 'e2e.yaml', env: {}, log: silent }));
  const get = async (path: string) => (await fetch(`${running!.url}${path}`)).json() as Promise<any>;
  const count = async (id: string) => (await get(`/api/v1/targets/${id}/series?metric=join_attempts&from=0&maxPoints=10000`)).v.reduce((s: number, v: number | null) => s + (v ?? 0), 0);

  test('writes need the token; with it a target is created and polled', async () => {
    await start();
    const body = JSON.stringify({ id: 'from-api', source: { kind: 'x-space', spaceId: 'E2eSpace', url: sim.url }, intervalMs: 250 });
    const headers = { 'content-type': 'application/json' };
    const anonymous = await fetch(`${running!.url}/api/v1/targets`, { method: 'POST', headers, body });
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { code: string }).code, 'SW_UNAUTHORIZED');
    const wrong = await fetch(`${running!.url}/api/v1/targets`, { method: 'POST', headers: { ...headers, authorization: 'Bearer nope-nope-nope-nope' }, body });
    assert.equal(wrong.status, 403);
    const created = await fetch(`${running!.url}/api/v1/targets`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${TOKEN}` }, body });
    assert.equal(created.status, 201);
    await sleep(1500);
    assert.ok((await count('from-api')) >= 3, 'the API-created target is polled at once');
    assert.ok((await count('from-config')) >= 3);
  });

  test('a restart against the same Redis keeps every target and observation, and polling resumes', async () => {
    const before = { api: await count('from-api'), config: await count('from-config') };
    const listeners = (await get('/api/v1/targets/from-api/series?metric=listeners&from=0&maxPoints=10000')).v.filter((v: number | null) => v !== null);
    await running!.close();
    running = undefined;

    await start();
    const ids = (await get('/api/v1/targets')).map((t: { id: string; origin: string }) => `${t.id}:${t.origin}`);
    assert.deepEqual(ids.sort(), ['from-api:api', 'from-config:config']);
    const afterRestart = await get('/api/v1/targets/from-api/series?metric=listeners&from=0&maxPoints=10000');
    assert.deepEqual(afterRestart.v.filter((v: number | null) => v !== null).slice(0, listeners.length), listeners, 'every earlier observation is still there');
    await sleep(1000);
    assert.ok((await count('from-api')) > before.api + 2, 'polling resumed');
    assert.ok((await count('from-config')) > before.config + 2);
  });

  test('observations made while Redis is down are written when it returns; none is dropped', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${running!.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    const outageStart = Date.now();
    await redis.stop();
    await sleep(1500);
    assert.ok(running!.poller!.stats().buffered >= 6, `observations held while Redis is down: ${running!.poller!.stats().buffered}`);
    await redis.start();
    const outageEnd = Date.now();
    // The writer retries with backoff (≤ 5 s).
    for (let i = 0; i < 80 && running!.poller!.stats().buffered > 0; i++) await sleep(100);
    assert.equal(running!.poller!.stats().buffered, 0);
    const during = await get(`/api/v1/targets/from-api/series?metric=join_attempts&from=${outageStart}&to=${outageEnd}&maxPoints=10000`);
    const n = during.v.reduce((s: number, v: number | null) => s + (v ?? 0), 0);
    assert.ok(n >= ((outageEnd - outageStart) / 250) * 0.6, `${n} observations cover the ${outageEnd - outageStart} ms outage`);
    assert.equal(await metric('spacewatch_observations_dropped_total'), 0);
    assert.ok((await metric('spacewatch_store_write_errors_total')) >= 1, 'the failed writes were counted');
  });
});
