// The report's pure core: the known scenario's figures (worked out by hand in scenario.ts), page by
// page the same as all at once, and table-driven edge cases of each definition. No I/O.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { claimEvent, claimsOf, type Claim } from '../../src/claims/claim.js';
import { judgeClaim } from '../../src/claims/verdict.js';
import { DEFAULT_RULES, effectiveRules } from '../../src/detect/rules.js';
import { buildReport, ReportBuilder } from '../../src/report/build.js';
import { CSV_HEADER, csvRow } from '../../src/report/csv.js';
import { headline } from '../../src/report/summary.js';
import { markEvent } from '../../src/status/marks.js';
import type { Observation, Target, TargetEvent } from '../../src/types.js';
import { ALERT_EVENTS, at, CLAIMS, EXPECTED, ID, INTERVAL_MS, MARKS, NAME, observations, T } from './scenario.js';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const target: Target = { id: ID, name: NAME, source: { kind: 'x-space', spaceId: 'S' }, intervalMs: INTERVAL_MS, schedule: { start: new Date(T).toISOString() } };

function scenarioEvents(): TargetEvent[] {
  const marks = MARKS.map((m) => markEvent({ at: m.at, kind: m.kind as 'note', text: m.text }));
  const claims = CLAIMS.map((c) => claimEvent(c as Claim));
  return [...ALERT_EVENTS, ...marks, ...claims].sort((a, b) => a.at - b.at);
}

function judged(events: TargetEvent[], obs: Observation[]) {
  return claimsOf(events).map((claim) => ({ claim, verdict: judgeClaim(claim, { observations: obs, intervalMs: INTERVAL_MS, capacity: DEFAULT_RULES.capacity, now: NOW }) }));
}

function scenarioReport(range: { from?: number; to: number } = { to: NOW }) {
  const obs = observations();
  const events = scenarioEvents();
  return buildReport({ target, rules: DEFAULT_RULES, events, range, observations: obs, claims: judged(events, obs), now: NOW });
}

test('scenario: every figure as worked out by hand', () => {
  const r = scenarioReport();
  assert.equal(r.methodology.observations, EXPECTED.observations);
  assert.deepEqual(r.methodology.sources, [
    { source: 'probe-export', observations: 397 },
    { source: 'screenshot "A", cropped', observations: 1 },
  ]);
  assert.equal(r.scheduledStart, T);
  assert.equal(r.liveAt, EXPECTED.liveAt);
  assert.equal(r.onAirAt, EXPECTED.onAirAt);
  assert.equal(r.onAirBy, 'data');
  assert.equal(r.delayMs, EXPECTED.delayMs);
  assert.equal(r.endedAt, EXPECTED.endedAt);
  assert.equal(r.endedBy, 'mark');
  assert.equal(r.durationMs, EXPECTED.durationMs);
  assert.deepEqual(r.listeners, {
    peak: EXPECTED.peak,
    peakAt: EXPECTED.peakAt,
    mean: EXPECTED.mean,
    meanFrom: EXPECTED.onAirAt,
    meanTo: EXPECTED.endedAt,
    listenerMinutes: EXPECTED.listenerMinutes,
  });
  assert.deepEqual(r.joins, EXPECTED.joins);
  assert.deepEqual(
    r.joinFailures,
    EXPECTED.joinFailures.map(({ from, to, failed, attempts, codes }) => ({ from, to, failed, attempts, codes })),
  );
  assert.deepEqual(
    r.alerts.map(({ rule, firedAt, resolvedAt }) => ({ rule, firedAt, resolvedAt })),
    EXPECTED.alerts,
  );
  assert.deepEqual(
    r.claims.map((c) => [c.claim.value, c.verdict.label, c.verdict.measured]),
    [
      [60_000_000, 'overstated', 19_000],
      [20_000, 'consistent', 19_000],
    ],
  );
  assert.deepEqual(
    r.timeline.map((m) => [m.at - T, m.kind]),
    [
      [0, 'scheduled'],
      [0, 'live'],
      [0, 'join-failures'],
      [80_000, 'alert-fired'],
      [600_000, 'join-failures-end'],
      [610_000, 'on-air'],
      [720_000, 'alert-resolved'],
      [1_200_000, 'mark'],
      [1_800_000, 'peak'],
      [1_800_000, 'claim'],
      [2_400_000, 'join-failures'],
      [2_420_000, 'alert-fired'],
      [2_580_000, 'join-failures-end'],
      [2_590_000, 'alert-resolved'],
      [3_000_000, 'claim'],
      [3_600_000, 'mark'],
      [3_600_000, 'ended'],
    ],
  );
});

