import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { outage } from '../../src/detect/outage.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { JoinErrorCode, Observation, Target } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 2, 0, 0);
const at = (s: number) => T + s * 1000;
const ok = (s: number, state: Observation['state'] = 'live'): Observation => ({ at: at(s), state, listeners: 100, join: { ok: true, ms: 90 } });
const fail = (s: number, error: JoinErrorCode = 'timeout', state: Observation['state'] = 'unknown'): Observation => ({ at: at(s), state, join: { ok: false, ms: 5000, error } });
const imported = (s: number): Observation => ({ at: at(s), state: 'live', listeners: 100, source: 'screenshot' });
const target: Target = { id: 't', name: 't', source: { kind: 'icecast' }, intervalMs: 5000 };
const run = (observations: Observation[], over: Partial<DetectInput> = {}): Condition => outage({ target, observations, events: [], rules: DEFAULT_RULES, now: at(0), ...over });

describe('outage', () => {
  const cases: [string, Observation[], Partial<DetectInput>, Partial<Condition>][] = [
    ['before the first observation', [], {}, { active: false, value: null, summary: 'no probe recorded yet' }],
    ['imported rows without joins are not probes', [imported(-100), imported(0)], {}, { active: false, value: null, summary: 'no probe recorded yet' }],
    ['healthy', [ok(-10), ok(-5), ok(0)], {}, { active: false, value: 0, summary: 'probes answering' }],
    ['two failures in a row: not yet', [ok(-10), fail(-5), fail(0)], {}, { active: false, value: 2, summary: '2 failed probes in a row (3 make an outage)' }],
    ['one failure', [ok(-5), fail(0)], {}, { active: false, value: 1, summary: '1 failed probe in a row (3 make an outage)' }],
    ['three failures in a row: outage', [ok(-15), fail(-10), fail(-5, 'http_5xx'), fail(0)], {}, { active: true, value: 3, threshold: 3, summary: 'outage: 3 failed probes in a row, failing for 10 s (timeout 2, http_5xx 1)' }],
    ['a success in between breaks the run', [fail(-15), fail(-10), ok(-5), fail(0)], {}, { active: false, value: 1 }],
    ['recovered', [fail(-15), fail(-10), fail(-5), ok(0)], {}, { active: false, value: 0 }],
    ['imported rows between failures do not break the run', [fail(-10), imported(-7), fail(-5), imported(-2), fail(0)], {}, { active: true, value: 3 }],
    ['ended results are not an outage', [ok(-15), fail(-10, 'ended', 'ended'), fail(-5, 'ended', 'ended'), fail(0, 'ended', 'ended')], {}, { active: false, value: null, summary: 'broadcast ended: not an outage' }],
    ['failures after the end are not an outage either', [fail(-15, 'ended', 'ended'), fail(-10), fail(-5), fail(0)], {}, { active: false, value: null }],
    ['failures after a source-ended event', [ok(-15), fail(-10), fail(-5), fail(0)], { events: [{ at: at(-12), type: 'source-ended' }] }, { active: false, value: null }],
    ['the operator marked the programme over: the mount going away is not an outage', [ok(-15), fail(-10, 'no_source', 'offline'), fail(-5, 'no_source', 'offline'), fail(0, 'no_source', 'offline')], { events: [{ at: at(-12), type: 'mark', data: { kind: 'program-end' } }] }, { active: false, value: null }],
    ['live again after an end: an outage again', [fail(-30, 'ended', 'ended'), ok(-20), fail(-10), fail(-5), fail(0)], {}, { active: true, value: 3 }],
    ['an old end does not mask an outage after going live again', [fail(-15), fail(-10), fail(-5), fail(0)], { events: [{ at: at(-3600), type: 'source-ended' }, { at: at(-1800), type: 'state-change', data: { from: 'ended', to: 'live' } }] }, { active: true, value: 4 }],
    ['the platform says scheduled: nothing to join yet', [fail(-10, 'not_found', 'scheduled'), fail(-5, 'not_found', 'scheduled'), fail(0, 'not_found', 'scheduled')], {}, { active: false, value: 0 }],
    [
      'an offline mount before the scheduled start is expected',
      [fail(-10, 'no_source', 'offline'), fail(-5, 'no_source', 'offline'), fail(0, 'no_source', 'offline')],
      { target: { ...target, schedule: { start: new Date(at(600)).toISOString() } } },
      { active: false, value: 0 },
    ],
    [
      'an offline mount after the scheduled start is an outage',
      [fail(-10, 'no_source', 'offline'), fail(-5, 'no_source', 'offline'), fail(0, 'no_source', 'offline')],
      { target: { ...target, schedule: { start: new Date(at(-600)).toISOString() } } },
      { active: true, value: 3 },
    ],
    ['an offline mount without a schedule is an outage', [fail(-10, 'no_source', 'offline'), fail(-5, 'no_source', 'offline'), fail(0, 'no_source', 'offline')], {}, { active: true, value: 3 }],
    ['consecutiveFailures override', [fail(0)], { rules: effectiveRules({ outage: { consecutiveFailures: 1 } }) }, { active: true, value: 1, threshold: 1 }],
    ['no data exactly at the threshold: not yet', [ok(-30)], {}, { active: false, value: 0 }],
    [
      'no data 1 ms past the threshold',
      [ok(-30.001)],
      {},
      { active: true, value: 30_001, threshold: 30_000, summary: 'no data: no observation for 30 s (expected every 5 s)' },
    ],
    ['no data is judged on probes, not imported rows', [ok(-120), imported(0)], {}, { active: true, value: 120_000 }],
    [
      'no data after failures says so',
      [fail(-130), fail(-125), fail(-120)],
      {},
      { active: true, value: 120_000, summary: 'no data: no observation for 2 m (expected every 5 s); the last 3 probes failed: timeout 3' },
    ],
    ['never less than three intervals: 60 s probes, 100 s quiet', [ok(-100)], { target: { ...target, intervalMs: 60_000 } }, { active: false, value: 0 }],
    ['three 60 s intervals and a bit', [ok(-180.001)], { target: { ...target, intervalMs: 60_000 } }, { active: true, threshold: 180_000 }],
    ['noDataMs override above the floor', [ok(-90)], { rules: effectiveRules({ outage: { noDataMs: 120_000 } }) }, { active: false }],
    ['no data after the end is not an outage', [fail(-600, 'ended', 'ended')], {}, { active: false, value: null }],
  ];
  for (const [name, observations, over, expected] of cases) {
    test(name, () => {
      const c = run(observations, over);
      assert.equal(c.rule, 'outage');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${name}: ${k} (${c.summary})`);
    });
  }

  test('details say which test matched', () => {
    assert.deepEqual(run([ok(-15), fail(-10), fail(-5), fail(0)]).details, {
      mode: 'failures',
      lastObservationAt: '2024-08-13T02:00:00Z',
      consecutiveFailures: 3,
      failingSince: '2024-08-13T01:59:50Z',
    });
    assert.deepEqual(run([ok(-60)]).details, { mode: 'no_data', lastObservationAt: '2024-08-13T01:59:00Z', consecutiveFailures: 0, noDataMs: 30_000 });
  });
});
