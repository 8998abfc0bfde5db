import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findCeilings, minuteBuckets } from '../../src/claims/ceiling.js';
import { claimEvent, claimFromEvent, claimsOf, type Claim } from '../../src/claims/claim.js';
import { formatRatio, judgeClaim, toleranceMs, VIEWS_REASON, type Verdict, type VerdictInput } from '../../src/claims/verdict.js';
import { DEFAULT_RULES } from '../../src/detect/rules.js';
import { computeRollup } from '../../src/storage/rollup.js';
import type { Observation, Rollup } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 0, 41, 0);
const at = (s: number) => T + s * 1000;
const count = (s: number, listeners: number, extra: Partial<Observation> = {}): Observation => ({ at: at(s), state: 'live', listeners, ...extra });
const listeners = (value: number, s = 0): Claim => ({ at: at(s), metric: 'listeners', value, claimant: 'host' });
const input = (observations: Observation[], over: Partial<VerdictInput> = {}): VerdictInput => ({
  observations,
  intervalMs: 5000,
  capacity: DEFAULT_RULES.capacity,
  now: at(3600),
  ...over,
});

type Case = [string, Claim, VerdictInput, Partial<Verdict> & { label: Verdict['label'] }];

function check([name, claim, inp, expected]: Case) {
  test(name, () => {
    const v = judgeClaim(claim, inp);
    for (const [k, val] of Object.entries(expected)) assert.deepEqual(v[k as keyof Verdict], val, `${k}: ${JSON.stringify(v)}`);
  });
}

describe('tolerance', () => {
  test('two intervals, never under a minute', () => {
    assert.equal(toleranceMs(5000), 60_000);
    assert.equal(toleranceMs(30_000), 60_000);
    assert.equal(toleranceMs(45_000), 90_000);
  });
});

describe('listeners claims', () => {
  const cases: Case[] = [
    [
      'the example: 60 million claimed, 1,184,233 measured',
      listeners(60_000_000),
      input([count(-3, 1_184_233)]),
      { label: 'overstated', measured: 1_184_233, measuredAt: at(-3), ratio: 60_000_000 / 1_184_233, reason: 'claimed 60,000,000 listeners; 1,184,233 measured at 2024-08-13T00:40:57Z (50.7×)' },
    ],
    ['ratio exactly 1.25: consistent', listeners(1250), input([count(0, 1000)]), { label: 'consistent', ratio: 1.25 }],
    ['ratio just above 1.25: overstated', listeners(1251), input([count(0, 1000)]), { label: 'overstated', ratio: 1.251 }],
    ['ratio exactly 0.8: consistent', listeners(800), input([count(0, 1000)]), { label: 'consistent', ratio: 0.8 }],
    ['ratio just below 0.8: understated', listeners(799), input([count(0, 1000)]), { label: 'understated', ratio: 0.799, reason: 'claimed 799 listeners; 1,000 measured at 2024-08-13T00:41:00Z (0.799×)' }],
    ['equal: consistent', listeners(1000), input([count(0, 1000)]), { label: 'consistent', ratio: 1, reason: 'claimed 1,000 listeners; 1,000 measured at 2024-08-13T00:41:00Z (1×)' }],
    [
      'nothing measured: unverifiable',
      listeners(1000),
      input([]),
      { label: 'unverifiable', measured: undefined, ratio: undefined, reason: 'no measurement within tolerance: no listener count within ±1 m of 2024-08-13T00:41:00Z' },
    ],
    ['a count exactly at the tolerance: used', listeners(1000), input([count(60, 1000)]), { label: 'consistent', measuredAt: at(60) }],
    ['a count 1 ms past the tolerance: unverifiable', listeners(1000), input([{ ...count(0, 1000), at: at(60) + 1 }]), { label: 'unverifiable' }],
    ['a count 1 ms before the tolerance: unverifiable', listeners(1000), input([{ ...count(0, 1000), at: at(-60) - 1 }]), { label: 'unverifiable' }],
    ['a slow target widens the tolerance', listeners(1000), input([count(-110, 1000)], { intervalMs: 60_000 }), { label: 'consistent', measuredAt: at(-110) }],
    ['the nearest count wins', listeners(1000), input([count(-10, 5000), count(5, 1000), count(20, 9000)]), { label: 'consistent', measured: 1000, measuredAt: at(5) }],
    ['on a tie, the earlier count (measured before the claim)', listeners(1000), input([count(-5, 1000), count(5, 9000)]), { label: 'consistent', measuredAt: at(-5) }],
    ['rows without a count are skipped', listeners(1000), input([count(-30, 1000), { at: at(0), state: 'live', join: { ok: false, ms: 5, error: 'timeout' } }]), { label: 'consistent', measuredAt: at(-30) }],
    ['zero measured, zero claimed: consistent without a ratio', listeners(0), input([count(0, 0)]), { label: 'consistent', measured: 0, ratio: undefined }],
    ['zero measured, an audience claimed: overstated without a ratio', listeners(5), input([count(0, 0)]), { label: 'overstated', measured: 0, ratio: undefined, reason: 'claimed 5 listeners; 0 measured at 2024-08-13T00:41:00Z' }],
    [
      'a claim about the future: unverifiable',
      listeners(1000, 7200),
      input([count(0, 1000)]),
      { label: 'unverifiable', ratio: undefined, reason: 'the claim is about 2024-08-13T02:41:00Z, which has not happened yet; nothing can be measured before then' },
    ],
    ['a claim at exactly now is judged', listeners(1000, 3600), input([count(3600, 1000)]), { label: 'consistent' }],
  ];
  cases.forEach(check);

  test('peakSoFar: the highest count up to the claim, from rows and from rollups of minutes that ended by then', () => {
    const rollup = (minuteOffset: number, max: number): Rollup => ({ at: T + minuteOffset * 60_000, count: 1, min: max, max, mean: max, last: max, joins: 0, failed: 0 });
    const claim = listeners(1000, 30);
    const obs = [count(-50, 1500), count(25, 1000), count(40, 99_999)]; // the last is after the claim
    // Minute −2 ended before the claim; minute 0 (00:41) holds the claim's instant and later rows.
    const rollups = [rollup(-3 - 24 * 60, 1_000_000), rollup(-2, 1800), rollup(0, 50_000)];
    const v = judgeClaim(claim, input(obs, { rollups }));
    assert.equal(v.peakSoFar, 1800);
    assert.equal(judgeClaim(claim, input(obs)).peakSoFar, 1500);
  });
});