test('scenario: the hash is over the CSV data lines exactly', () => {
  const r = scenarioReport();
  const lines = [CSV_HEADER, ...observations().map(csvRow)].map((l) => `${l}\n`).join('');
  assert.equal(r.sha256, createHash('sha256').update(lines).digest('hex'));
  // One byte of one row changes it.
  const changed = observations();
  changed[100]!.listeners! += 1;
  const other = buildReport({ target, rules: DEFAULT_RULES, events: [], range: { to: NOW }, observations: changed, now: NOW });
  assert.notEqual(other.sha256, r.sha256);
});

test('scenario: fed in pages of any size, the same report', () => {
  const whole = scenarioReport();
  const obs = observations();
  const events = scenarioEvents();
  for (const size of [1, 7, 59, 200]) {
    const b = new ReportBuilder({ target, rules: DEFAULT_RULES, events, range: { to: NOW } });
    for (let i = 0; i < obs.length; i += size) b.add(obs.slice(i, i + size));
    assert.deepEqual(b.finish({ claims: judged(events, obs), now: NOW }), whole, `pages of ${size}`);
  }
});

/** A report of [from, to] as the loader builds it: the range's rows, and the minute before `from` as context. */
function ranged(range: { from: number; to: number }, events: TargetEvent[], obs = observations()) {
  const inRange = obs.filter((o) => o.at >= range.from && o.at <= range.to);
  const context = obs.filter((o) => o.at < range.from && o.at >= range.from - 60_000);
  return buildReport({ target, rules: DEFAULT_RULES, events, range, observations: inRange, context, now: NOW });
}

test('scenario: a range reports only what lies in it', () => {
  // 20:20–20:45: on air already before it (no on-air moment inside), one episode, the outage alert.
  const events = scenarioEvents();
  const range = { from: at(20), to: at(45) };
  const r = ranged(range, events);
  assert.equal(r.methodology.observations, 152); // 151 probes 20:20:00–20:45:00 and the screenshot
  // The minute before 20:20 was live and on air, and no event says since when: neither moment is
  // the range's first row (review finding 1b), and there is no running delay either.
  assert.deepEqual([r.liveAt, r.onAirAt, r.onAirBy, r.onAirBeforeRange, r.delayMs, r.durationMs], [undefined, undefined, undefined, true, undefined, undefined]);
  assert.equal(r.endedAt, undefined);
  assert.equal(r.listeners.meanFrom, at(20));
  assert.match(headline(r), /^Scheduled 2025-11-21 20:00 UTC; already on air when the range began at 20:20 \(the moment it went on air is not recorded\)\. /);
  assert.equal(r.timeline.some((m) => m.kind === 'on-air' || m.kind === 'live'), false);
  // Context only: not counted, not hashed (the hash is of the range's rows alone).
  const alone = buildReport({ target, rules: DEFAULT_RULES, events, range, observations: observations().filter((o) => o.at >= range.from && o.at <= range.to), now: NOW });
  assert.deepEqual([r.sha256, r.methodology.observations, r.joins, r.listeners.listenerMinutes], [alone.sha256, alone.methodology.observations, alone.joins, alone.listeners.listenerMinutes]);
  assert.deepEqual(r.joinFailures.map((e) => [e.from, e.to, e.failed]), [[at(40), at(43), 18]]);
  // join_failures fired 20:01:20 and resolved 20:12, before the range; outage overlaps it.
  assert.deepEqual(r.alerts.map((a) => a.rule), ['outage']);
  assert.deepEqual(claimsOf(events).filter((c) => c.at >= range.from && c.at <= range.to).length, 1);
  assert.equal(new ReportBuilder({ target, rules: DEFAULT_RULES, events, range }).claims().length, 1);
});

