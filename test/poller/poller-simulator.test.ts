import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createPoller, type PollerSettings } from '../../src/poller/poller.js';
import { evaluate, parseScenario, type Scenario } from '../../src/simulator/scenario.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { defaultSources } from '../../src/sources/index.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { RedisStore } from '../../src/storage/redis-store.js';
import type { Store } from '../../src/storage/store.js';
import type { Observation } from '../../src/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// The real pipeline below the API: poller → x-space probe over HTTP → simulator playing a scenario →
// write buffer → store. What was recorded must match what the scenario played, within one interval.

const INTERVAL_MS = 200;
const SPEED = 10; // scenario seconds per real second

// 6 real seconds = 60 scenario seconds: scheduled, live at 10 s, a climb, an error storm, recovery, end.
const SCENARIO: Scenario = parseScenario({
  name: 'poller test',
  spaceId: 'PollerTest1',
  speed: SPEED,
  seed: 3,
  schedule: { startAtSec: 5 },
  keyframes: [
    { atSec: 0, listeners: 0, state: 'scheduled' },
    { atSec: 10, listeners: 100, state: 'live' },
    { atSec: 30, listeners: 5_100 },
    { atSec: 45, listeners: 2_100 },
    { atSec: 52, listeners: 0, state: 'ended' },
  ],
  errorWindows: [
    { fromSec: 15, toSec: 30, rate: 1, kind: 'http_503' },
    { fromSec: 33, toSec: 42, rate: 1, kind: 'rate_limited' },
  ],
});

const SETTINGS: PollerSettings = {
  concurrency: 16,
  defaultIntervalMs: INTERVAL_MS,
  defaultTimeoutMs: 1_000,
  maxResponseBytes: 1 << 20,
  jitter: 0.05,
  bufferLimit: 10_000,
  flushIntervalMs: 50,
  flushBatchSize: 100,
};

interface Run {
  rows: Observation[];
  /** Wall-clock ms at which the simulator's scenario time was 0. */
  t0: number;
}

async function play(store: Store): Promise<Run> {
  const sim: Simulator = await startSimulator({ scenario: SCENARIO, port: 0, log: pino({ level: 'silent' }) });
  const t0 = Date.now() - sim.elapsedMs() / SPEED;
  await store.putTarget({ id: 'space', name: 'space', source: { kind: 'x-space', spaceId: SCENARIO.spaceId, url: sim.url }, intervalMs: INTERVAL_MS, origin: 'api' });
  const poller = createPoller({ store, sources: defaultSources(), log: pino({ level: 'silent' }), registry: new Registry(), settings: SETTINGS, env: {} });
  await poller.start();
  await sleep(5_600);
  await poller.stop();
  await sim.close();
  return { rows: await store.range('space', 0, Date.now()), t0 };
}

/** Scenario time (ms) of a wall-clock instant. */
const scenarioMs = (run: Run, at: number) => (at - run.t0) * SPEED;
/** One poll interval, in scenario ms. */
const WINDOW = INTERVAL_MS * SPEED * 1.5;
/** Margin at an error window's edges: a probe's `at` is when it started; the simulator sees it a few ms later. */
const EDGE = 50 * SPEED;

function checkAgainstScenario(run: Run): void {
  const { rows } = run;
  // The 429 window makes the poller wait for x-rate-limit-reset, so a few slots are honestly skipped.
  assert.ok(rows.length >= 16, `about one observation per ${INTERVAL_MS} ms outside the 429 pause; got ${rows.length}`);

  // Counts: each recorded value is what the scenario played within one interval of the probe.
  const ok = rows.filter((r) => r.join?.ok);
  for (const r of ok) {
    const s = scenarioMs(run, r.at);
    const lo = evaluate(SCENARIO, Math.max(0, s - WINDOW));
    const hi = evaluate(SCENARIO, s + WINDOW);
    const mid = evaluate(SCENARIO, s);
    // A keyframe inside the interval (a peak) is what the scenario played there too, though neither edge shows it.
    const peaks = SCENARIO.keyframes.filter((k) => Math.abs(k.atSec * 1000 - s) <= WINDOW).map((k) => evaluate(SCENARIO, k.atSec * 1000).listeners);
    const candidates = [lo.listeners, mid.listeners, hi.listeners, ...peaks];
    // X sends no participant_count for a scheduled Space, as the documented sample shows.
    if (r.listeners === undefined) {
      assert.equal(r.state, 'scheduled', `no count at scenario ${Math.round(s)} ms`);
      continue;
    }
    assert.ok(
      r.listeners! >= Math.min(...candidates) && r.listeners! <= Math.max(...candidates),
      `at scenario ${Math.round(s)} ms recorded ${r.listeners}, scenario played ${candidates.join('…')}`,
    );
    assert.ok([lo.state, mid.state, hi.state].includes(r.state as 'live'), `state ${r.state} at ${Math.round(s)} ms`);
  }
  assert.ok(ok.some((r) => r.state === 'scheduled') && ok.some((r) => r.state === 'live'), 'saw scheduled then live');
  assert.ok(Math.max(...ok.map((r) => r.listeners ?? 0)) > 3_000, 'the climb was recorded');

  // Error windows: every probe well inside a window failed with its class; every probe well outside none did.
  const inside = (r: Observation, from: number, to: number) => scenarioMs(run, r.at) > from * 1000 + EDGE && scenarioMs(run, r.at) < to * 1000 - EDGE;
  const outside = (r: Observation) =>
    SCENARIO.errorWindows!.every((w) => scenarioMs(run, r.at) < w.fromSec * 1000 - EDGE || scenarioMs(run, r.at) > w.toSec * 1000 + EDGE);
  const storm = rows.filter((r) => inside(r, 15, 30));
  assert.ok(storm.length >= 3, `probes during the 503 window: ${storm.length}`);
  assert.ok(storm.every((r) => r.join?.ok === false && r.join.error === 'http_5xx'), JSON.stringify(storm.map((r) => r.join)));
  const limited = rows.filter((r) => inside(r, 33, 42));
  assert.ok(limited.every((r) => r.join?.ok === false && r.join.error === 'rate_limited'), JSON.stringify(limited.map((r) => r.join)));
  const first429 = rows.find((r) => r.join?.error === 'rate_limited');
  assert.ok(first429 && scenarioMs(run, first429.at) >= 33_000 - EDGE, 'a probe during the 429 window got rate_limited');
  // After the 429 the poller waits for x-rate-limit-reset (the window's end) instead of probing on.
  const next = rows.find((r) => r.at > first429.at)!;
  assert.ok(scenarioMs(run, next.at) >= 42_000 - EDGE, 'no probe before the reset time');
  assert.ok(rows.filter(outside).every((r) => r.join?.ok === true), 'no failures outside the error windows');
}

describe('poller against the simulator', () => {
  test('memory store: recorded counts and states follow the scenario; error windows are classified join failures', async () => {
    checkAgainstScenario(await play(new MemoryStore()));
  });

  describe('redis store', () => {
    let redis: TestRedis;
    let client: Redis;
    before(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
    });
    after(async () => {
      client.disconnect();
      await redis.destroy();
    });

    test('the same run recorded in Redis', async () => {
      checkAgainstScenario(await play(new RedisStore({ redis: client })));
    });
  });
});
