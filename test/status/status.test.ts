import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RULES } from '../../src/detect/rules.js';
import { endOf, targetStatus, type StatusInput, type TargetStatus } from '../../src/status/status.js';
import type { JoinErrorCode, Observation, Target, TargetEvent } from '../../src/types.js';

const T = Date.UTC(2024, 7, 13, 0, 0, 0);
const at = (s: number) => T + s * 1000;
const iso = (s: number) => new Date(at(s)).toISOString();
const o = (s: number, state: Observation['state'], ok?: boolean, error?: JoinErrorCode): Observation => ({
  at: at(s),
  state,
  ...(ok === undefined ? {} : { join: { ok, ms: 100, ...(ok ? {} : { error: error ?? 'http_5xx' }) } }),
});
/** One observation every 5 s over [from, to] seconds. */
const every5 = (from: number, to: number, state: Observation['state'], ok: boolean | ((s: number) => boolean), error?: JoinErrorCode) => {
  const out: Observation[] = [];
  for (let s = from; s <= to; s += 5) out.push(o(s, state, typeof ok === 'function' ? ok(s) : ok, error));
  return out;
};
const ev = (s: number, type: string, data: Record<string, unknown> = {}): TargetEvent => ({ at: at(s), type, data });
const mark = (s: number, kind: string) => ev(s, 'mark', { kind });

const scheduled: Target = { id: 't', name: 't', source: { kind: 'x-space' }, intervalMs: 5000, schedule: { start: new Date(T).toISOString() } };
const unscheduled: Target = { ...scheduled, schedule: undefined };

const run = (nowS: number, observations: Observation[], over: Partial<StatusInput> = {}): TargetStatus =>
  targetStatus({ target: scheduled, observations, events: [], rules: DEFAULT_RULES, now: at(nowS), ...over });

// [name, now (s), observations, overrides, expected subset]
type Case = [string, number, Observation[], Partial<StatusInput>, Partial<TargetStatus>];

