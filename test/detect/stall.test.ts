import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RULES } from '../../src/detect/rules.js';
import { stall } from '../../src/detect/stall.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { JoinErrorCode, Observation, Target } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 4, 0, 0);
const at = (s: number) => T + s * 1000;
const ok = (s: number): Observation => ({ at: at(s), state: 'live', join: { ok: true, ms: 90 } });
const fail = (s: number, error: JoinErrorCode, state: Observation['state'] = 'live'): Observation => ({ at: at(s), state, join: { ok: false, ms: 300, error } });
const stalled = (s: number) => fail(s, 'stalled');
const imported = (s: number): Observation => ({ at: at(s), state: 'live', listeners: 100, source: 'screenshot' });
const target: Target = { id: 't', name: 't', source: { kind: 'hls' }, intervalMs: 5000 };
const run = (observations: Observation[], over: Partial<DetectInput> = {}): Condition => stall({ target, observations, events: [], rules: DEFAULT_RULES, now: at(0), ...over });

describe('stall', () => {
  const cases: [string, Observation[], Partial<DetectInput>, Partial<Condition>][] = [
    ['no probes', [], {}, { active: false, value: null, summary: 'no probe recorded yet' }],
    ['only imported rows', [imported(-5), imported(0)], {}, { active: false, value: null }],
    ['advancing', [ok(-5), ok(0)], {}, { active: false, value: 0, summary: 'stream advancing' }],
    ['the first stalled probe: active from that instant', [ok(-5), stalled(0)], {}, { active: true, value: 0, threshold: 0 }],
    ['value runs from the first of the stalled run', [ok(-20), stalled(-15), stalled(-10), stalled(-5), stalled(0)], {}, { active: true, value: 15_000, summary: 'stream stalled for 15 s (no new audio since 2024-08-13T03:59:45Z)' }],
    ['now later than the last probe', [ok(-20), stalled(-15), stalled(-10)], { now: at(5) }, { active: true, value: 20_000 }],
    ['an earlier stall that recovered does not count', [stalled(-20), ok(-15), stalled(-10), stalled(0)], {}, { active: true, value: 10_000 }],
    ['recovered', [stalled(-10), stalled(-5), ok(0)], {}, { active: false, value: 0, summary: 'stream advancing' }],
    ['a different failure is not a stall', [stalled(-10), fail(0, 'timeout', 'unknown')], {}, { active: false, value: 0, summary: 'not stalled (last probe: timeout)' }],
    ['imported rows do not interrupt a stall', [stalled(-10), imported(-7), stalled(-5), imported(0)], {}, { active: true, value: 10_000 }],
    ['an ended stream (EXT-X-ENDLIST) is not stalled', [stalled(-10), fail(0, 'ended', 'ended')], {}, { active: false, value: null, summary: 'broadcast ended: stalls are not judged' }],
    ['ended by an event', [stalled(-10), stalled(0)], { events: [{ at: at(0), type: 'state-change', data: { from: 'live', to: 'ended' } }] }, { active: false, value: null }],
  ];
  for (const [name, observations, over, expected] of cases) {
    test(name, () => {
      const c = run(observations, over);
      assert.equal(c.rule, 'stall');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${name}: ${k} (${c.summary})`);
    });
  }

  test('details carry when the stall began', () => {
    assert.deepEqual(run([ok(-10), stalled(-5), stalled(0)]).details, { stalledSince: '2024-08-13T03:59:55Z' });
  });
});
