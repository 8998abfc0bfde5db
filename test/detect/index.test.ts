import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DETECTORS, runDetectors } from '../../src/detect/index.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import { RULES, type DetectInput } from '../../src/detect/types.js';
import type { Observation, Target } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 7, 0, 0);
const target: Target = { id: 't', name: 't', source: { kind: 'x-space' }, intervalMs: 5000, schedule: { start: new Date(T - 600_000).toISOString() } };
const observations: Observation[] = Array.from({ length: 60 }, (_, i) => ({ at: T - (59 - i) * 5000, state: 'live', listeners: 1000, join: { ok: true, ms: 80 } }));
const input = (over: Partial<DetectInput> = {}): DetectInput => ({ target, observations, events: [], rules: DEFAULT_RULES, now: T, ...over });

describe('detector registry', () => {
  test('one detector per rule, frozen', () => {
    assert.deepEqual(Object.keys(DETECTORS).sort(), [...RULES].sort());
    assert.ok(Object.isFrozen(DETECTORS));
  });

  test('each detector answers for its own rule', () => {
    for (const rule of RULES) assert.equal(DETECTORS[rule](input()).rule, rule);
  });

  test('runDetectors: every enabled rule, in RULES order', () => {
    assert.deepEqual(
      runDetectors(input()).map((c) => c.rule),
      [...RULES],
    );
  });

  test('runDetectors skips disabled rules', () => {
    const rules = effectiveRules({ silence: { enabled: false }, claim_gap: { enabled: false } });
    assert.deepEqual(
      runDetectors(input({ rules })).map((c) => c.rule),
      RULES.filter((r) => r !== 'silence' && r !== 'claim_gap'),
    );
  });

  test('a healthy broadcast that went on air raises nothing', () => {
    const active = runDetectors(input()).filter((c) => c.active);
    assert.deepEqual(active, []);
  });

  test('a detector that throws is not swallowed', () => {
    // A malformed input (no target) makes the delay detector throw; the engine logs it as a bug.
    assert.throws(() => runDetectors(input({ target: undefined as unknown as Target })), TypeError);
  });
});