describe('views claims', () => {
  const cases: Case[] = [
    ['views are never compared: unverifiable, no ratio, no measured', { at: at(0), metric: 'views', value: 60_000_000, claimant: 'x' }, input([count(0, 1_000_000)]), { label: 'unverifiable', reason: VIEWS_REASON, ratio: undefined, measured: undefined, peakSoFar: 1_000_000 }],
    ['views about the future: still the views reason', { at: at(86_400), metric: 'views', value: 100_000_000, claimant: 'x' }, input([]), { label: 'unverifiable', reason: VIEWS_REASON, ratio: undefined }],
  ];
  cases.forEach(check);
});

describe('capacity claims', () => {
  const capacity = (value: number, s = 0): Claim => ({ at: at(s), metric: 'capacity', value, claimant: 'platform' });
  /** One count and one join every 5 s for `minutes` minutes from `fromS`; `failEvery` = every n-th join fails. */
  const stretch = (fromS: number, minutes: number, level: (s: number) => number, failEvery = 0) => {
    const out: Observation[] = [];
    for (let s = fromS, i = 0; s < fromS + minutes * 60; s += 5, i++) {
      const ok = failEvery === 0 || i % failEvery !== 0;
      out.push(count(s, level(s), { join: { ok, ms: 100, ...(ok ? {} : { error: 'http_5xx' as const }) } }));
    }
    return out;
  };
  const flat = () => 1_000_000;
  const cases: Case[] = [
    ['a claim about the future: unverifiable', capacity(10_000_000, 7200), input([]), { label: 'unverifiable', reason: 'the claim is about 2024-08-13T02:41:00Z, which has not happened yet; nothing can be measured before then' }],
    ['no counts at all: unverifiable', capacity(10_000_000), input([]), { label: 'unverifiable', reason: 'no listener counts within 24 h of 2024-08-13T00:41:00Z' }],
    [
      'more served than claimed possible: understated',
      capacity(1_000_000),
      input(stretch(-600, 10, () => 2_000_000)),
      { label: 'understated', measured: 2_000_000, peakSoFar: 2_000_000, ratio: 0.5, reason: 'claimed capacity 1,000,000, but the measured peak was 2,000,000: more were served than claimed possible' },
    ],
    ['the peak near the claim: consistent', capacity(1_200_000), input(stretch(-600, 10, flat)), { label: 'consistent', measured: 1_000_000, ratio: 1.2 }],
    [
      'a plateau with failing joins far below the claim: overstated',
      capacity(10_000_000),
      input(stretch(-600, 10, flat, 3)),
      {
        label: 'overstated',
        measured: 1_000_000,
        measuredAt: at(-600),
        peakSoFar: 1_000_000,
        ratio: 10,
        reason:
          'claimed capacity 10,000,000, but listeners plateaued at 1,000,000 from 2024-08-13T00:31:00Z to 2024-08-13T00:41:00Z while 33.3 % of joins failed (40/120): people were turned away far below the claim',
      },
    ],
    [
      'demand well below the claim and joins fine: unverifiable',
      capacity(10_000_000),
      input(stretch(-600, 10, flat)),
      { label: 'unverifiable', ratio: undefined, peakSoFar: 1_000_000, reason: 'claimed capacity 10,000,000; the measured peak was 1,000,000 and joins never failed on a plateau, so demand did not test the claim' },
    ],
    ['failing joins while the audience grows (not flat): unverifiable', capacity(10_000_000), input(stretch(-600, 10, (s) => 1_000_000 + (s + 600) * 1000, 3)), { label: 'unverifiable' }],
    ['a plateau shorter than the capacity window: unverifiable', capacity(10_000_000), input(stretch(-240, 4, flat, 3)), { label: 'unverifiable' }],
    ['a plateau after the claim counts (capacity holds throughout)', capacity(10_000_000, -3000), input(stretch(-600, 10, flat, 3)), { label: 'overstated', ratio: 10 }],
  ];
  cases.forEach(check);

  test('ceiling evidence from rollups alone (older than the raw rows read)', () => {
    const rows = stretch(-3000, 10, flat, 2);
    const byMinute = new Map<number, Observation[]>();
    for (const r of rows) byMinute.set(r.at - (r.at % 60_000), [...(byMinute.get(r.at - (r.at % 60_000)) ?? []), r]);
    const rollups = [...byMinute].map(([m, obs]) => computeRollup(m, obs));
    const v = judgeClaim(capacity(5_000_000), input([], { rollups }));
    assert.equal(v.label, 'overstated');
    assert.equal(v.measured, 1_000_000);
  });
});