// ── Definitions, one table each ─────────────────────────────────────────────────────────────────

const live = (ms: number, listeners?: number, ok = true): Observation => ({ at: ms, state: 'live', ...(listeners === undefined ? {} : { listeners }), join: ok ? { ok: true, ms: 100 } : { ok: false, ms: 5000, error: 'http_5xx' } });
const mark = (ms: number, kind: 'program-start' | 'program-end' | 'note') => markEvent({ at: ms, kind });
const plain: Target = { id: 't', name: 't', source: { kind: 'json', url: 'http://x' }, intervalMs: 10_000 };

function report(obs: Observation[], events: TargetEvent[] = [], t: Target = plain, to = NOW) {
  return buildReport({ target: t, rules: DEFAULT_RULES, events, range: { to }, observations: obs, now: NOW });
}

test('on air, ended, duration: as the status defines them', () => {
  const cases: { name: string; obs: Observation[]; events?: TargetEvent[]; onAirAt?: number; onAirBy?: string; endedAt?: number; endedBy?: string; durationMs?: number }[] = [
    { name: 'live and joinable at once', obs: [live(T, 10), live(T + 10_000, 20)], onAirAt: T, onAirBy: 'data', durationMs: 10_000 },
    { name: 'never joinable', obs: [live(T, 10, false), live(T + 10_000, 20, false)] },
    { name: 'a program-start mark before the data', obs: [live(T, 10), live(T + 60_000, 20)], events: [mark(T - 30_000, 'program-start')], onAirAt: T - 30_000, onAirBy: 'mark', durationMs: 90_000 },
    {
      name: 'the source ends it',
      obs: [live(T, 10), { at: T + 10_000, state: 'ended' }, { at: T + 20_000, state: 'ended' }],
      onAirAt: T,
      onAirBy: 'data',
      endedAt: T + 10_000,
      endedBy: 'source',
      durationMs: 10_000,
    },
    { name: 'live again after an end: not ended', obs: [live(T, 10), { at: T + 10_000, state: 'ended' }, live(T + 20_000, 5)], onAirAt: T, durationMs: 20_000, onAirBy: 'data' },
    {
      name: 'a program-end mark after the source end: the source wins',
      obs: [live(T, 10), { at: T + 10_000, state: 'ended' }],
      events: [mark(T + 30_000, 'program-end')],
      onAirAt: T,
      onAirBy: 'data',
      endedAt: T + 10_000,
      endedBy: 'source',
      durationMs: 10_000,
    },
    {
      name: 'a program-end mark while still live (a 24/7 station)',
      obs: [live(T, 10), live(T + 10_000, 10), live(T + 20_000, 10)],
      events: [mark(T + 15_000, 'program-end')],
      onAirAt: T,
      onAirBy: 'data',
      endedAt: T + 15_000,
      endedBy: 'mark',
      durationMs: 15_000,
    },
  ];
  for (const c of cases) {
    const r = report(c.obs, c.events);
    assert.deepEqual(
      { onAirAt: r.onAirAt, onAirBy: r.onAirBy, endedAt: r.endedAt, endedBy: r.endedBy, durationMs: r.durationMs },
      { onAirAt: c.onAirAt, onAirBy: c.onAirBy, endedAt: c.endedAt, endedBy: c.endedBy, durationMs: c.durationMs },
      c.name,
    );
  }
});

test('delay: final once on air, running at the range end while never on air, none once ended', () => {
  const scheduled = { ...plain, schedule: { start: new Date(T).toISOString() } };
  assert.equal(report([live(T + 90_000, 1)], [], scheduled).delayMs, 90_000);
  assert.equal(report([live(T - 60_000, 1)], [], scheduled).delayMs, -60_000);
  assert.equal(report([live(T + 60_000, 1, false)], [], scheduled, T + 600_000).delayMs, 600_000);
  // Within the grace (2 min), not delayed yet.
  assert.equal(report([live(T + 60_000, 1, false)], [], scheduled, T + 100_000).delayMs, undefined);
  assert.equal(report([live(T + 60_000, 1, false), { at: T + 70_000, state: 'ended' }], [], scheduled, T + 600_000).delayMs, undefined);
  // A schedule the platform reported wins over the target's own.
  assert.equal(report([live(T + 90_000, 1)], [{ at: T - 3_600_000, type: 'source-schedule', data: { start: new Date(T + 60_000).toISOString() } }], scheduled).delayMs, 30_000);
});

