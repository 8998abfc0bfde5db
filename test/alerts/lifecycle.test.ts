import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { step, withdraw, type LifecycleSettings } from '../../src/alerts/lifecycle.js';
import type { Alert } from '../../src/alerts/types.js';
import type { Condition } from '../../src/detect/types.js';

const cond = (active: boolean, value = active ? 0.5 : 0.1): Condition => ({ rule: 'join_failures', active, value, threshold: 0.2, summary: `failed ${value}` });
const S: LifecycleSettings = { forMs: 10_000, clearForMs: 20_000 };

/** Runs a sequence of (time, active) and returns the transitions as "t:from→to". */
function run(seq: [number, boolean][], s = S): { log: string[]; last: Alert | undefined } {
  let alert: Alert | undefined;
  const log: string[] = [];
  for (const [t, active] of seq) {
    const r = step(alert, cond(active), 'tgt', t, s);
    alert = r.alert;
    if (r.transition) log.push(`${t}:${r.transition.from}→${r.transition.to}`);
  }
  return { log, last: alert };
}

describe('alert lifecycle', () => {
  const cases: [string, [number, boolean][], string[], LifecycleSettings?][] = [
    ['inactive stays quiet', [[0, false], [5, false]], []],
    ['pending, then firing after for', [[0, true], [5_000, true], [10_000, true]], ['0:inactive→pending', '10000:pending→firing']],
    ['pending that clears before for resolves without firing', [[0, true], [5_000, false]], ['0:inactive→pending', '5000:pending→resolved']],
    ['for: 0 fires at once', [[0, true]], ['0:inactive→firing'], { forMs: 0, clearForMs: 0 }],
    [
      'firing resolves only after clearFor of inactivity',
      [[0, true], [10_000, true], [15_000, false], [30_000, false], [35_000, false]],
      ['0:inactive→pending', '10000:pending→firing', '35000:firing→resolved'],
    ],
    [
      'hovering at the threshold does not flap',
      [[0, true], [10_000, true], [12_000, false], [14_000, true], [16_000, false], [18_000, true], [20_000, false], [39_000, false], [40_000, false]],
      ['0:inactive→pending', '10000:pending→firing', '40000:firing→resolved'],
    ],
    [
      'a new episode after resolving starts pending again',
      [[0, true], [10_000, true], [15_000, false], [35_000, false], [40_000, true], [50_000, true]],
      ['0:inactive→pending', '10000:pending→firing', '35000:firing→resolved', '40000:inactive→pending', '50000:pending→firing'],
    ],
  ];
  for (const [name, seq, expected, s] of cases) {
    test(name, () => assert.deepEqual(run(seq, s).log, expected));
  }

  test('deduplicated: one alert per (target, rule), carrying the latest condition and its times', () => {
    const { last } = run([[0, true], [10_000, true], [12_000, true]]);
    assert.equal(last?.state, 'firing');
    assert.equal(last?.activeAt, 0);
    assert.equal(last?.firedAt, 10_000);
    assert.equal(last?.condition.value, 0.5);
  });

  test('a resolved alert records when, and forgets the hysteresis clock', () => {
    const { last } = run([[0, true], [10_000, true], [15_000, false], [35_000, false]]);
    assert.equal(last?.state, 'resolved');
    assert.equal(last?.resolvedAt, 35_000);
    assert.equal(last?.inactiveSince, undefined);
  });
});

test('withdraw: an open alert resolves at once (a pending one without having fired); nothing else changes', () => {
  const firing = run([[0, true], [10_000, true]]).last!;
  const w = withdraw(firing, 12_000);
  assert.deepEqual([w.alert?.state, w.alert?.resolvedAt, w.alert?.firedAt, w.transition?.from, w.transition?.to], ['resolved', 12_000, 10_000, 'firing', 'resolved']);
  assert.equal(w.alert?.condition.active, false);
  assert.match(w.alert!.condition.summary, /^target deleted \(was: failed 0.5\)$/);

  const pending = run([[0, true]]).last!;
  const p = withdraw(pending, 1_000);
  assert.deepEqual([p.alert?.state, p.alert?.firedAt, p.transition?.from], ['resolved', undefined, 'pending']);

  const resolved = w.alert!;
  assert.deepEqual(withdraw(resolved, 20_000), { alert: resolved });
  assert.deepEqual(withdraw(undefined, 20_000), { alert: undefined });
});
