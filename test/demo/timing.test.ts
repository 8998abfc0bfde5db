import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import { demoTiming, MIN_INTERVAL_MS, MIN_NO_DATA_MS, scaleMs, scaleRules } from '../../src/demo/timing.js';

// The demo's one scaling function: every duration ÷ speed, so each rule keeps its meaning in
// scenario time, with floors where a machine cannot follow.

const LIFE = { intervalMs: 5_000, timeoutMs: 5_000, minClearForMs: 30_000, evaluateEveryMs: 5_000 };

describe('demoTiming', () => {
  test('speed 1 is real life: every rule as the defaults say', () => {
    const t = demoTiming(1, LIFE);
    assert.deepEqual(effectiveRules(t.rules), DEFAULT_RULES);
    assert.deepEqual([t.intervalMs, t.timeoutMs, t.alerts.minClearForMs, t.alerts.evaluateEveryMs], [5_000, 5_000, 30_000, 5_000]);
  });

  // [speed, path, want]: what the user reads as "a 5-minute window is 5 s at speed 60".
  const cases: [number, string, number | boolean][] = [
    [60, 'delay.graceMs', 2_000],
    [60, 'delay.forMs', 0],
    [60, 'drop.windowMs', 5_000],
    [60, 'drop.forMs', 1_000],
    [60, 'drop.percent', 30],
    [60, 'join_failures.windowMs', 2_000],
    [60, 'join_failures.forMs', 500],
    [60, 'join_failures.rate', 0.2],
    [60, 'join_failures.minAttempts', 5],
    [60, 'capacity.flatPercent', 2],
    [60, 'outage.consecutiveFailures', 3],
    [60, 'claim_gap.ratio', 2],
    [60, 'stall.enabled', true],
    // 30 s ÷ 60 = 0.5 s, under the no-data floor.
    [60, 'outage.noDataMs', MIN_NO_DATA_MS],
    [6, 'delay.graceMs', 20_000],
    [6, 'join_failures.windowMs', 20_000],
    [6, 'drop.forMs', 10_000],
    // At 600×, 5 minutes would be 500 ms: two probes; the window keeps four.
    [600, 'drop.windowMs', 4 * MIN_INTERVAL_MS],
    // 2 minutes would be 200 ms; a rule that needs 5 attempts gets a window of 6 probes.
    [600, 'join_failures.windowMs', 6 * MIN_INTERVAL_MS],
    [600, 'capacity.windowMs', 11 * MIN_INTERVAL_MS],
    [60, 'capacity.windowMs', 5_000],
    [600, 'delay.graceMs', 200],
  ];
  for (const [speed, path, want] of cases) {
    test(`speed ${speed}: ${path} = ${want}`, () => {
      const [rule, field] = path.split('.') as [keyof typeof DEFAULT_RULES, string];
      assert.equal((demoTiming(speed, LIFE).rules[rule] as Record<string, unknown>)[field], want);
    });
  }

  test('probe interval, timeout and the engine settings, with their floors', () => {
    assert.deepEqual(demoTiming(6, LIFE), { ...demoTiming(6, LIFE), intervalMs: 833, timeoutMs: 1_000, alerts: { minClearForMs: 5_000, evaluateEveryMs: 833 } });
    const fast = demoTiming(60, LIFE);
    assert.equal(fast.intervalMs, MIN_INTERVAL_MS, '5 s ÷ 60 is under the 250 ms a probe needs');
    assert.equal(fast.timeoutMs, 1_000);
    assert.equal(fast.alerts.evaluateEveryMs, MIN_INTERVAL_MS);
    // 30 s ÷ 60 = 500 ms = 2 probes; real life holds 6 probes (30 s at 5 s), and so does the demo.
    assert.equal(fast.alerts.minClearForMs, 6 * MIN_INTERVAL_MS);
    // A timeout is never raised above real life's by the floor.
    assert.equal(demoTiming(60, { ...LIFE, timeoutMs: 500 }).timeoutMs, 500);
  });

  test('every rule and every field is present, so the scaled set overrides all defaults', () => {
    const rules = demoTiming(60, LIFE).rules as Record<string, Record<string, unknown>>;
    for (const [rule, fields] of Object.entries(DEFAULT_RULES)) assert.deepEqual(Object.keys(rules[rule]!).sort(), Object.keys(fields).sort(), rule);
  });

  test('a speed that is not a positive number is refused', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) assert.throws(() => demoTiming(bad, LIFE), RangeError);
  });
});

describe('scaleMs and scaleRules', () => {
  test('rounds to whole ms and applies the floor', () => {
    assert.equal(scaleMs(5_000, 6), 833);
    assert.equal(scaleMs(100, 60, 250), 250);
    assert.equal(scaleMs(0, 60), 0);
  });

  test('only fields named …Ms are durations', () => {
    const scaled = scaleRules(DEFAULT_RULES, 10, 500) as Record<string, Record<string, unknown>>;
    assert.equal(scaled.drop!.absolute, 0);
    assert.equal(scaled.capacity!.minAttempts, 10);
    assert.equal(scaled.capacity!.forMs, 0);
    assert.equal(scaled.join_failures!.windowMs, 12_000);
  });
});