test('liveAt: the first live observation or the platform\'s reported start, whichever is earlier', () => {
  const started = { at: T + 20_000, type: 'source-started', data: { at: new Date(T - 5000).toISOString() } };
  assert.equal(report([{ at: T - 10_000, state: 'scheduled' }, live(T, 1)]).liveAt, T);
  assert.equal(report([live(T, 1)], [started]).liveAt, T - 5000);
  assert.equal(report([{ at: T, state: 'scheduled' }]).liveAt, undefined);
});

test('listeners: peak, time-weighted mean over the on-air period, listener-minutes with gaps unbridged', () => {
  const cases: { name: string; obs: Observation[]; peak?: number; peakAt?: number; mean?: number; listenerMinutes?: number }[] = [
    // Flat 600 for 10 minutes: 6,000 listener-minutes.
    { name: 'flat', obs: Array.from({ length: 61 }, (_, i) => live(T + i * 10_000, 600)), peak: 600, peakAt: T, mean: 600, listenerMinutes: 6000 },
    // 0 → 1,200 over 2 minutes: mean 600, 1,200 listener-minutes.
    { name: 'ramp', obs: Array.from({ length: 13 }, (_, i) => live(T + i * 10_000, i * 100)), peak: 1200, peakAt: T + 120_000, mean: 600, listenerMinutes: 1200 },
    // 100 for a minute, 5 minutes unmeasured (failed probes carry no count), 400 for a minute: the gap adds nothing.
    {
      name: 'gap',
      obs: [
        ...Array.from({ length: 7 }, (_, i) => live(T + i * 10_000, 100)),
        ...Array.from({ length: 29 }, (_, i) => ({ at: T + 70_000 + i * 10_000, state: 'unknown' as const, join: { ok: false, ms: 5000, error: 'timeout' as const } })),
        ...Array.from({ length: 7 }, (_, i) => live(T + 360_000 + i * 10_000, 400)),
      ],
      peak: 400,
      peakAt: T + 360_000,
      mean: 250,
      listenerMinutes: 500,
    },
    // Exactly the gap limit (max(5 × 10 s, 60 s) = 60 s) is bridged: trapezoid 100 → 300 over a minute.
    { name: 'gap of exactly 60 s', obs: [live(T, 100), live(T + 60_000, 300)], peak: 300, peakAt: T + 60_000, mean: 200, listenerMinutes: 200 },
    { name: 'one count', obs: [live(T, 42)], peak: 42, peakAt: T, mean: 42, listenerMinutes: 0 },
    { name: 'equal peaks: the first', obs: [live(T, 5), live(T + 10_000, 9), live(T + 20_000, 9)], peak: 9, peakAt: T + 10_000, mean: 8, listenerMinutes: 3 },
    { name: 'no counts', obs: [{ at: T, state: 'live', join: { ok: true, ms: 1 } }] },
  ];
  for (const c of cases) {
    const l = report(c.obs).listeners;
    assert.deepEqual([l.peak, l.peakAt, l.mean, l.listenerMinutes], [c.peak, c.peakAt, c.mean, c.listenerMinutes], c.name);
  }
  // The mean covers the on-air period only. 10 for a minute, then 30 for a minute: on air from the
  // start, the mean is 20; joins failing until a program-start mark at the step, it is 30.
  const obs = [live(T, 10), live(T + 60_000, 10), live(T + 60_001, 30), live(T + 120_000, 30)];
  const early = report(obs);
  assert.deepEqual([early.onAirAt, early.listeners.mean, early.listeners.meanFrom, early.listeners.meanTo], [T, 20, T, T + 120_000]);
  const failing = obs.map((o) => ({ ...o, join: { ok: false, ms: 1, error: 'http_5xx' as const } }));
  const late = report(failing, [mark(T + 60_001, 'program-start')]);
  assert.deepEqual([late.onAirAt, late.onAirBy, late.listeners.mean, late.listeners.meanFrom], [T + 60_001, 'mark', 30, T + 60_001]);
  // Listener-minutes cover the whole range either way: 10 + 30 (and a millisecond's step).
  assert.deepEqual([early.listeners.listenerMinutes, late.listeners.listenerMinutes], [40, 40]);
});

