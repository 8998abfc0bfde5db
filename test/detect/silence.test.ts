import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RULES } from '../../src/detect/rules.js';
import { silence } from '../../src/detect/silence.js';
import type { Condition, DetectInput } from '../../src/detect/types.js';
import type { Observation, Target, TargetEvent } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 5, 0, 0);
const at = (s: number) => T + s * 1000;
const probe = (s: number, extra?: Observation['extra'], state: Observation['state'] = 'live'): Observation => ({ at: at(s), state, join: { ok: state !== 'ended', ms: 90, ...(state === 'ended' ? { error: 'ended' as const } : {}) }, ...(extra ? { extra } : {}) });
const silent = (s: number) => probe(s, { levelDb: -91.2, silent: true });
const audible = (s: number) => probe(s, { levelDb: -18.4, silent: false });
const failedLevel = (s: number) => probe(s, { level: 'failed' });
const imported = (s: number): Observation => ({ at: at(s), state: 'live', listeners: 100, source: 'screenshot' });
const ev = (s: number, type: 'silence-start' | 'silence-end'): TargetEvent => ({ at: at(s), type, data: { levelDb: -91 } });
const target: Target = { id: 't', name: 't', source: { kind: 'icecast' }, intervalMs: 5000 };
const run = (observations: Observation[], over: Partial<DetectInput> = {}): Condition => silence({ target, observations, events: [], rules: DEFAULT_RULES, now: at(0), ...over });

describe('silence', () => {
  const cases: [string, Observation[], TargetEvent[], Partial<DetectInput>, Partial<Condition>][] = [
    ['no measurements', [probe(-5), probe(0)], [], {}, { active: false, value: null, summary: 'no audio level measured' }],
    ['audio present', [probe(-65), audible(-60), probe(0)], [], {}, { active: false, value: 0, summary: 'audio present (-18.4 dBFS)' }],
    ['the newest measurement is silent: active from it', [audible(-120), silent(-60), probe(0)], [], {}, { active: true, value: 60_000, threshold: 0, summary: 'dead air for 1 m (-91.2 dBFS)' }],
    ['a run of silent measurements: from the first', [audible(-180), silent(-120), silent(-60), silent(0)], [], {}, { active: true, value: 120_000 }],
    ['silent exactly now: active, 0 ms', [audible(-60), silent(0)], [], {}, { active: true, value: 0 }],
    ['back to audio', [silent(-120), silent(-60), audible(0)], [], {}, { active: false, value: 0 }],
    ['failed measurements say nothing', [silent(-60), failedLevel(-30), failedLevel(0)], [], {}, { active: true, value: 60_000 }],
    ['imported rows say nothing', [audible(-60), imported(0)], [], {}, { active: false, value: 0 }],
    ['an open silence-start older than the window', [probe(-10), probe(0)], [ev(-600, 'silence-start')], {}, { active: true, value: 600_000, summary: 'dead air for 10 m' }],
    ['the silence-start is the beginning when measurements left the window', [silent(-60), silent(0)], [ev(-600, 'silence-start')], {}, { active: true, value: 600_000 }],
    ['a closed silence', [probe(0)], [ev(-600, 'silence-start'), ev(-300, 'silence-end')], {}, { active: false, value: 0, summary: 'audio present' }],
    ['a newer audible measurement wins over an open silence-start', [audible(0)], [ev(-600, 'silence-start')], {}, { active: false, value: 0 }],
    ['a newer silence-start wins over an older audible measurement', [audible(-120), probe(0)], [ev(-60, 'silence-start')], {}, { active: true, value: 60_000 }],
    ['events after now are not seen', [audible(-60)], [ev(30, 'silence-start')], {}, { active: false }],
    ['an ended broadcast is not dead air', [silent(-60), probe(0, undefined, 'ended')], [], {}, { active: false, value: null, summary: 'broadcast ended: silence is not judged' }],
  ];
  for (const [name, observations, events, over, expected] of cases) {
    test(name, () => {
      const c = run(observations, { events, ...over });
      assert.equal(c.rule, 'silence');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof Condition], v, `${name}: ${k} (${c.summary})`);
    });
  }

  test('details carry when it began and the level', () => {
    assert.deepEqual(run([silent(-60), silent(0)]).details, { silentSince: '2024-08-13T04:59:00Z', levelDb: -91.2 });
  });
});