describe('target status', () => {
  const cases: Case[] = [
    // Before the broadcast
    ['no schedule, no data: off-air', 0, [], { target: unscheduled }, { status: 'off-air', reason: 'not on air (no schedule): no observation yet' }],
    ['no schedule, the platform says scheduled', 0, [o(0, 'scheduled', true)], { target: unscheduled }, { status: 'scheduled', reason: 'the source reports the broadcast as scheduled; no start time known' }],
    ['no schedule, offline: off-air', 10, [o(10, 'offline', true)], { target: unscheduled }, { status: 'off-air', reason: 'not on air (no schedule): the source reports offline' }],
    ['before the scheduled start', -600, [o(-600, 'scheduled', true)], {}, { status: 'scheduled', scheduledStart: T, reason: 'scheduled to start at 2024-08-13T00:00:00Z, in 10 m' }],
    [
      'past the start, within the grace: still scheduled',
      60,
      [o(60, 'scheduled', true)],
      {},
      { status: 'scheduled', delayMs: undefined, reason: '1 m past the scheduled start 2024-08-13T00:00:00Z, within the 2 m grace: the source reports scheduled' },
    ],
    ['exactly at start + grace: scheduled', 120, [o(120, 'scheduled', true)], {}, { status: 'scheduled' }],
    ['past the grace: delayed, running delay', 300, every5(0, 300, 'scheduled', true), {}, { status: 'delayed', delayMs: 300_000, reason: 'not on air 5 m after the scheduled start 2024-08-13T00:00:00Z: the source reports scheduled' }],
    [
      'live but most joins fail: delayed, and says why',
      300,
      every5(200, 300, 'live', (s) => s % 20 === 10),
      {},
      { status: 'delayed', delayMs: 300_000, reason: 'not on air 5 m after the scheduled start 2024-08-13T00:00:00Z: the source reports live but 76.9 % of joins in the last minute failed (10/13)' },
    ],
    ['no data at all past the grace: delayed', 300, [], {}, { status: 'delayed', delayMs: 300_000, reason: 'not on air 5 m after the scheduled start 2024-08-13T00:00:00Z: no observation yet' }],
    ['the platform moved the start later: scheduled again', 300, [o(300, 'scheduled', true)], { events: [ev(-100, 'source-schedule', { start: iso(600) })] }, { status: 'scheduled', scheduledStart: at(600) }],

    // On air
    ['on air and healthy: final delay', 400, [...every5(0, 85, 'scheduled', true), ...every5(90, 400, 'live', true)], {}, { status: 'on-air', onAirAt: at(90), delayMs: 90_000, reason: 'on air since 2024-08-13T00:01:30Z, 1 m 30 s after the scheduled start' }],
    ['early start: negative delay', 100, every5(-60, 100, 'live', true), {}, { status: 'on-air', onAirAt: at(-60), delayMs: -60_000, reason: 'on air since 2024-08-12T23:59:00Z, 1 m before the scheduled start' }],
    ['on air without a schedule: no delay', 100, every5(0, 100, 'live', true), { target: unscheduled }, { status: 'on-air', onAirAt: at(0), delayMs: undefined, scheduledStart: undefined, reason: 'on air since 2024-08-13T00:00:00Z' }],
    ['a program-start mark puts it on air', 300, every5(200, 300, 'scheduled', true), { events: [mark(150, 'program-start')] }, { status: 'off-air', onAirAt: at(150), delayMs: 150_000 }],
    ['a program-start mark, and the source live: on air from the mark', 300, every5(200, 300, 'live', true), { events: [mark(150, 'program-start')] }, { status: 'on-air', onAirAt: at(150) }],
    ['imported live counts without joins: on air', 300, [{ at: at(290), state: 'live', listeners: 10 }, { at: at(300), state: 'live', listeners: 12 }], {}, { status: 'on-air', onAirAt: at(290) }],

    // Degraded
    [
      'join failures at the rule\'s rate: degraded',
      400,
      [...every5(0, 270, 'live', true), ...every5(275, 400, 'live', (s) => s % 10 === 0, 'timeout')],
      {},
      { status: 'degraded', onAirAt: at(0), delayMs: 0, reason: 'join failures 48 % over 2 m (12/25: timeout 12)' },
    ],
    ['join failures below the rate: on air', 400, every5(0, 400, 'live', (s) => s % 60 !== 0), {}, { status: 'on-air' }],
    ['stalled newest probe: degraded', 400, [...every5(0, 395, 'live', true), o(400, 'live', false, 'stalled')], {}, { status: 'degraded', reason: 'stalled: the newest probe (2024-08-13T00:06:40Z) found the stream not advancing' }],
    ['open silence: degraded', 400, every5(0, 400, 'live', true), { events: [ev(300, 'silence-start')] }, { status: 'degraded', reason: 'dead air since 2024-08-13T00:05:00Z (1 m 40 s)' }],
    ['closed silence: on air', 400, every5(0, 400, 'live', true), { events: [ev(300, 'silence-start'), ev(350, 'silence-end')] }, { status: 'on-air' }],
    [
      'silent level measurements without events: degraded from the run\'s start',
      400,
      [...every5(0, 300, 'live', true), { ...o(340, 'live', true), extra: { silent: true } }, { ...o(360, 'live', true), extra: { silent: true } }, o(400, 'live', true)],
      {},
      { status: 'degraded', reason: 'dead air since 2024-08-13T00:05:40Z (1 m)' },
    ],
    [
      'two problems at once: both named',
      400,
      [...every5(0, 270, 'live', true), ...every5(275, 395, 'live', false, 'stalled'), o(400, 'live', false, 'stalled')],
      {},
      { status: 'degraded', reason: 'join failures 100 % over 2 m (25/25: stalled 25); stalled: the newest probe (2024-08-13T00:06:40Z) found the stream not advancing' },
    ],

    // Off air after being on air
    ['3 observations not live: off-air', 400, [...every5(0, 385, 'live', true), ...every5(390, 400, 'offline', true)], {}, { status: 'off-air', onAirAt: at(0), reason: 'the source has not reported live in the last 3 observations (offline since 2024-08-13T00:06:30Z)' }],
    ['2 observations not live: not yet off-air', 400, [...every5(0, 390, 'live', true), ...every5(395, 400, 'unknown', false)], {}, { status: 'on-air' }],
    ['failed probes (unknown state): off-air', 400, [...every5(0, 385, 'live', true), ...every5(390, 400, 'unknown', false, 'timeout')], {}, { status: 'off-air', reason: 'the source has not reported live in the last 3 observations (unknown since 2024-08-13T00:06:30Z)' }],
    ['no data for more than the no-data time: off-air', 400, every5(0, 365, 'live', true), {}, { status: 'off-air', reason: 'no data: no observation since 2024-08-13T00:06:05Z (35 s)' }],
    ['no data for exactly the no-data time: on air', 400, every5(0, 370, 'live', true), {}, { status: 'on-air' }],

    // Ended
    ['the source reports ended', 400, [...every5(0, 300, 'live', true), o(305, 'ended', true)], {}, { status: 'ended', endedAt: at(305), onAirAt: at(0), delayMs: 0, reason: 'the source reported the broadcast ended at 2024-08-13T00:05:05Z' }],
    ['a join error "ended" ends it', 400, [...every5(0, 300, 'live', true), o(305, 'unknown', false, 'ended')], {}, { status: 'ended', endedAt: at(305) }],
    ['a source-ended event ends it', 400, every5(0, 300, 'live', true), { events: [ev(350, 'source-ended', { at: iso(350) })] }, { status: 'ended', endedAt: at(350) }],
    ['a state-change to ended ends it', 400, every5(0, 300, 'live', true), { events: [ev(340, 'state-change', { from: 'live', to: 'ended' })] }, { status: 'ended', endedAt: at(340) }],
    ['a program-end mark ends it, whatever the data says', 400, every5(0, 400, 'live', true), { events: [mark(350, 'program-end')] }, { status: 'ended', endedAt: at(350), reason: 'an operator marked program-end at 2024-08-13T00:05:50Z' }],
    ['program-end then program-start again: not ended', 400, every5(0, 400, 'live', true), { events: [mark(300, 'program-end'), mark(320, 'program-start')] }, { status: 'on-air' }],
    ['the stream came back after an end: not ended', 400, [...every5(0, 100, 'live', true), o(105, 'ended', true), ...every5(110, 400, 'live', true)], {}, { status: 'on-air' }],
    [
      'came back per a state-change event older than the window: the earlier end does not count',
      400,
      every5(300, 400, 'live', true),
      { events: [ev(100, 'state-change', { from: 'live', to: 'ended' }), ev(200, 'state-change', { from: 'ended', to: 'live' })] },
      { status: 'on-air' },
    ],
    ['ended without ever going on air', 600, [...every5(0, 590, 'scheduled', true), o(595, 'ended', true)], {}, { status: 'ended', endedAt: at(595), onAirAt: undefined, delayMs: undefined }],
    ['an event after now is not evidence yet', 400, every5(0, 400, 'live', true), { events: [mark(500, 'program-end')] }, { status: 'on-air' }],
    ['observations after now are ignored', 400, [...every5(0, 400, 'live', true), o(500, 'ended', true)], {}, { status: 'on-air' }],
  ];

  for (const [name, nowS, observations, over, expected] of cases) {
    test(name, () => {
      const s = run(nowS, observations, over);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(s[k as keyof TargetStatus], v, `${k}: ${JSON.stringify(s)}`);
    });
  }

  test('thresholds come from the rules', () => {
    const obs = every5(0, 300, 'scheduled', true);
    assert.equal(run(300, obs).status, 'delayed');
    assert.equal(run(300, obs, { rules: { ...DEFAULT_RULES, delay: { ...DEFAULT_RULES.delay, graceMs: 600_000 } } }).status, 'scheduled');
    const failing = [...every5(0, 385, 'live', true), ...every5(390, 400, 'offline', true)];
    assert.equal(run(400, failing, { rules: { ...DEFAULT_RULES, outage: { ...DEFAULT_RULES.outage, consecutiveFailures: 5 } } }).status, 'on-air');
  });

  test('every status is one of the documented six', () => {
    const seen = new Set<string>();
    for (const [, nowS, observations, over] of cases) seen.add(run(nowS, observations, over).status);
    assert.deepEqual([...seen].sort(), ['degraded', 'delayed', 'ended', 'off-air', 'on-air', 'scheduled']);
  });
});