test('join failures: buckets at the rule\'s bar, adjacent ones merged, codes counted', () => {
  const fail = (ms: number, error: 'http_5xx' | 'timeout' = 'http_5xx'): Observation => ({ at: ms, state: 'unknown', join: { ok: false, ms: 5000, error } });
  const minute = (m: number, failed: number, of = 6, error?: 'timeout') =>
    Array.from({ length: of }, (_, i) => (i < failed ? fail(T + m * 60_000 + i * 10_000, error) : live(T + m * 60_000 + i * 10_000, 1)));
  const cases: { name: string; obs: Observation[]; rules?: object; episodes: [number, number, number, number][] }[] = [
    { name: 'healthy', obs: minute(0, 1).concat(minute(1, 0)), episodes: [] },
    // 1 of 6 is 16.7 % < 20 %; 2 of 6 is 33 % ≥ 20 %.
    { name: 'at the rate', obs: minute(0, 1).concat(minute(1, 2), minute(2, 2), minute(3, 0), minute(4, 6)), episodes: [[1, 3, 4, 12], [4, 5, 6, 6]] },
    // 4 attempts < minAttempts 5, however many failed.
    { name: 'too few attempts', obs: minute(0, 4, 4), episodes: [] },
    { name: 'a minute without attempts splits episodes', obs: minute(0, 6).concat(minute(2, 6)), episodes: [[0, 1, 6, 6], [2, 3, 6, 6]] },
    { name: 'a target rule override', obs: minute(0, 1), rules: { join_failures: { rate: 0.1 } }, episodes: [[0, 1, 1, 6]] },
  ];
  for (const c of cases) {
    const r = buildReport({ target: plain, rules: effectiveRules(c.rules as never), events: [], range: { to: NOW }, observations: c.obs, now: NOW });
    assert.deepEqual(
      r.joinFailures.map((e) => [(e.from - T) / 60_000, (e.to - T) / 60_000, e.failed, e.attempts]),
      c.episodes,
      c.name,
    );
  }
  const codes = buildReport({ target: plain, rules: DEFAULT_RULES, events: [], range: { to: NOW }, observations: minute(0, 3).concat(minute(1, 2, 6, 'timeout')), now: NOW });
  assert.deepEqual(codes.joinFailures[0]!.codes, { http_5xx: 3, timeout: 2 });
  // A slowly polled target (30 s): 5 attempts need 2.5 minutes, so buckets are 3 minutes wide.
  const slow = buildReport({ target: { ...plain, intervalMs: 30_000 }, rules: DEFAULT_RULES, events: [], range: { to: NOW }, observations: Array.from({ length: 6 }, (_, i) => fail(T + i * 30_000)), now: NOW });
  assert.equal(slow.methodology.joinFailures.bucketMs, 180_000);
  assert.deepEqual(slow.joinFailures.map((e) => [e.from, e.to, e.failed]), [[T, T + 180_000, 6]]);
  // Not attempts: rows without a join, `ended` answers, and scheduled probes before the start.
  const scheduled = { ...plain, schedule: { start: new Date(T + 3_600_000).toISOString() } };
  const none = buildReport({
    target: scheduled,
    rules: DEFAULT_RULES,
    events: [],
    range: { to: NOW },
    observations: [
      ...Array.from({ length: 6 }, (_, i) => ({ at: T + i * 10_000, state: 'scheduled' as const, join: { ok: false, ms: 1, error: 'not_found' as const } })),
      ...Array.from({ length: 6 }, (_, i) => ({ at: T + 60_000 + i * 10_000, state: 'ended' as const, join: { ok: false, ms: 1, error: 'ended' as const } })),
      ...Array.from({ length: 6 }, (_, i) => ({ at: T + 120_000 + i * 10_000, state: 'live' as const, listeners: 5 })),
    ],
    now: NOW,
  });
  assert.deepEqual([none.joins, none.joinFailures], [{ attempts: 0, failed: 0 }, []]);
});

