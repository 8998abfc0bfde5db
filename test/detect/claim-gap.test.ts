import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimGap } from '../../src/detect/claim-gap.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { Observation, Target, TargetEvent } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 0, 41, 0);
const at = (s: number) => T + s * 1000;
const count = (s: number, listeners: number): Observation => ({ at: at(s), state: 'live', listeners, join: { ok: true, ms: 100 } });
const claim = (s: number, value: number, metric = 'listeners', claimant = 'host'): TargetEvent => ({ at: at(s), type: 'claim', data: { metric, value, claimant } });
const target: Target = { id: 't', name: 't', source: { kind: 'x-space' }, intervalMs: 5000 };
const run = (nowS: number, observations: Observation[], events: TargetEvent[], over: Partial<DetectInput> = {}): Condition =>
  claimGap({ target, observations, events, rules: DEFAULT_RULES, now: at(nowS), ...over });

describe('claim_gap', () => {
  const cases: [string, number, Observation[], TargetEvent[], Partial<DetectInput>, Partial<Condition>][] = [
    ['no claims', 60, [count(0, 1000)], [], {}, { active: false, value: null, threshold: 2, summary: 'no listener claims' }],
    [
      'the example: 50.7× over',
      60,
      [count(0, 1_184_233)],
      [claim(0, 60_000_000)],
      {},
      { active: true, value: 60_000_000 / 1_184_233, summary: 'claimed 60,000,000 listeners at 00:41 UTC vs 1,184,233 measured (50.7×)' },
    ],
    ['ratio exactly at the threshold: active', 60, [count(0, 1000)], [claim(0, 2000)], {}, { active: true, value: 2 }],
    ['ratio just under the threshold: inactive', 60, [count(0, 1000)], [claim(0, 1999)], {}, { active: false, value: 1.999 }],
    ['an understated claim: inactive', 60, [count(0, 1000)], [claim(0, 100)], {}, { active: false, value: 0.1 }],
    ['threshold from the target\'s rules', 60, [count(0, 1000)], [claim(0, 2000)], { rules: effectiveRules({ claim_gap: { ratio: 3 } }) }, { active: false, value: 2, threshold: 3 }],
    [
      'the most recent claim by its instant decides',
      120,
      [count(0, 1000), count(60, 1000)],
      [claim(60, 1000), claim(0, 90_000)],
      {},
      { active: false, value: 1, summary: 'claimed 1,000 listeners at 00:42 UTC vs 1,000 measured (1×)' },
    ],
    ['a later claim about the same instant wins', 60, [count(0, 1000)], [claim(0, 1000), claim(0, 5000)], {}, { active: true, value: 5 }],
    ['views claims never count', 60, [count(0, 1000)], [claim(0, 60_000_000, 'views')], {}, { active: false, summary: 'no listener claims' }],
    ['capacity claims never count', 60, [count(0, 1000)], [claim(0, 60_000_000, 'capacity')], {}, { active: false, summary: 'no listener claims' }],
    ['a claim about the future is not judged yet', 60, [count(0, 1000)], [claim(600, 60_000_000)], {}, { active: false, summary: 'no listener claims' }],
    [
      'no measurement near the claim: inactive, says why',
      600,
      [count(500, 1000)],
      [claim(0, 60_000_000)],
      {},
      { active: false, value: null, summary: 'claimed 60,000,000 listeners at 00:41 UTC: no measurement within tolerance: no listener count within ±1 m of 2024-08-13T00:41:00Z' },
    ],
    ['an audience claimed over an empty room: active without a ratio', 60, [count(0, 0)], [claim(0, 10)], {}, { active: true, value: null, summary: 'claimed 10 listeners at 00:41 UTC vs 0 measured' }],
    ['zero claimed over an empty room: inactive', 60, [count(0, 0)], [claim(0, 0)], {}, { active: false, value: null }],
    ['seconds shown when the claim has them', 60, [count(30, 1000)], [claim(30, 3000)], {}, { active: true, summary: 'claimed 3,000 listeners at 00:41:30 UTC vs 1,000 measured (3×)' }],
  ];
  for (const [name, nowS, observations, events, over, expected] of cases) {
    test(name, () => {
      const c = run(nowS, observations, events, over);
      assert.equal(c.rule, 'claim_gap');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${k}: ${JSON.stringify(c)}`);
    });
  }

  test('details name the claim and the measurement', () => {
    const c = run(60, [count(-3, 1_184_233)], [claim(0, 60_000_000, 'listeners', 'Owner')]);
    assert.deepEqual(c.details, {
      claimant: 'Owner',
      claimAt: '2024-08-13T00:41:00Z',
      claimed: 60_000_000,
      label: 'overstated',
      measured: 1_184_233,
      measuredAt: '2024-08-13T00:40:57Z',
      ratio: 50.6657,
    });
  });
});