describe('capacity ceilings', () => {
  const minute = (i: number, min: number, max: number, joins: number, failed: number): Rollup => ({ at: T + i * 60_000, count: 12, min, max, mean: (min + max) / 2, last: max, joins, failed });
  const s = { windowMs: 180_000, flatPercent: 2, failureRate: 0.2, minAttempts: 10 };
  test('adjacent qualifying windows merge into one plateau; a gap splits', () => {
    const buckets = [0, 1, 2, 3].map((i) => minute(i, 990, 1000, 12, 4)).concat([5, 6, 7].map((i) => minute(i, 1980, 2000, 12, 6)));
    assert.deepEqual(findCeilings(buckets, s), [
      { from: T + 5 * 60_000, to: T + 8 * 60_000, level: 2000, attempts: 36, failed: 18 },
      { from: T, to: T + 4 * 60_000, level: 1000, attempts: 48, failed: 16 },
    ]);
  });
  test('failed share at the rate counts; below does not; too few attempts does not', () => {
    assert.equal(findCeilings([0, 1, 2].map((i) => minute(i, 1000, 1000, 10, 2)), s).length, 1);
    assert.equal(findCeilings([0, 1, 2].map((i) => minute(i, 1000, 1000, 10, 1)), s).length, 0);
    assert.equal(findCeilings([0, 1, 2].map((i) => minute(i, 1000, 1000, 3, 3)), s).length, 0);
  });
  test('flatness within flatPercent of the maximum, edge included', () => {
    assert.equal(findCeilings([0, 1, 2].map((i) => minute(i, 980, 1000, 12, 4)), s).length, 1);
    assert.equal(findCeilings([0, 1, 2].map((i) => minute(i, 979, 1000, 12, 4)), s).length, 0);
  });
  test('minuteBuckets prefers a stored rollup over partial raw rows', () => {
    const stored = minute(0, 5, 5, 1, 0);
    const b = minuteBuckets([count(10, 7)], [stored], T - 60_000, T + 60_000);
    assert.deepEqual(b, [stored]);
  });
});

