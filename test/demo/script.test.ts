import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { claimFromEvent } from '../../src/claims/claim.js';
import { scenarioClock } from '../../src/demo/play.js';
import { occurrence, scriptOf, startScript } from '../../src/demo/script.js';
import { parseScenario } from '../../src/simulator/scenario.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

const scenario = parseScenario({
  name: 'Script',
  spaceId: 's1',
  durationSec: 100,
  keyframes: [{ atSec: 0, listeners: 10 }],
  claims: [
    { atSec: 50, metric: 'listeners', value: 1000, claimant: '@host', quote: 'a thousand!' },
    { atSec: 20, metric: 'state', stateValue: 'live', claimant: '@host' },
  ],
  marks: [
    { atSec: 50, kind: 'incident', text: 'mic dead' },
    { atSec: 0, kind: 'program-start' },
  ],
});

describe('scriptOf and occurrence', () => {
  test('claims and marks in playing order; at the same second the mark first', () => {
    assert.deepEqual(
      scriptOf(scenario).map((e) => [e.atSec, e.kind]),
      [
        [0, 'mark'],
        [20, 'claim'],
        [50, 'mark'],
        [50, 'claim'],
      ],
    );
  });

  test('events are the shapes the API writes, stamped at the instant given', () => {
    const [start, state, incident, listeners] = scriptOf(scenario);
    assert.deepEqual(start!.event(5), { at: 5, type: 'mark', data: { kind: 'program-start' } });
    assert.deepEqual(incident!.event(7), { at: 7, type: 'mark', data: { kind: 'incident', text: 'mic dead' } });
    assert.deepEqual(claimFromEvent(listeners!.event(9)), { at: 9, metric: 'listeners', value: 1000, claimant: '@host', quote: 'a thousand!' });
    assert.deepEqual(claimFromEvent(state!.event(3)), { at: 3, metric: 'state', stateValue: 'live', claimant: '@host' });
    assert.equal(listeners!.label, 'claim by @host: 1,000 listeners ("a thousand!")');
  });

  test('a loop plays every entry again each lap; without one, once', () => {
    const entries = scriptOf(scenario);
    const looped = { lapMs: 100_000, loop: true };
    assert.deepEqual([1, 4, 5].map((n) => occurrence(entries, n, looped)!.scenarioMs), [20_000, 100_000, 120_000]);
    assert.equal(occurrence(entries, 5, looped)!.lap, 1);
    assert.equal(occurrence(entries, 4, { lapMs: 100_000, loop: false }), undefined);
    assert.equal(occurrence([], 0, looped), undefined);
  });
});

describe('startScript', () => {
  test('writes each entry into the store when its scenario time comes, at the mapped instant, lap after lap', async () => {
    const store = new MemoryStore();
    // 100 scenario seconds per 10 real ms: a lap every 10 ms.
    const clock = scenarioClock(Date.now(), 10_000, 100_000, true);
    const heard: string[] = [];
    const script = startScript({ store, targetId: 't', scenario, clock, log: pino({ level: 'silent' }), onWritten: (e) => heard.push(e.kind) });
    await sleep(60);
    await script.stop();
    const events = await store.events('t', 0, Date.now() + 1000);
    assert.ok(events.length >= 8, `two laps at least, got ${events.length}`);
    // Each event is stamped where its scenario second falls, not when the timer happened to run.
    const expected = scriptOf(scenario).map((e) => e.atSec);
    events.forEach((e, i) => {
      const lap = Math.floor(i / expected.length);
      assert.equal(e.at, Math.round(clock.realAt(lap * 100_000 + expected[i % expected.length]! * 1000)), `event ${i}`);
    });
    assert.equal(heard.length, events.length);
    const after = events.length;
    await sleep(30);
    assert.equal((await store.events('t', 0, Date.now() + 1000)).length, after, 'nothing is written after stop()');
    await store.close();
  });
});
