import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { drop } from '../../src/detect/drop.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { Observation, Target } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 1, 0, 0);
const at = (s: number) => T + s * 1000;
/** A polled observation with a count (or without, for a failed read). */
const o = (s: number, listeners?: number, state: Observation['state'] = 'live'): Observation => ({
  at: at(s),
  state,
  join: { ok: listeners !== undefined, ms: 80, ...(listeners === undefined ? { error: 'timeout' as const } : {}) },
  ...(listeners === undefined ? {} : { listeners }),
});
const imported = (s: number, listeners: number): Observation => ({ at: at(s), state: 'live', listeners, source: 'screenshot' });
const target: Target = { id: 't', name: 't', source: { kind: 'icecast' }, intervalMs: 5000 };
const run = (observations: Observation[], over: Partial<DetectInput> = {}): Condition => drop({ target, observations, events: [], rules: DEFAULT_RULES, now: at(0), ...over });

describe('drop', () => {
  const cases: [string, Observation[], Partial<DetectInput>, Partial<Condition>][] = [
    ['exactly 30 % from the window max: active', [o(-240, 1000), o(0, 700)], {}, { active: true, value: 30, summary: 'listeners fell 30 % (1,000 → 700, −300) from the 5 m peak' }],
    ['29.9 %: inactive', [o(-240, 1000), o(0, 701)], {}, { active: false, value: 29.9, summary: 'listeners 701, 29.9 % below the 5 m peak of 1,000' }],
    ['from the window maximum, not the first sample', [o(-240, 500), o(-120, 1000), o(0, 700)], {}, { active: true, value: 30 }],
    ['a slow slide adds up', [o(-240, 1000), o(-180, 920), o(-120, 850), o(-60, 780), o(0, 690)], {}, { active: true, value: 31 }],
    ['a peak exactly windowMs ago is in the window', [o(-300, 1000), o(0, 700)], {}, { active: true }],
    ['a peak older than the window is not', [o(-300.001, 1000), o(-200, 800), o(0, 600)], {}, { active: false, value: 25 }],
    ['recovered: inactive again', [o(-240, 1000), o(-60, 500), o(0, 950)], {}, { active: false, value: 5 }],
    ['reads without a count are skipped, not zero', [o(-240, 1000), o(-60), o(0)], {}, { active: false, value: 0 }],
    ['the newest count is used when later reads failed', [o(-240, 1000), o(-60, 600), o(0)], {}, { active: true, value: 40 }],
    ['no counts at all', [o(-60), o(0)], {}, { active: false, value: null, summary: 'no listener counts in the last 5 m' }],
    ['no observations', [], {}, { active: false, value: null }],
    ['one count: nothing to fall from', [o(0, 700)], {}, { active: false, value: 0, summary: 'listeners 700: nothing to fall from in the last 5 m' }],
    ['an empty room cannot drop', [o(-60, 0), o(0, 0)], {}, { active: false, value: 0 }],
    ['imported rows without joins count', [imported(-240, 1000), imported(0, 600)], {}, { active: true, value: 40 }],
    ['a future import is not evidence about now', [o(-240, 1000), o(0, 990), imported(30, 10)], {}, { active: false, value: 1 }],
    ['absolute off by default: 20,000 lost of 1,000,000 is 2 %', [o(-60, 1_000_000), o(0, 980_000)], {}, { active: false, value: 2 }],
    ['absolute: exactly N lost is active', [o(-60, 10_000), o(0, 9_800)], { rules: effectiveRules({ drop: { absolute: 200 } }) }, { active: true, value: 2 }],
    ['absolute: N − 1 lost is not', [o(-60, 10_000), o(0, 9_801)], { rules: effectiveRules({ drop: { absolute: 200 } }) }, { active: false }],
    ['percent override', [o(-60, 1000), o(0, 900)], { rules: effectiveRules({ drop: { percent: 10, windowMs: 60_000 } }) }, { active: true, threshold: 10, summary: 'listeners fell 10 % (1,000 → 900, −100) from the 1 m peak' }],
    ['an ended broadcast is not a drop', [o(-60, 1000), o(0, 0, 'ended')], {}, { active: false, value: null, summary: 'broadcast ended: drops are not judged' }],
    ['ended by a source-ended event', [o(-60, 1000), o(0, 10)], { events: [{ at: at(0), type: 'source-ended' }] }, { active: false, value: null }],
    ['an operator marked the programme over', [o(-60, 1000), o(0, 10)], { events: [{ at: at(-30), type: 'mark', data: { kind: 'program-end' } }] }, { active: false, value: null }],
    ['live again after an end: judged again', [o(-120, 1000, 'ended'), o(-60, 1000), o(0, 500)], {}, { active: true, value: 50 }],
  ];
  for (const [name, observations, over, expected] of cases) {
    test(name, () => {
      const c = run(observations, over);
      assert.equal(c.rule, 'drop');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${name}: ${k} (${c.summary})`);
    });
  }

  test('details name the peak and which test matched', () => {
    const c = run([o(-240, 1000), o(0, 700)]);
    assert.deepEqual(c.details, { peak: 1000, peakAt: '2024-08-13T00:56:00Z', current: 700, fell: 300, windowMs: 300_000, by: 'percent' });
    const abs = run([o(-60, 10_000), o(0, 9_800)], { rules: effectiveRules({ drop: { absolute: 200 } }) });
    assert.equal(abs.details?.by, 'absolute');
    assert.equal(abs.details?.absoluteThreshold, 200);
  });
});