describe('endOf: when and by what it ended (the status and the report share it)', () => {
  const cases: [string, Observation[], TargetEvent[], ReturnType<typeof endOf>][] = [
    ['not ended', every5(0, 60, 'live', true), [], undefined],
    ['the source ends it', [...every5(0, 60, 'live', true), o(65, 'ended', true)], [], { at: at(65), by: 'source' }],
    ['a source-ended event', every5(0, 60, 'live', true), [ev(70, 'source-ended')], { at: at(70), by: 'source' }],
    ['a program-end mark', every5(0, 60, 'live', true), [mark(30, 'program-end')], { at: at(30), by: 'mark' }],
    ['the mark wins when first', [...every5(0, 60, 'live', true), o(65, 'ended', true)], [mark(62, 'program-end')], { at: at(62), by: 'mark' }],
    ['the source wins when first', [...every5(0, 60, 'live', true), o(65, 'ended', true)], [mark(90, 'program-end')], { at: at(65), by: 'source' }],
    ['live again after the end', [...every5(0, 60, 'live', true), o(65, 'ended', true), o(70, 'live', true)], [], undefined],
    ['a state change back to live clears an older end', [o(65, 'ended', true)], [ev(80, 'state-change', { from: 'ended', to: 'live' })], undefined],
  ];
  for (const [name, obs, events, expected] of cases) test(name, () => assert.deepEqual(endOf(obs, events), expected));
});
