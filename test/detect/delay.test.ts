import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { delay } from '../../src/detect/delay.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { Observation, Target, TargetEvent } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 0, 0, 0);
const at = (s: number) => T + s * 1000;
const o = (s: number, state: Observation['state'], ok?: boolean): Observation => ({ at: at(s), state, ...(ok === undefined ? {} : { join: { ok, ms: 100, ...(ok ? {} : { error: 'http_5xx' as const }) } }) });
const target: Target = { id: 't', name: 't', source: { kind: 'x-space' }, intervalMs: 5000, schedule: { start: new Date(T).toISOString() } };
const run = (nowS: number, observations: Observation[], over: Partial<DetectInput> = {}): Condition =>
  delay({ target, observations, events: [], rules: DEFAULT_RULES, now: at(nowS), ...over });

describe('delay', () => {
  const scheduled = (until: number) => Array.from({ length: Math.floor(until / 5) + 1 }, (_, i) => o(i * 5, 'scheduled', true));
  const cases: [string, number, Observation[], Partial<DetectInput>, Partial<Condition>][] = [
    ['no schedule: not judged', 600, [], { target: { ...target, schedule: undefined } }, { active: false, value: null, summary: 'no schedule: delay is not judged' }],
    ['before the scheduled start', -60, [], {}, { active: false, value: -60_000, summary: 'scheduled to start in 1 m (2024-08-13T00:00:00Z)' }],
    ['exactly at start + grace: not yet', 120, scheduled(120), {}, { active: false, value: 120_000 }],
    ['1 ms past the grace: delayed', 120.001, scheduled(120), {}, { active: true, value: 120_001 }],
    ['delayed, running value', 200, scheduled(200), {}, { active: true, value: 200_000, summary: 'not on air 3 m 20 s after the scheduled start (2024-08-13T00:00:00Z)' }],
    ['no observations at all past the grace: delayed', 300, [], {}, { active: true, value: 300_000 }],
    ['on air within the grace: final delay', 200, [o(0, 'scheduled', true), o(90, 'live', true), o(200, 'live', true)], {}, { active: false, value: 90_000, summary: 'on air 1 m 30 s after the scheduled start (2024-08-13T00:00:00Z)' }],
    ['on air after the grace: final delay', 400, [...scheduled(250), o(300, 'live', true), o(400, 'live', true)], {}, { active: false, value: 300_000 }],
    ['early start: negative final delay', 60, [o(-120, 'scheduled', true), o(-60, 'live', true), o(60, 'live', true)], {}, { active: false, value: -60_000, summary: 'on air 1 m before the scheduled start (2024-08-13T00:00:00Z)' }],
    ['on air at the scheduled start', 60, [o(-5, 'scheduled', true), o(0, 'live', true)], {}, { active: false, value: 0, summary: 'on air at the scheduled start (2024-08-13T00:00:00Z)' }],
    ['on air at the first observation passed: an upper bound', 900, [o(600, 'live', true), o(900, 'live', true)], {}, { active: false, value: 600_000, summary: 'on air 10 m after the scheduled start at the latest (2024-08-13T00:00:00Z)' }],
    ['the bound at the scheduled start', 60, [o(0, 'live', true)], {}, { active: false, value: 0, summary: 'on air by the scheduled start (2024-08-13T00:00:00Z)' }],
    ['live under a join-error storm is not on air', 200, [o(150, 'live', false), o(160, 'live', false), o(170, 'live', true), o(180, 'live', false), o(200, 'live', false)], {}, { active: true, value: 200_000 }],
    ['imported live rows without joins count as on air', 300, [o(0, 'scheduled'), o(30, 'live')], {}, { active: false, value: 30_000 }],
    ['a program-start mark puts it on air', 300, scheduled(300), { events: [{ at: at(150), type: 'mark', data: { kind: 'program-start' } }] }, { active: false, value: 150_000 }],
    ['a mark in the future does not count yet', 300, scheduled(300), { events: [{ at: at(400), type: 'mark', data: { kind: 'program-start' } }] }, { active: true, value: 300_000 }],
    ['the platform moved the start later', 300, scheduled(300), { events: [{ at: at(-100), type: 'source-schedule', data: { start: new Date(at(600)).toISOString() } }] }, { active: false, value: -300_000 }],
    ['ended without going on air', 600, [o(500, 'scheduled', true), o(590, 'ended', false)], {}, { active: false, value: null, summary: 'broadcast ended without going on air (scheduled 2024-08-13T00:00:00Z)' }],
    ['a source-ended event ends it too', 600, scheduled(600), { events: [{ at: at(590), type: 'source-ended', data: { at: new Date(at(590)).toISOString() } }] }, { active: false, value: null }],
    ['the operator ended the programme before it went on air', 600, scheduled(600), { events: [{ at: at(500), type: 'mark', data: { kind: 'program-end' } }] }, { active: false, value: null }],
    ['grace override 0: delayed 1 ms after the start', 0.001, [], { rules: effectiveRules({ delay: { graceMs: 0 } }) }, { active: true, value: 1, threshold: 0 }],
  ];
  for (const [name, nowS, observations, over, expected] of cases) {
    test(name, () => {
      const c = run(nowS, observations, over);
      assert.equal(c.rule, 'delay');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${name}: ${k} (${c.summary})`);
    });
  }

  test('threshold is the grace and details carry the schedule', () => {
    const c = run(200, scheduled(200));
    assert.equal(c.threshold, 120_000);
    assert.deepEqual(c.details, { scheduledStart: '2024-08-13T00:00:00Z', delayMs: 200_000, graceMs: 120_000 });
  });

  test('details say whether the final delay is exact', () => {
    assert.equal(run(300, [o(0, 'scheduled', true), o(90, 'live', true)]).details?.exact, true);
    assert.equal(run(300, [o(90, 'live', true)]).details?.exact, false);
    assert.equal(run(300, [o(90, 'live', true)], { events: [{ at: at(90), type: 'mark', data: { kind: 'program-start' } }] }).details?.exact, true);
  });

  test('frozen inputs are only read', () => {
    const events: readonly TargetEvent[] = Object.freeze([{ at: at(150), type: 'mark', data: { kind: 'program-start' } }]);
    assert.equal(run(300, [], { events }).value, 150_000);
  });
});
