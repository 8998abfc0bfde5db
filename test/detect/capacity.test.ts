import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capacity } from '../../src/detect/capacity.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { Observation, Target } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 6, 0, 0);
const at = (s: number) => T + s * 1000;
const target: Target = { id: 't', name: 't', source: { kind: 'x-space' }, intervalMs: 5000 };
const run = (observations: Observation[], over: Partial<DetectInput> = {}): Condition => capacity({ target, observations, events: [], rules: DEFAULT_RULES, now: at(0), ...over });

/**
 * Probes every `step` s from `from` s to 0: listeners from `count(i)`, the join of probe i failing
 * when `fails(i)`. `state` for every probe.
 */
function series(from: number, step: number, count: (i: number) => number | undefined, fails: (i: number) => boolean, state: Observation['state'] = 'live'): Observation[] {
  const out: Observation[] = [];
  for (let i = 0, s = from; s <= 0; i++, s += step) {
    const listeners = count(i);
    out.push({ at: at(s), state, join: fails(i) ? { ok: false, ms: 5000, error: 'http_5xx' } : { ok: true, ms: 80 }, ...(listeners === undefined ? {} : { listeners }) });
  }
  return out;
}
/** Observations reach detectors oldest first (DetectInput). */
const sorted = (...parts: Observation[][]): Observation[] => parts.flat().sort((a, b) => a.at - b.at);
const odd = (i: number) => i % 2 === 1;
const firstN = (n: number) => (i: number) => i < n;
const never = () => false;
const wobble = (hi: number, lo: number) => (i: number) => (i % 2 ? lo : hi);

describe('capacity ceiling', () => {
  const cases: [string, Observation[], Partial<DetectInput>, Partial<Condition>][] = [
    [
      'flat while half the joins fail',
      series(-300, 10, wobble(41_000, 40_590), odd),
      {},
      { active: true, value: 41_000, threshold: 0.2, summary: 'capacity ceiling: listeners flat at 41,000 (within 1 % over 5 m) while 48.4 % of joins fail (15/31)' },
    ],
    ['spread exactly flatPercent: flat', series(-300, 10, wobble(1000, 980), odd), {}, { active: true, value: 1000 }],
    [
      'spread just over flatPercent: not flat',
      series(-300, 10, wobble(1000, 979), odd),
      {},
      { active: false, value: 1000, summary: 'no ceiling: listeners moved 2.1 % over 5 m (979–1,000); 48.4 % of joins fail (15/31)' },
    ],
    ['failures exactly at failureRate', series(-290, 10, () => 5000, firstN(6)), {}, { active: true }],
    ['failures just under failureRate', series(-290, 10, () => 5000, firstN(5)), {}, { active: false, summary: 'no ceiling: listeners flat at 5,000 (within 0 % over 5 m); 16.7 % of joins fail (5/30)' }],
    ['flat and healthy is just a steady audience', series(-300, 10, () => 5000, never), {}, { active: false }],
    ['growing while joins fail: not a ceiling', series(-300, 10, (i) => 1000 + i * 100, odd), {}, { active: false }],
    ['an empty room is not a ceiling', series(-300, 10, () => 0, odd), {}, { active: false, value: 0 }],
    [
      'min-attempts guard: counts imported, too few joins',
      sorted(
        series(-300, 10, () => 5000, never).map(({ join: _join, ...rest }): Observation => ({ ...rest, source: 'screenshot' })),
        series(-85, 10, () => undefined, () => true),
      ),
      {},
      { active: false, summary: 'no ceiling: listeners flat at 5,000 (within 0 % over 5 m); too few join attempts to judge (9/10)' },
    ],
    ['minAttempts override', series(-300, 30, () => 5000, () => true), { rules: effectiveRules({ capacity: { minAttempts: 5 } }) }, { active: true }],
    ['too short a stretch of counts', series(-100, 10, () => 5000, odd), {}, { active: false, value: null, summary: 'too few listener counts over 5 m to see a plateau (11)' }],
    ['exactly half the window of counts is enough', series(-150, 10, () => 5000, odd), {}, { active: true }],
    ['two counts are not a plateau', sorted(series(-300, 300, () => 5000, odd), series(-290, 10, () => undefined, odd).slice(0, -1)), {}, { active: false, value: null }],
    ['joins while the platform says scheduled do not count', series(-300, 10, () => 5000, odd, 'scheduled'), {}, { active: false, summary: 'no ceiling: listeners flat at 5,000 (within 0 % over 5 m); too few join attempts to judge (0/10)' }],
    [
      'a slowly polled target: the window stretches to hold minAttempts',
      series(-600, 60, () => 5000, odd),
      { target: { ...target, intervalMs: 60_000 } },
      { active: true, summary: 'capacity ceiling: listeners flat at 5,000 (within 0 % over 10 m) while 45.5 % of joins fail (5/11)' },
    ],
    ['an ended broadcast', [...series(-300, 10, () => 5000, odd).slice(0, -1), { at: at(0), state: 'ended', join: { ok: false, ms: 10, error: 'ended' } }], {}, { active: false, value: null, summary: 'broadcast ended: capacity is not judged' }],
  ];
  for (const [name, observations, over, expected] of cases) {
    test(name, () => {
      const c = run(observations, over);
      assert.equal(c.rule, 'capacity');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${name}: ${k} (${c.summary})`);
    });
  }

  test('details carry the plateau and the joins', () => {
    assert.deepEqual(run(series(-300, 10, wobble(41_000, 40_590), odd)).details, {
      plateau: 41_000,
      min: 40_590,
      spreadPercent: 1,
      attempts: 31,
      failed: 15,
      failedShare: 0.4839,
      codes: 'http_5xx 15',
      windowMs: 300_000,
    });
  });
});
