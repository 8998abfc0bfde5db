import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertObservationTime,
  decodeEvent,
  decodeLateMember,
  decodeObservation,
  decodeRollup,
  decodeRows,
  encodeEvent,
  encodeLateMember,
  encodeObservation,
  encodeRollup,
  idToMs,
} from '../../src/storage/codec.js';
import { createKeys } from '../../src/storage/keys.js';
import { STREAM_STATES, type Observation, type Rollup } from '../../src/types.js';

const AT = 1_704_110_400_000;

describe('observation codec', () => {
  const rows: Observation[] = [
    ...STREAM_STATES.map((state): Observation => ({ at: AT, state })),
    { at: AT, state: 'live', listeners: 0, join: { ok: true, ms: 0 } },
    { at: AT, state: 'live', listeners: 1.5e9, join: { ok: true, ms: 12.345678901, bytes: 65_536 } },
    { at: AT, state: 'offline', join: { ok: false, ms: 10_000, error: 'connect_timeout' } },
    { at: AT, state: 'ended', extra: { peak: 12, reset: true, label: 'a,b"c', none: null }, source: 'csv-import' },
    { at: AT, state: 'live', extra: {} },
  ];
  for (const [i, obs] of rows.entries()) {
    test(`round trip ${i}: ${JSON.stringify(obs)}`, () => {
      assert.deepEqual(decodeObservation(obs.at, encodeObservation(obs)), obs);
      assert.deepEqual(decodeLateMember(encodeLateMember(obs)), obs);
    });
  }

  test('a typical poll row is four short fields: state as one char, join ok as 1/0', () => {
    assert.deepEqual(encodeObservation({ at: AT, state: 'live', listeners: 4200, join: { ok: true, ms: 87 } }), ['s', 'l', 'n', '4200', 'k', '1', 'm', '87']);
    assert.deepEqual(encodeObservation({ at: AT, state: 'scheduled', join: { ok: false, ms: 5, error: 'no_source' }, source: 'poll' }), ['s', 's', 'k', '0', 'm', '5', 'e', 'no_source']);
  });

  test('unknown fields from a newer version are ignored; an unknown state char reads as unknown', () => {
    assert.deepEqual(decodeObservation(AT, ['s', '?', 'n', '3', 'z', 'later']), { at: AT, state: 'unknown', listeners: 3 });
  });

  test('decodeRows merges stream entries and late members in time order; the stream wins a tie', () => {
    const stream: [string, string[]][] = [[`${AT + 10}-0`, ['s', 'l', 'n', '10']], [`${AT + 30}-0`, ['s', 'l', 'n', '30']]];
    const late = [AT + 5, AT + 10, AT + 20, AT + 40].map((at) => encodeLateMember({ at, state: 'live', listeners: at - AT + 1000 }));
    assert.deepEqual(decodeRows(stream, late).map((o) => o.listeners), [1005, 10, 1020, 30, 1040]);
  });

  test('assertObservationTime accepts positive integers only', () => {
    assertObservationTime(1);
    assertObservationTime(AT);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) assert.throws(() => assertObservationTime(bad), RangeError, String(bad));
  });

  test('idToMs', () => {
    assert.equal(idToMs(`${AT}-0`), AT);
    assert.equal(idToMs(`${AT}-17`), AT);
    assert.equal(idToMs(`${AT}`), AT);
  });
});

describe('rollup codec', () => {
  const cases: Rollup[] = [
    { at: AT, count: 60, min: 1, max: 9, mean: 4.333333333333333, last: 2, joins: 60, failed: 3, joinMs: 120.5 },
    { at: AT, count: 2, joins: 0, failed: 0 },
    { at: 0, count: 1, min: 0, max: 0, mean: 0, last: 0, joins: 1, failed: 1 },
  ];
  for (const r of cases) test(`round trip ${JSON.stringify(r)}`, () => assert.deepEqual(decodeRollup(encodeRollup(r)), r));
  test('members of different minutes differ even when the figures are equal', () => {
    assert.notEqual(encodeRollup({ at: AT, count: 1, joins: 0, failed: 0 }), encodeRollup({ at: AT + 60_000, count: 1, joins: 0, failed: 0 }));
  });
  test('a malformed member is an error, not a silent zero', () => assert.throws(() => decodeRollup('1,2,3'), /malformed rollup/));
});

describe('event codec', () => {
  test('round trip with and without data', () => {
    assert.deepEqual(decodeEvent('5-1', encodeEvent({ at: AT, type: 'alert', data: { rule: 'drop', n: [1] } })), { id: '5-1', at: AT, type: 'alert', data: { rule: 'drop', n: [1] } });
    assert.deepEqual(decodeEvent('5-2', encodeEvent({ at: AT, type: 'mark' })), { id: '5-2', at: AT, type: 'mark' });
  });
});

describe('keys', () => {
  test('every key of a target shares the {t:<id>} hash tag; the prefix comes first', () => {
    const k = createKeys('sw1:');
    assert.deepEqual(k.allOf('big-space'), ['sw1:{t:big-space}:obs', 'sw1:{t:big-space}:obs:late', 'sw1:{t:big-space}:obs:1m', 'sw1:{t:big-space}:events', 'sw1:{t:big-space}:lease']);
    assert.equal(k.targets(), 'sw1:sw:targets');
    assert.equal(k.alerts(), 'sw1:sw:alerts');
    assert.equal(createKeys().obs('a'), '{t:a}:obs');
  });
});
