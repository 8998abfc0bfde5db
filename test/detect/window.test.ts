import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { between, endedAt, formatCodes, formatCount, formatDuration, formatInstant, formatPercent, formatShare, joinStats, tallyJoin, type JoinCounts } from '../../src/detect/window.js';
import type { Observation, TargetEvent } from '../../src/types.js';

const o = (at: number, state: Observation['state'] = 'live', join?: Observation['join']): Observation => ({ at, state, ...(join ? { join } : {}) });

describe('window helpers', () => {
  test('between is inclusive at both ends', () => {
    const obs = [o(1), o(2), o(3), o(4), o(5)];
    assert.deepEqual(between(obs, 2, 4).map((x) => x.at), [2, 3, 4]);
    assert.deepEqual(between(obs, 6, 9), []);
    assert.deepEqual(between(obs, 0, 1).map((x) => x.at), [1]);
    assert.deepEqual(between([], 0, 1), []);
  });

  test('joinStats counts attempts, not imported rows, ended answers or scheduled joins', () => {
    const s = joinStats([
      o(1, 'live', { ok: true, ms: 1 }),
      o(2, 'live', { ok: false, ms: 1, error: 'timeout' }),
      o(3, 'live'),
      o(4, 'ended', { ok: false, ms: 1, error: 'ended' }),
      o(5, 'scheduled', { ok: false, ms: 1, error: 'not_found' }),
      o(6, 'offline', { ok: false, ms: 1, error: 'no_source' }),
    ], 7);
    assert.deepEqual(s, { attempts: 2, failed: 1, share: 0.5, codes: { timeout: 1 } });
  });

  const ended: [string, Observation[], TargetEvent[], number | undefined][] = [
    ['live', [o(1), o(2)], [], undefined],
    ['an ended observation', [o(1), o(2, 'ended')], [], 2],
    ['an ended join error', [o(1), o(2, 'unknown', { ok: false, ms: 1, error: 'ended' })], [], 2],
    ['the first end signal counts', [o(1), o(2, 'ended'), o(3, 'unknown'), o(4, 'ended')], [], 2],
    ['a source-ended event', [o(1), o(3, 'unknown')], [{ at: 2, type: 'source-ended' }], 2],
    ['reported at the same instant as a live reading', [o(1), o(2)], [{ at: 2, type: 'source-ended' }], 2],
    ['live again clears it', [o(1, 'ended'), o(2)], [], undefined],
    ['an operator\'s program-end mark, though the stream stays live', [o(1), o(3)], [{ at: 2, type: 'mark', data: { kind: 'program-end' } }], 2],
    ['a program-start mark after it resumes the programme', [o(1), o(4)], [{ at: 2, type: 'mark', data: { kind: 'program-end' } }, { at: 3, type: 'mark', data: { kind: 'program-start' } }], undefined],
    ['the earlier of a source end and a mark', [o(1), o(3, 'ended')], [{ at: 5, type: 'mark', data: { kind: 'program-end' } }], 3],
    ['a state-change back to live clears an old end', [o(10, 'unknown')], [{ at: 1, type: 'source-ended' }, { at: 5, type: 'state-change', data: { from: 'ended', to: 'live' } }], undefined],
  ];
  for (const [name, obs, events, expected] of ended) test(`endedAt: ${name}`, () => assert.equal(endedAt(obs, events), expected));

  const formats: [string, string, string][] = [
    ['ms', formatDuration(450), '450 ms'],
    ['seconds', formatDuration(45_000), '45 s'],
    ['minutes', formatDuration(120_000), '2 m'],
    ['minutes and seconds', formatDuration(130_000), '2 m 10 s'],
    ['hours', formatDuration(3_900_000), '1 h 5 m'],
    ['negative as magnitude', formatDuration(-60_000), '1 m'],
    ['share', formatShare(0.62), '62 %'],
    ['share, one decimal', formatShare(1 / 6), '16.7 %'],
    ['percent just under a threshold is not rounded onto it', formatPercent(29.9), '29.9 %'],
    ['count', formatCount(1_234_567), '1,234,567'],
    ['small count', formatCount(999), '999'],
    ['instant', formatInstant(Date.UTC(2024, 7, 13, 0, 5, 0, 250)), '2024-08-13T00:05:00Z'],
    ['codes, most frequent first, three at most', formatCodes({ tls: 1, timeout: 5, http_5xx: 2, dns: 1 }), 'timeout 5, http_5xx 2, dns 1'],
    ['codes, every one with an Infinity limit (the report)', formatCodes({ tls: 1, timeout: 5, http_5xx: 2, dns: 1 }, Infinity), 'timeout 5, http_5xx 2, dns 1, tls 1'],
    ['codes, counts grouped', formatCodes({ http_5xx: 1234, timeout: 52 }), 'http_5xx 1,234, timeout 52'],
  ];
  for (const [name, actual, expected] of formats) test(`format: ${name}`, () => assert.equal(actual, expected));
});

describe('tallyJoin', () => {
  test('counts attempts, failures and codes as joinStats does, and says which rows were attempts', () => {
    const rows: Observation[] = [
      o(1, 'live', { ok: true, ms: 1 }),
      o(2, 'live', { ok: false, ms: 1, error: 'timeout' }),
      o(3, 'unknown', { ok: false, ms: 1 }),
      o(4, 'live'), // no join: not an attempt
      o(5, 'ended', { ok: false, ms: 1, error: 'ended' }), // the end, not a failed join
      o(6, 'scheduled', { ok: false, ms: 1, error: 'not_found' }), // nothing to join yet
    ];
    const counts: JoinCounts = { attempts: 0, failed: 0, codes: {} };
    assert.deepEqual(rows.map((r) => tallyJoin(counts, r)), [true, true, true, false, false, false]);
    assert.deepEqual(counts, { attempts: 3, failed: 2, codes: { timeout: 1, unknown: 1 } });
    assert.deepEqual(joinStats(rows), { ...counts, share: 2 / 3 });
  });
});
