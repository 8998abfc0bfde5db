import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_RULES, RulesConfig, effectiveRules, lookbackMs, noDataThresholdMs } from '../../src/detect/rules.js';
import { RULES, type RuleSettings } from '../../src/detect/types.js';
import { checker } from '../../src/validation.js';

const rulesChecker = checker(RulesConfig);

/** The example in the issue-4 report (README "Detection rules"); kept here so it stays valid. */
const EXAMPLE = `
targets:
  - id: big-space
    source: { kind: x-space, spaceId: 1YqKDqWqdPLsV }
    schedule: { start: 2024-08-13T00:00:00Z }
    rules:
      delay: { graceMs: 300000 }           # this host always opens five minutes late
      drop: { percent: 20, absolute: 50000, windowMs: 120000 }
      join_failures: { rate: 0.1, minAttempts: 10 }
      stall: { forMs: 60000 }              # 10 s segments: give the player a minute
      silence: { enabled: false }          # no audio level check on this source
`;

describe('rules: defaults', () => {
  test('every rule has settings, enabled, with a for', () => {
    for (const rule of RULES) {
      assert.equal(DEFAULT_RULES[rule].enabled, true, rule);
      assert.equal(typeof DEFAULT_RULES[rule].forMs, 'number', rule);
    }
  });

  test('the defaults the README states', () => {
    assert.deepEqual(DEFAULT_RULES, {
      delay: { enabled: true, graceMs: 120_000, forMs: 0 },
      drop: { enabled: true, percent: 30, absolute: 0, windowMs: 300_000, forMs: 60_000 },
      outage: { enabled: true, consecutiveFailures: 3, noDataMs: 30_000, forMs: 0 },
      join_failures: { enabled: true, rate: 0.2, windowMs: 120_000, minAttempts: 5, forMs: 30_000 },
      stall: { enabled: true, forMs: 30_000 },
      silence: { enabled: true, forMs: 30_000 },
      capacity: { enabled: true, windowMs: 300_000, flatPercent: 2, failureRate: 0.2, minAttempts: 10, forMs: 0 },
      claim_gap: { enabled: true, ratio: 2, forMs: 0 },
    } satisfies RuleSettings);
  });

  test('frozen all the way down', () => {
    assert.ok(Object.isFrozen(DEFAULT_RULES));
    for (const rule of RULES) assert.ok(Object.isFrozen(DEFAULT_RULES[rule]), rule);
  });
});

describe('rules: effectiveRules', () => {
  test('no overrides: the defaults', () => {
    assert.equal(effectiveRules(), DEFAULT_RULES);
    assert.deepEqual(effectiveRules({}), DEFAULT_RULES);
  });

  test('a partial override changes only what it names', () => {
    const r = effectiveRules({ drop: { percent: 50 }, silence: { enabled: false } });
    assert.deepEqual(r.drop, { ...DEFAULT_RULES.drop, percent: 50 });
    assert.equal(r.silence.enabled, false);
    assert.equal(r.silence.forMs, DEFAULT_RULES.silence.forMs);
    assert.deepEqual(r.join_failures, DEFAULT_RULES.join_failures);
    assert.equal(DEFAULT_RULES.drop.percent, 30, 'the defaults are not touched');
  });

  test('an explicit undefined keeps the default', () => {
    assert.equal(effectiveRules({ delay: { graceMs: undefined } }).delay.graceMs, 120_000);
  });

  test('the result is frozen', () => {
    const r = effectiveRules({ outage: { consecutiveFailures: 5 } });
    assert.ok(Object.isFrozen(r) && Object.isFrozen(r.outage));
    assert.throws(() => {
      (r.outage as { consecutiveFailures: number }).consecutiveFailures = 1;
    }, TypeError);
  });

  test('the documented YAML example validates and merges', () => {
    const overrides = rulesChecker.parse((parse(EXAMPLE) as { targets: { rules: unknown }[] }).targets[0]!.rules);
    const r = effectiveRules(overrides);
    assert.equal(r.delay.graceMs, 300_000);
    assert.deepEqual(r.drop, { enabled: true, percent: 20, absolute: 50_000, windowMs: 120_000, forMs: 60_000 });
    assert.equal(r.join_failures.rate, 0.1);
    assert.equal(r.join_failures.minAttempts, 10);
    assert.equal(r.stall.forMs, 60_000);
    assert.equal(r.silence.enabled, false);
  });
});

