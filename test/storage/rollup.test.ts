import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeRollup, minuteOf, minutesToRecompute, MINUTE_MS } from '../../src/storage/rollup.js';
import type { Observation, Rollup } from '../../src/types.js';

const M = Date.UTC(2024, 0, 1, 12, 0, 0);

describe('minuteOf', () => {
  const cases: [number, number][] = [
    [M, M],
    [M + 1, M],
    [M + MINUTE_MS - 1, M],
    [M + MINUTE_MS, M + MINUTE_MS],
    [0, 0],
    [59_999, 0],
    [-1, -MINUTE_MS],
  ];
  for (const [ms, want] of cases) test(`${ms} → ${want}`, () => assert.equal(minuteOf(ms), want));
});

describe('computeRollup', () => {
  const ok = (ms: number): Observation['join'] => ({ ok: true, ms });
  const fail: Observation['join'] = { ok: false, ms: 5000, error: 'timeout' };
  const cases: { name: string; rows: Observation[]; want: Rollup }[] = [
    { name: 'no rows', rows: [], want: { at: M, count: 0, joins: 0, failed: 0 } },
    {
      name: 'listeners and successful joins',
      rows: [
        { at: M + 1000, state: 'live', listeners: 10, join: ok(100) },
        { at: M + 2000, state: 'live', listeners: 30, join: ok(300) },
        { at: M + 3000, state: 'live', listeners: 20, join: ok(200) },
      ],
      want: { at: M, count: 3, min: 10, max: 30, mean: 20, last: 20, joins: 3, failed: 0, joinMs: 200 },
    },
    {
      name: 'failed joins count as attempts, not in the mean ms',
      rows: [
        { at: M + 1000, state: 'live', join: fail },
        { at: M + 2000, state: 'live', join: ok(50) },
      ],
      want: { at: M, count: 2, joins: 2, failed: 1, joinMs: 50 },
    },
    {
      name: 'only failures: no joinMs',
      rows: [{ at: M, state: 'offline', join: fail }],
      want: { at: M, count: 1, joins: 1, failed: 1 },
    },
    {
      name: 'rows without a count or a join (imports) still count as rows',
      rows: [
        { at: M + 1, state: 'live', listeners: 0, source: 'import' },
        { at: M + 2, state: 'unknown' },
      ],
      want: { at: M, count: 2, min: 0, max: 0, mean: 0, last: 0, joins: 0, failed: 0 },
    },
    {
      name: '`last` is the latest instant even when rows come unsorted',
      rows: [
        { at: M + 5000, state: 'live', listeners: 7 },
        { at: M + 1000, state: 'live', listeners: 9 },
        { at: M + 9000, state: 'live' },
      ],
      want: { at: M, count: 3, min: 7, max: 9, mean: 8, last: 7, joins: 0, failed: 0 },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(computeRollup(M, c.rows), c.want));
});

describe('minutesToRecompute', () => {
  const m = (k: number): number => M + k * MINUTE_MS;
  const cases: { name: string; previousNewest?: number; newest?: number; written: number[]; want: number[] }[] = [
    { name: 'nothing stored', written: [], want: [] },
    { name: 'first rows, all in one minute: it is open', newest: m(0) + 5, written: [m(0), m(0) + 5], want: [] },
    { name: 'same open minute again', previousNewest: m(0) + 5, newest: m(0) + 9, written: [m(0) + 9], want: [] },
    { name: 'next minute closes the previous one', previousNewest: m(0) + 9, newest: m(1), written: [m(1)], want: [m(0)] },
    { name: 'batch over several minutes', previousNewest: m(1), newest: m(4) + 1, written: [m(2), m(3), m(4) + 1], want: [m(1), m(2), m(3)] },
    { name: 'late rows in old minutes and in the open one', previousNewest: m(4), newest: m(4), written: [m(0) + 1, m(2), m(4) - 1, m(4) + 1], want: [m(0), m(2), m(3)] },
    { name: 'gap: only the previous and touched minutes, not the empty ones between', previousNewest: m(0), newest: m(9), written: [m(9)], want: [m(0)] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(minutesToRecompute({ previousNewest: c.previousNewest, newest: c.newest, written: c.written }), c.want));
  }
});
