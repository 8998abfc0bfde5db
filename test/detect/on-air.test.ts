import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onAirAt, programStartMark, scheduledStart } from '../../src/detect/on-air.js';
import type { Observation, Target, TargetEvent } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 0, 0, 0);
const o = (s: number, state: Observation['state'], ok?: boolean): Observation => ({ at: T + s * 1000, state, ...(ok === undefined ? {} : { join: { ok, ms: 100 } }) });
const target: Target = { id: 't', name: 't', source: { kind: 'x-space' }, intervalMs: 5000, schedule: { start: new Date(T).toISOString() } };

describe('on air', () => {
  const cases: [string, Observation[], TargetEvent[], number | undefined][] = [
    ['never live', [o(0, 'scheduled', true), o(5, 'scheduled', true)], [], undefined],
    ['live with good joins', [o(0, 'scheduled', true), o(5, 'live', true)], [], T + 5000],
    ['live but most joins fail in the last minute: not yet', [o(0, 'live', false), o(5, 'live', false), o(10, 'live', true)], [], undefined],
    ['live, failures age out of the minute', [o(0, 'live', false), o(5, 'live', false), o(10, 'live', true), o(70, 'live', true)], [], T + 70_000],
    ['exactly half succeed: on air', [o(0, 'live', false), o(5, 'live', true)], [], T + 5000],
    ['imported counts without joins', [o(0, 'live')], [], T],
    ['a program-start mark before the data says so', [o(0, 'scheduled', true), o(60, 'live', true)], [{ at: T + 30_000, type: 'mark', data: { kind: 'program-start' } }], T + 30_000],
    [
      'good answers while still scheduled are not joins: a storm at the start keeps it off air',
      [o(0, 'scheduled', true), o(5, 'scheduled', true), o(10, 'scheduled', true), o(15, 'unknown', false), o(20, 'unknown', false), o(25, 'live', true)],
      [],
      undefined,
    ],
    ['a recorded on-air moment stands in for observations that aged out', [o(600, 'unknown', false)], [{ at: T, type: 'on-air', data: {} }], T],
    ['a note mark does not count', [o(0, 'scheduled', true)], [{ at: T, type: 'mark', data: { kind: 'note' } }], undefined],
  ];
  for (const [name, obs, events, expected] of cases) {
    test(name, () => assert.equal(onAirAt(obs, events), expected));
  }

  test('since: the first on-air moment at or after it', () => {
    assert.equal(onAirAt([o(0, 'live', true), o(10, 'live', true)], [], T + 5000), T + 10_000);
  });

  test('scheduled start: the platform’s latest report wins over the target’s own', () => {
    assert.equal(scheduledStart(target, []), T);
    const events: TargetEvent[] = [
      { at: T - 100, type: 'source-schedule', data: { start: new Date(T + 60_000).toISOString() } },
      { at: T - 50, type: 'source-schedule', data: { start: new Date(T + 120_000).toISOString() } },
    ];
    assert.equal(scheduledStart(target, events), T + 120_000);
    assert.equal(scheduledStart({ ...target, schedule: undefined }, []), undefined);
  });

  test('programStartMark takes the earliest', () => {
    assert.equal(programStartMark([{ at: 5, type: 'mark', data: { kind: 'program-start' } }, { at: 3, type: 'mark', data: { kind: 'program-start' } }]), 3);
  });
});