test('join failures: an episode is clipped to the range', () => {
  const obs = Array.from({ length: 12 }, (_, i): Observation => ({ at: T + i * 10_000, state: 'unknown', join: { ok: false, ms: 1, error: 'timeout' } }));
  const r = buildReport({ target: plain, rules: DEFAULT_RULES, events: [], range: { from: T + 30_000, to: T + 100_000 }, observations: obs.slice(3, 11), now: NOW });
  // Minute 0 holds 3 attempts in the range (< 5): not judged; minute 1 holds 5.
  assert.deepEqual(r.joinFailures.map((e) => [e.from, e.to, e.attempts]), [[T + 60_000, T + 100_000, 5]]);
});

test('alerts: firing paired with the next resolution of its rule', () => {
  const ev = (min: number, type: string, rule: string): TargetEvent => ({ at: T + min * 60_000, type: `alert-${type}`, data: { rule, summary: `${rule} ${type}` } });
  const events = [
    ev(0, 'pending', 'drop'),
    ev(1, 'resolved', 'drop'), // never fired: not an alert anyone saw
    ev(2, 'firing', 'outage'),
    ev(3, 'firing', 'outage'), // an engine restart re-announcing it: same episode
    ev(4, 'firing', 'delay'),
    ev(5, 'resolved', 'outage'),
    ev(6, 'firing', 'outage'),
  ];
  const all = buildReport({ target: plain, rules: DEFAULT_RULES, events, range: { to: NOW }, observations: [], now: NOW }).alerts;
  assert.deepEqual(all, [
    { rule: 'outage', firedAt: T + 120_000, resolvedAt: T + 300_000, summary: 'outage firing' },
    { rule: 'delay', firedAt: T + 240_000, summary: 'delay firing' },
    { rule: 'outage', firedAt: T + 360_000, summary: 'outage firing' },
  ]);
  // A range from minute 5:30 to 5:45: outage resolved at 5 (before it) is out; delay (still firing) is in;
  // the second outage fired after it.
  const some = buildReport({ target: plain, rules: DEFAULT_RULES, events, range: { from: T + 330_000, to: T + 345_000 }, observations: [], now: NOW }).alerts;
  assert.deepEqual(some.map((a) => a.rule), ['delay']);
});

const onAirEvent: TargetEvent = { at: EXPECTED.onAirAt, type: 'on-air', data: { scheduledStart: new Date(T).toISOString(), delayMs: EXPECTED.delayMs } };

test('on air before the range: the recorded moment counts, a previous show\'s mark does not', () => {
  const range = { from: at(20), to: at(45) };
  // The alert engine (or the import) recorded the on-air moment; an operator marked program-start for last week's show.
  const events: TargetEvent[] = [mark(T - 7 * 86_400_000, 'program-start'), onAirEvent];
  const r = ranged(range, events);
  assert.deepEqual([r.onAirAt, r.onAirBy, r.onAirBeforeRange, r.delayMs, r.durationMs], [EXPECTED.onAirAt, 'data', true, EXPECTED.delayMs, at(45) - EXPECTED.onAirAt]);
  // Outside the range, it is not a moment of the range's timeline.
  assert.equal(r.timeline.some((m) => m.kind === 'on-air'), false);
  assert.match(headline(r), /^Scheduled 2025-11-21 20:00 UTC; on air 20:10 \(10 min 10 s late\)\. /);
  // Without the record, the data before the range are not read far enough back to place it; last
  // week's mark does not stand in for it.
  const bare = ranged(range, events.slice(0, 1));
  assert.deepEqual([bare.onAirAt, bare.onAirBy, bare.onAirBeforeRange], [undefined, undefined, true]);
  // A program-start mark before `from` places it too.
  const marked = ranged(range, [mark(at(9), 'program-start')]);
  assert.deepEqual([marked.onAirAt, marked.onAirBy, marked.delayMs], [at(9), 'mark', 540_000]);
  // Already live and on air before `from`: what the events put inside the range (a reconnect's state
  // change, a later on-air record or mark) is not the first moment either.
  const later: TargetEvent[] = [
    { at: at(25), type: 'state-change', data: { from: 'unknown', to: 'live' } },
    { at: at(30), type: 'on-air', data: {} },
    mark(at(31), 'program-start'),
  ];
  const inside = ranged(range, later);
  assert.deepEqual([inside.liveAt, inside.onAirAt, inside.onAirBeforeRange, inside.delayMs], [undefined, undefined, true, undefined]);
});

