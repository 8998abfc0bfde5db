import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { joinFailures } from '../../src/detect/join-failures.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { JoinErrorCode, Observation, Target } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 3, 0, 0);
const at = (s: number) => T + s * 1000;
const ok = (s: number, state: Observation['state'] = 'live'): Observation => ({ at: at(s), state, join: { ok: true, ms: 90 } });
const fail = (s: number, error: JoinErrorCode = 'timeout', state: Observation['state'] = 'live'): Observation => ({ at: at(s), state, join: { ok: false, ms: 5000, error } });
const imported = (s: number): Observation => ({ at: at(s), state: 'live', listeners: 100, source: 'screenshot' });
const target: Target = { id: 't', name: 't', source: { kind: 'hls' }, intervalMs: 5000 };
const run = (observations: Observation[], over: Partial<DetectInput> = {}): Condition => joinFailures({ target, observations, events: [], rules: DEFAULT_RULES, now: at(0), ...over });
/** `n` probes ending at 0, 5 s apart, the first `failed` of them failing. */
const probes = (n: number, failed: number, error: JoinErrorCode = 'timeout'): Observation[] =>
  Array.from({ length: n }, (_, i) => (i < failed ? fail(-(n - 1 - i) * 5, error) : ok(-(n - 1 - i) * 5)));

describe('join failures', () => {
  const cases: [string, Observation[], Partial<DetectInput>, Partial<Condition>][] = [
    ['exactly the rate with exactly minAttempts: active', probes(5, 1), {}, { active: true, value: 0.2, threshold: 0.2, summary: 'join failures 20 % over 2 m (1/5 attempts; timeout 1)' }],
    ['just under the rate', probes(6, 1), {}, { active: false, value: 0.1667, summary: 'join failures 16.7 % over 2 m (1/6 attempts; timeout 1)' }],
    ['healthy', probes(24, 0), {}, { active: false, value: 0, summary: 'join failures 0 % over 2 m (0/24 attempts)' }],
    ['a storm', probes(25, 20, 'http_5xx'), {}, { active: true, value: 0.8, summary: 'join failures 80 % over 2 m (20/25 attempts; http_5xx 20)' }],
    ['min-attempts guard: 4 of 4 failing is not judged', probes(4, 4), {}, { active: false, value: 1, summary: 'join failures 4/4 attempts over 2 m: too few to judge (5 needed)' }],
    ['min-attempts override', probes(4, 4), { rules: effectiveRules({ join_failures: { minAttempts: 4 } }) }, { active: true, value: 1 }],
    ['rate override', probes(10, 1), { rules: effectiveRules({ join_failures: { rate: 0.1 } }) }, { active: true, threshold: 0.1 }],
    ['no attempts', [], {}, { active: false, value: null, summary: 'join failures 0/0 attempts over 2 m: too few to judge (5 needed)' }],
    ['an attempt exactly windowMs ago counts', [fail(-120), ok(-90), ok(-60), ok(-30), ok(0)], {}, { active: true, value: 0.2 }],
    ['one just older does not', [fail(-120.001), ok(-90), ok(-60), ok(-30), ok(0)], {}, { active: false, value: 0 }],
    ['imported rows without joins are not attempts', [...probes(4, 4), imported(-1), imported(-2)], {}, { active: false, value: 1 }],
    ['an ended answer before a restart is not a failed join', [fail(-20, 'ended', 'ended'), ok(-15), ok(-10), ok(-5), ok(0)], {}, { active: false, value: 0, summary: 'join failures 0/4 attempts over 2 m: too few to judge (5 needed)' }],
    ['an ended broadcast is not judged', [...probes(5, 3).slice(0, 4), fail(0, 'ended', 'ended')], {}, { active: false, value: null, summary: 'broadcast ended: join failures are not judged' }],
    ['nothing to join while the platform says scheduled', Array.from({ length: 10 }, (_, i) => fail(-i * 5, 'not_found', 'scheduled')), {}, { active: false, value: null }],
    [
      'a slowly polled target: the window stretches to hold minAttempts',
      [fail(-240), fail(-180), ok(-120), ok(-60), ok(0)],
      { target: { ...target, intervalMs: 60_000 } },
      { active: true, value: 0.4, summary: 'join failures 40 % over 5 m (2/5 attempts; timeout 2)' },
    ],
  ];
  for (const [name, observations, over, expected] of cases) {
    test(name, () => {
      const c = run(observations, over);
      assert.equal(c.rule, 'join_failures');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${name}: ${k} (${c.summary})`);
    });
  }

  test('details carry the counts and codes', () => {
    const mixed = [fail(-20, 'timeout'), fail(-15, 'http_5xx'), fail(-10, 'timeout'), ok(-5), ok(0)];
    assert.deepEqual(run(mixed).details, { attempts: 5, failed: 3, windowMs: 120_000, minAttempts: 5, codes: 'timeout 2, http_5xx 1' });
  });
});
