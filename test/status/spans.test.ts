import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spans } from '../../src/status/spans.js';
import type { TargetEvent } from '../../src/types.js';

const e = (at: number, type: string, data: Record<string, unknown> = {}): TargetEvent => ({ at, type, data });

test('alert transitions span until the same rule\'s next transition', () => {
  const events = [
    e(1, 'alert-pending', { rule: 'join_failures' }),
    e(2, 'alert-pending', { rule: 'drop' }),
    e(3, 'alert-firing', { rule: 'join_failures' }),
    e(4, 'alert-resolved', { rule: 'drop' }),
    e(5, 'claim', { metric: 'listeners' }),
    e(9, 'alert-resolved', { rule: 'join_failures' }),
    e(10, 'alert-firing', { rule: 'outage' }),
  ];
  assert.deepEqual(spans(events), [{ until: 3 }, { until: 4 }, { until: 9 }, undefined, undefined, undefined, { ongoing: true }]);
});

test('silence and programme spans; closers open nothing; a repeated opener closes the previous', () => {
  const events = [
    e(1, 'mark', { kind: 'program-start' }),
    e(2, 'silence-start'),
    e(3, 'mark', { kind: 'note' }),
    e(4, 'silence-end', { durationMs: 2 }),
    e(5, 'silence-start'),
    e(6, 'silence-start'),
    e(8, 'mark', { kind: 'program-end' }),
    e(9, 'silence-end'),
  ];
  assert.deepEqual(spans(events), [{ until: 8 }, { until: 4 }, undefined, undefined, { until: 6 }, { until: 9 }, undefined, undefined]);
});
