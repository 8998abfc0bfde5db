import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downsample, downsampleMean, downsampleMinMax, downsampleSum, type Columns } from '../../src/storage/downsample.js';

function series(n: number, f: (i: number) => number | null, step = 1000, t0 = 1_704_110_400_000): Columns {
  return { t: Array.from({ length: n }, (_, i) => t0 + i * step), v: Array.from({ length: n }, (_, i) => f(i)) };
}

const increasing = (t: number[]): boolean => t.every((x, i) => i === 0 || x > (t[i - 1] as number));

describe('downsampleMinMax (listeners)', () => {
  test('an exact peak and an exact trough survive 100k → 2000, at their own timestamps', () => {
    const n = 100_000;
    const s = series(n, (i) => (i === 73_219 ? 60_000_000 : i === 12_345 ? 0 : 1000 + ((i * 7919) % 500)));
    const out = downsampleMinMax(s, 2000);
    assert.ok(out.t.length <= 2000, `${out.t.length} points`);
    assert.ok(out.t.length >= 1990, `${out.t.length} points: buckets should mostly give two`);
    const peak = out.v.indexOf(60_000_000);
    assert.ok(peak >= 0, 'peak kept');
    assert.equal(out.t[peak], s.t[73_219]);
    const trough = out.v.indexOf(0);
    assert.ok(trough >= 0, 'trough kept');
    assert.equal(out.t[trough], s.t[12_345]);
    assert.ok(increasing(out.t));
  });

  test('a bucket gives its min and max in time order', () => {
    const s: Columns = { t: [0, 1, 2, 3, 10, 11, 12, 13], v: [5, 9, 1, 5, 2, 2, 8, 0] };
    assert.deepEqual(downsampleMinMax(s, 4), { t: [1, 2, 12, 13], v: [9, 1, 8, 0] });
  });

  test('nulls: an all-null bucket stays a gap; nulls beside values are skipped', () => {
    const s: Columns = { t: [0, 1, 2, 3, 4, 5, 6, 7], v: [null, null, null, null, 3, null, 4, 4] };
    assert.deepEqual(downsampleMinMax(s, 4), { t: [0, 4, 6], v: [null, 3, 4] });
  });

  test('fits already: returned as a copy; odd and tiny budgets never overflow', () => {
    const s = series(10, (i) => i);
    const same = downsampleMinMax(s, 10);
    assert.deepEqual(same, s);
    assert.notEqual(same.t, s.t);
    const big = series(1000, (i) => (i * 31) % 97);
    for (const max of [1, 2, 3, 7, 999]) assert.ok(downsampleMinMax(big, max).t.length <= max, `max ${max}`);
    assert.deepEqual(downsampleMinMax(big, 1).v, [96]);
    assert.deepEqual(downsampleMinMax(big, 0), { t: [], v: [] });
  });

  test('time buckets: a dense burst does not take over the budget from a sparse stretch', () => {
    // 900 points in the first second, 100 spread over the next 99 s.
    const t = [...Array.from({ length: 900 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 1000 + i * 1000)];
    const out = downsampleMinMax({ t, v: t.map((x) => x % 13) }, 100);
    assert.ok(out.t.length <= 100);
    assert.ok(out.t.filter((x) => x >= 1000).length >= 49, 'the sparse stretch keeps roughly its share of buckets');
  });
});

describe('downsampleSum (join attempts/failures)', () => {
  test('totals are kept exactly; at most maxPoints', () => {
    const s = series(10_000, (i) => (i % 3 === 0 ? 1 : 0));
    const out = downsampleSum(s, 100);
    assert.ok(out.t.length <= 100);
    assert.equal(out.v.reduce<number>((a, x) => a + (x ?? 0), 0), 3334);
    assert.equal(out.t[0], s.t[0]);
    assert.ok(increasing(out.t));
  });
  test('an all-null bucket sums to null, not 0', () => {
    assert.deepEqual(downsampleSum({ t: [0, 1, 2, 3], v: [null, null, 1, 2] }, 2), { t: [0, 2], v: [null, 3] });
  });
});

describe('downsampleMean (join ms)', () => {
  test('mean of the non-null values per bucket', () => {
    assert.deepEqual(downsampleMean({ t: [0, 1, 2, 3, 4, 5], v: [100, null, 200, 10, 20, null] }, 2), { t: [0, 3], v: [150, 15] });
  });
  test('at most maxPoints', () => assert.ok(downsampleMean(series(5000, (i) => i), 333).t.length <= 333));
});

describe('downsample picks the rule by metric', () => {
  const s: Columns = { t: [0, 1, 2, 3], v: [1, 5, 2, 2] };
  const cases = [
    ['listeners', { t: [0, 1], v: [1, 5] }], // one bucket: its min and max
    ['join_attempts', { t: [0, 2], v: [6, 4] }],
    ['join_failures', { t: [0, 2], v: [6, 4] }],
    ['join_ms', { t: [0, 2], v: [3, 2] }],
  ] as const;
  for (const [metric, want] of cases) test(metric, () => assert.deepEqual(downsample(metric, s, metric === 'listeners' ? 3 : 2), want));
});