describe('state claims', () => {
  const st = (stateValue: Claim['stateValue'], s = 0): Claim => ({ at: at(s), metric: 'state', stateValue, claimant: 'host' });
  const seen = (state: Observation['state'], s = 0): Observation => ({ at: at(s), state });
  const cases: Case[] = [
    ['the same state: consistent', st('ended'), input([seen('ended', 10)]), { label: 'consistent', measuredState: 'ended', measuredAt: at(10), reason: 'claimed "ended"; the source reported "ended" at 2024-08-13T00:41:10Z' }],
    ['claimed live, it was not: overstated', st('live'), input([seen('ended')]), { label: 'overstated', reason: 'claimed "live"; the source reported "ended" at 2024-08-13T00:41:00Z: it was not on air' }],
    ['claimed ended, it was live: understated', st('ended'), input([seen('live')]), { label: 'understated', reason: 'claimed "ended"; the source reported "live" at 2024-08-13T00:41:00Z: it was on air' }],
    ['claimed ended, offline reported: consistent', st('ended'), input([seen('offline')]), { label: 'consistent' }],
    ['claimed offline, scheduled reported: consistent', st('offline'), input([seen('scheduled')]), { label: 'consistent' }],
    ['claimed ended before it started: overstated', st('ended'), input([seen('scheduled')]), { label: 'overstated', reason: 'claimed "ended"; the source reported "scheduled" at 2024-08-13T00:41:00Z: the broadcast had not started' }],
    ['claimed scheduled after it ended: understated', st('scheduled'), input([seen('ended')]), { label: 'understated' }],
    ['unknown states are not measurements', st('ended'), input([seen('unknown'), seen('live', -50)]), { label: 'understated', measuredAt: at(-50) }],
    ['no known state within tolerance: unverifiable', st('ended'), input([seen('live', -61)]), { label: 'unverifiable', reason: 'no measurement within tolerance: no known state within ±1 m of 2024-08-13T00:41:00Z' }],
    ['a state claim about the future: unverifiable', st('ended', 7200), input([]), { label: 'unverifiable' }],
  ];
  cases.forEach(check);
});

describe('claims as events', () => {
  test('round trip, and malformed events are skipped', () => {
    const claim: Claim = { at: T, metric: 'listeners', value: 5, claimant: 'a', quote: 'q', sourceUrl: 'https://x.example/1' };
    const e = { ...claimEvent(claim), id: '1-0' };
    assert.deepEqual(e.data, { metric: 'listeners', claimant: 'a', value: 5, quote: 'q', sourceUrl: 'https://x.example/1' });
    assert.deepEqual(claimFromEvent(e), { ...claim, id: '1-0' });
    const bad = [
      { at: T, type: 'claim', data: { metric: 'likes', value: 1, claimant: 'a' } },
      { at: T, type: 'claim', data: { metric: 'listeners', claimant: 'a' } },
      { at: T, type: 'claim', data: { metric: 'state', stateValue: 'exploded', claimant: 'a' } },
      { at: T, type: 'claim', data: { metric: 'views', value: 1 } },
      { at: T, type: 'mark', data: { kind: 'note' } },
    ];
    assert.deepEqual(claimsOf([...bad, e]), [{ ...claim, id: '1-0' }]);
  });
});

test('formatRatio', () => {
  assert.equal(formatRatio(50.6564), '50.7×');
  assert.equal(formatRatio(1.0432), '1.04×');
  assert.equal(formatRatio(0.83333), '0.833×');
  assert.equal(formatRatio(1234.5), '1,235×');
});