test('a range starting inside the join storm: the minute before it keeps the first rows from passing the on-air test', () => {
  // from 20:05:20: the first row (20:05:20) succeeded its join, and alone it would be "on air, 5 min
  // 20 s late". With the minute before it (20:04:20–20:05:10: 2 of 6 joins succeeded) it fails, and
  // so does every row until 20:10:10, as in the whole report (scenario.ts).
  const range = { from: at(5, 20), to: at(45) };
  for (const events of [[], [onAirEvent]]) {
    const r = ranged(range, events);
    assert.deepEqual([r.onAirAt, r.onAirBy, r.onAirBeforeRange, r.delayMs], [EXPECTED.onAirAt, 'data', false, EXPECTED.delayMs], `${events.length} events`);
    assert.equal(r.timeline.find((m) => m.kind === 'on-air')?.at, EXPECTED.onAirAt);
    // Live since before the range, with no event saying when: not at 20:05:20.
    assert.equal(r.liveAt, undefined);
  }
  // Fed in pages of any size, the same.
  const obs = observations();
  const whole = ranged(range, []);
  for (const size of [1, 5, 40]) {
    const b = new ReportBuilder({ target, rules: DEFAULT_RULES, events: [], range, context: obs.filter((o) => o.at < range.from && o.at >= range.from - 60_000) });
    const inRange = obs.filter((o) => o.at >= range.from && o.at <= range.to);
    for (let i = 0; i < inRange.length; i += size) b.add(inRange.slice(i, i + size));
    assert.deepEqual(b.finish({ claims: [], now: NOW }), whole, `pages of ${size}`);
  }
});

test('liveAt before the range: a state change to live or the platform\'s start, not the range\'s first row', () => {
  const range = { from: at(20), to: at(45) };
  const stateChange: TargetEvent = { at: T, type: 'state-change', data: { from: 'scheduled', to: 'live' } };
  assert.equal(ranged(range, [stateChange, onAirEvent]).liveAt, T);
  const started: TargetEvent = { at: at(0, 30), type: 'source-started', data: { at: new Date(T - 2000).toISOString() } };
  assert.equal(ranged(range, [started]).liveAt, T - 2000);
  // A state change long before the scheduled start belongs to an earlier show.
  assert.equal(ranged(range, [{ ...stateChange, at: T - 2 * 86_400_000 }]).liveAt, undefined);
  // Not live in the minute before: the range's first live row is the moment.
  const fromStart = ranged({ from: T, to: at(45) }, []);
  assert.deepEqual([fromStart.liveAt, fromStart.onAirAt], [T, EXPECTED.onAirAt]);
});

test('mean: over the part of the on-air period inside the range', () => {
  // On air 20:10:10 (recorded), range 20:20–20:45: the mean covers 20:20–20:45 and says so. Counts:
  // 20:20–20:30 avg 16,000 × 600 = 9,600,000; 20:30–20:39:50 19,000 × 590 = 11,210,000; the outage
  // gap unbridged; 20:43–20:45 19,000 × 120 = 2,280,000 → 23,090,000 over 1,310 s = 17,625.95.
  const r = ranged({ from: at(20), to: at(45) }, [onAirEvent]);
  assert.deepEqual([r.listeners.mean, r.listeners.meanFrom, r.listeners.meanTo], [17_626, at(20), at(45)]);
  // On air before the range without a record: the same period, the same mean.
  assert.deepEqual(ranged({ from: at(20), to: at(45) }, []).listeners, r.listeners);
});
