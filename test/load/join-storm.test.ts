import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Alert } from '../../src/alerts/types.js';
import { parseConfig } from '../../src/config/load.js';
import { run, type Running } from '../../src/main.js';
import { parseScenario } from '../../src/simulator/scenario.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import type { Observation } from '../../src/types.js';
import { createCrowd, type Crowd } from '../helpers/crowd.js';

// Issue 6's join storm at test scale (`npm run load:join-storm` is the full one): the simulator in
// 'connections' mode with room for 50 listeners, a crowd of 200 pressing to get in, and the real
// spacewatch (run(): poller → store → detectors → alerts) watching the Space as an x-space target.
// spacewatch must see what the crowd lived through: the count stuck at the capacity, joins failing,
// and the capacity-ceiling alert.

const CAPACITY = 50;
const CROWD = 200;
const INTERVAL_MS = 250;
/** Readings after this long into the storm are on the plateau (the room fills within the first second). */
const PLATEAU_AFTER_MS = 3_000;
/** The capacity rule needs its whole 10 s window flat, so it fires some 10–15 s into the storm; generous. */
const ALERT_DEADLINE_MS = 45_000;

const SCENARIO = parseScenario({ name: 'join storm (test)', spaceId: 'StormTest1', seed: 7, keyframes: [{ atSec: 0, listeners: 0 }] });

describe('join storm against a capacity-limited Space', () => {
  let sim: Simulator;
  let running: Running;
  let crowd: Crowd;
  let stormAt: number;
  let fired: Alert[];

  before(async () => {
    // Refusals count against the API over 3 s: the storm's failures show within a few probes.
    sim = await startSimulator({ scenario: SCENARIO, audience: 'connections', capacity: CAPACITY, refusalWindowMs: 3_000, log: pino({ level: 'silent' }) });
    const config = parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        poller: { defaultIntervalMs: INTERVAL_MS, flushIntervalMs: 50 },
        alerts: { evaluateEveryMs: 500 },
        targets: [
          {
            id: 'storm',
            source: { kind: 'x-space', spaceId: SCENARIO.spaceId, url: sim.url },
            intervalMs: INTERVAL_MS,
            // The shortest windows the rules accept. flatPercent 10: at 50 listeners one seat
            // between a hang-up and the next admission is already 2 %.
            rules: {
              join_failures: { windowMs: 10_000, minAttempts: 10, forMs: 0 },
              capacity: { windowMs: 10_000, minAttempts: 10, flatPercent: 10 },
            },
          },
        ],
      },
      {},
      'join-storm.test.yaml',
    );
    running = await run({ config, configFile: 'join-storm.test.yaml', env: {}, log: pino({ level: 'silent' }) });
    // A couple of seconds of calm first: an empty live Space, every probe answered.
    await sleep(1_500);
    // Admitted listeners stay 2 s on average; refused ones retry after 1–3 s: the room churns, so
    // seats free up and are taken again at once (see crowd.ts), about 70 % of attempts refused.
    crowd = createCrowd({ url: sim.url, spaceId: SCENARIO.spaceId, holdMeanMs: 2_000, retryMs: [1_000, 3_000], pauseMs: [500, 1_500], seed: 7 });
    stormAt = Date.now();
    crowd.add(CROWD, 2_000);

    const deadline = Date.now() + ALERT_DEADLINE_MS;
    for (;;) {
      fired = (await running.store.listAlerts()).filter((a) => a.targetId === 'storm' && a.firedAt !== undefined);
      if (fired.some((a) => a.rule === 'capacity') || Date.now() > deadline) break;
      await sleep(250);
    }
  });

  after(async () => {
    await crowd?.close();
    await running?.close();
    await sim?.close();
  });

  const observations = () => running.store.range('storm', stormAt - 60_000, Date.now());
  const failedShare = (rows: Observation[]) => rows.filter((o) => o.join?.ok === false).length / rows.length;

  test('the capacity-ceiling alert fires, after join failures', (t) => {
    const capacity = fired.find((a) => a.rule === 'capacity');
    t.diagnostic(`fired ${fired.map((a) => `${a.rule} +${a.firedAt! - stormAt} ms`).join(', ')}`);
    assert.ok(capacity, `capacity never fired within ${ALERT_DEADLINE_MS} ms; fired: ${JSON.stringify(fired.map((a) => [a.rule, a.condition.summary]))}`);
    assert.ok(capacity.firedAt! > stormAt, 'not before the storm');
    // The plateau it names is the room's capacity.
    assert.ok(capacity.condition.value! >= CAPACITY * 0.9 && capacity.condition.value! <= CAPACITY, `plateau ${capacity.condition.value}`);
    const jf = fired.find((a) => a.rule === 'join_failures');
    assert.ok(jf && jf.firedAt! > stormAt && jf.firedAt! <= capacity.firedAt!, `join_failures fired at ${jf?.firedAt}, capacity at ${capacity.firedAt}`);
  });

  test('connections beyond the capacity are refused; no more than the capacity is ever held', () => {
    const a = sim.stats().audience!;
    const c = crowd.stats();
    assert.ok(a.refused > CROWD, `refused ${a.refused}`);
    assert.equal(a.peak, CAPACITY);
    assert.ok(c.peakHeld <= CAPACITY, `the crowd held ${c.peakHeld} at once`);
    assert.ok(c.refused > 0 && c.admitted > CAPACITY, 'seats were refused, and retaken as others left');
    assert.deepEqual(c.errors, {}, 'every attempt got an answer');
  });

  test("spacewatch's listener count plateaus at the capacity", async (t) => {
    const counts = (await observations()).filter((o) => o.at >= stormAt + PLATEAU_AFTER_MS && typeof o.listeners === 'number').map((o) => o.listeners!);
    assert.ok(counts.length >= 5, `counts on the plateau: ${counts.length}`);
    const sorted = [...counts].sort((x, y) => x - y);
    const median = sorted[sorted.length >> 1]!;
    t.diagnostic(`counts on the plateau: ${counts.join(' ')}`);
    assert.ok(Math.max(...counts) <= CAPACITY, `max ${Math.max(...counts)}`);
    assert.ok(median >= CAPACITY * 0.9, `median ${median} of ${counts.join(' ')}`);
  });

  test("spacewatch's join failures rise with the storm", async (t) => {
    const rows = await observations();
    const calm = rows.filter((o) => o.at < stormAt);
    const storm = rows.filter((o) => o.at >= stormAt + PLATEAU_AFTER_MS);
    assert.ok(calm.length >= 3 && calm.every((o) => o.join?.ok === true), `before the storm: ${JSON.stringify(calm.map((o) => o.join))}`);
    assert.ok(storm.length >= 10, `probes during the storm: ${storm.length}`);
    const share = failedShare(storm);
    t.diagnostic(`failed share: ${share.toFixed(2)} of ${storm.length} probes; listen attempts refused ${JSON.stringify(sim.stats().audience)}`);
    assert.ok(share >= 0.3, `failed share during the storm ${share}`);
    assert.ok(storm.filter((o) => o.join?.ok === false).every((o) => o.join!.error === 'http_5xx'), 'failed joins are the API\'s 503s');
  });
});