describe('rules: RulesConfig errors name the field and the unit', () => {
  const cases: [string, unknown, string][] = [
    ['percent too small', { drop: { percent: 0 } }, 'rules.drop.percent: must be a percentage between 1 and 100'],
    ['percent too large', { drop: { percent: 150 } }, 'rules.drop.percent: must be a percentage between 1 and 100'],
    ['a rate written as a percentage', { join_failures: { rate: 20 } }, 'rules.join_failures.rate: must be a fraction between 0.01 and 1 (0.2 = 20 %)'],
    ['capacity failureRate', { capacity: { failureRate: 0 } }, 'rules.capacity.failureRate: must be a fraction between 0.01 and 1 (0.2 = 20 %)'],
    ['flatPercent', { capacity: { flatPercent: 60 } }, 'rules.capacity.flatPercent: must be a percentage between 0 and 50'],
    ['a negative duration', { delay: { graceMs: -1 } }, 'rules.delay.graceMs: must be an integer number of milliseconds between 0 and 86400000'],
    ['a duration in seconds by mistake', { drop: { windowMs: 300 } }, 'rules.drop.windowMs: must be an integer number of milliseconds between 10000 and 86400000'],
    ['a fractional duration', { stall: { forMs: 1.5 } }, 'rules.stall.forMs: must be an integer number of milliseconds between 0 and 86400000'],
    ['noDataMs', { outage: { noDataMs: 10 } }, 'rules.outage.noDataMs: must be an integer number of milliseconds between 1000 and 86400000'],
    ['consecutiveFailures', { outage: { consecutiveFailures: 2.5 } }, 'rules.outage.consecutiveFailures: must be a whole number of probes between 1 and 1000'],
    ['minAttempts', { join_failures: { minAttempts: 0 } }, 'rules.join_failures.minAttempts: must be a whole number of join attempts between 1 and 100000'],
    ['absolute', { drop: { absolute: -5 } }, 'rules.drop.absolute: must be a whole number of listeners, 0 (off) or more'],
    ['ratio', { claim_gap: { ratio: 0.5 } }, 'rules.claim_gap.ratio: must be a ratio (claimed ÷ measured) of at least 1'],
    ['enabled as a string', { silence: { enabled: 'no' } }, 'rules.silence.enabled: must be true or false'],
    ['a misspelt field', { drop: { windw: 60_000 } }, 'rules.drop.windw: is not a known field'],
    ['an unknown rule', { latency: { enabled: false } }, 'rules.latency: is not a known field'],
    ['a field of another rule', { stall: { graceMs: 1000 } }, 'rules.stall.graceMs: is not a known field'],
  ];
  for (const [name, value, message] of cases) {
    test(name, () => assert.throws(() => rulesChecker.parse(value, 'rules'), { message }));
  }

  test('every field of every rule is accepted alone', () => {
    for (const rule of RULES) for (const [field, v] of Object.entries(DEFAULT_RULES[rule])) rulesChecker.parse({ [rule]: { [field]: v } });
  });
});

describe('rules: lookbackMs', () => {
  const off = (keep: (keyof RuleSettings)[], overrides: Parameters<typeof effectiveRules>[0] = {}): RuleSettings => {
    const all = Object.fromEntries(RULES.map((r) => [r, { ...(overrides[r] ?? {}), enabled: keep.includes(r) }]));
    return effectiveRules(all);
  };
  const cases: [string, RuleSettings, number, number][] = [
    ['defaults at 5 s: the 5-minute drop and capacity windows', DEFAULT_RULES, 5000, 300_000],
    ['defaults at 60 s: capacity stretches to 10 probes', DEFAULT_RULES, 60_000, 600_000],
    ['nothing enabled', off([]), 5000, 0],
    ['delay only: the on-air minute', off(['delay']), 5000, 60_000],
    ['join failures only, slow target: 5 attempts', off(['join_failures']), 60_000, 300_000],
    ['outage only: no-data threshold', off(['outage']), 5000, 30_000],
    ['outage only, slow target: three intervals or K + 1 probes', off(['outage']), 60_000, 240_000],
    ['silence only: the newest minute-by-minute level check', off(['silence']), 5000, 70_000],
    ['a wider drop window wins', off(['drop'], { drop: { windowMs: 900_000 } }), 5000, 900_000],
  ];
  for (const [name, rules, interval, expected] of cases) test(name, () => assert.equal(lookbackMs(rules, interval), expected));

  test('noDataThresholdMs never goes under three intervals', () => {
    assert.equal(noDataThresholdMs(30_000, 5000), 30_000);
    assert.equal(noDataThresholdMs(30_000, 20_000), 60_000);
  });
});
