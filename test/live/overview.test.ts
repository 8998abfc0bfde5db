// The overview row is a pure function of (target, status, rollups, raw rows, alerts, clock).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Alert } from '../../src/alerts/types.js';
import { OverviewFeed } from '../../src/live/overview-feed.js';
import { JOIN_WINDOW_MS, listenerPoints, PEAK_FALLBACK_MS, summarize, type SummaryInput } from '../../src/live/overview.js';
import type { TargetStatus } from '../../src/status/status.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Observation, Rollup, Target } from '../../src/types.js';

const NOW = Date.parse('2025-11-21T20:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const target: Target = { id: 'show', name: 'Show <b>', source: { kind: 'x-space', spaceId: '1' }, intervalMs: 5000 };
const onAir: TargetStatus = { status: 'on-air', onAirAt: NOW - 30 * MIN, scheduledStart: NOW - 32 * MIN, delayMs: 2 * MIN, reason: 'on air since 19:30:00' };
const offAir: TargetStatus = { status: 'off-air', reason: 'not on air (no schedule): no observation yet' };

const obs = (at: number, listeners?: number, join?: boolean): Observation => ({
  at,
  state: 'live',
  ...(listeners === undefined ? {} : { listeners }),
  ...(join === undefined ? {} : { join: join ? { ok: true, ms: 100 } : { ok: false, ms: 5000, error: 'http_5xx' as const } }),
});
const rollup = (at: number, max: number, last = max): Rollup => ({ at, count: 12, min: 0, max, mean: max / 2, last, joins: 0, failed: 0 });

const alert = (rule: Alert['rule'], state: Alert['state'], activeAt: number, targetId = 'show'): Alert => ({
  targetId,
  rule,
  state,
  activeAt,
  ...(state === 'pending' ? {} : { firedAt: activeAt + MIN }),
  condition: { rule, active: state !== 'resolved', value: 1, threshold: 0.5, summary: `${rule} summary` },
});

const base: SummaryInput = { target, status: onAir, rollups: [], raw: [], alerts: [], latestAt: undefined, now: NOW };

describe('summarize', () => {
  const cases: { name: string; input: Partial<SummaryInput>; expect: (s: ReturnType<typeof summarize>) => void }[] = [
    {
      name: 'no data at all: nulls, zero attempts, no alerts',
      input: { status: offAir },
      expect: (s) => {
        assert.deepEqual(s.listeners, { now: null, nowAt: null, peak: null, peakAt: null });
        assert.deepEqual(s.joins, { windowMs: JOIN_WINDOW_MS, attempts: 0, failed: 0, successRate: null });
        assert.deepEqual(s.alerts, []);
        assert.equal(s.lastAt, null);
        assert.deepEqual(s.status, { status: 'off-air', reason: offAir.reason });
      },
    },
    {
      name: 'identity and the status view (ISO times)',
      input: {},
      expect: (s) => {
        assert.deepEqual([s.id, s.name, s.kind, s.intervalMs], ['show', 'Show <b>', 'x-space', 5000]);
        assert.deepEqual(s.status, { status: 'on-air', scheduledStart: iso(NOW - 32 * MIN), onAirAt: iso(NOW - 30 * MIN), delayMs: 2 * MIN, reason: onAir.reason });
      },
    },
    {
      name: 'now is the newest count; a newer row without one (failed probe) leaves it as last known',
      input: { raw: [obs(NOW - 20_000, 500, true), obs(NOW - 10_000, 700, true), obs(NOW - 5000, undefined, false)], latestAt: NOW - 5000 },
      expect: (s) => {
        assert.equal(s.listeners.now, 700);
        assert.equal(s.listeners.nowAt, iso(NOW - 10_000));
        assert.equal(s.lastAt, iso(NOW - 5000));
      },
    },
    {
      name: 'peak from raw rows: the first instant it was reached',
      input: { raw: [obs(NOW - 30_000, 900), obs(NOW - 20_000, 900), obs(NOW - 10_000, 800)] },
      expect: (s) => assert.deepEqual([s.listeners.peak, s.listeners.peakAt], [900, iso(NOW - 30_000)]),
    },
    {
      name: 'peak from a rollup beats a lower raw row; only its minute is known',
      input: { rollups: [rollup(NOW - 20 * MIN, 5000, 4000)], raw: [obs(NOW - 10_000, 800)] },
      expect: (s) => assert.deepEqual([s.listeners.peak, s.listeners.peakAt, s.listeners.now], [5000, iso(NOW - 20 * MIN), 800]),
    },
    {
      name: 'the peak rollup\'s raw rows (read by the loader) give the exact instant',
      input: { rollups: [rollup(NOW - 20 * MIN, 5000)], raw: [obs(NOW - 20 * MIN + 15_000, 4900), obs(NOW - 20 * MIN + 35_000, 5000), obs(NOW - 10_000, 800)] },
      expect: (s) => assert.deepEqual([s.listeners.peak, s.listeners.peakAt], [5000, iso(NOW - 20 * MIN + 35_000)]),
    },
    {
      name: 'on air: the peak ignores what came before the broadcast\'s minute',
      input: { rollups: [rollup(NOW - 45 * MIN, 9999), rollup(NOW - 25 * MIN, 300)] },
      expect: (s) => assert.equal(s.listeners.peak, 300),
    },
    {
      name: 'never on air: the peak covers the last 24 hours',
      input: { status: offAir, rollups: [rollup(NOW - PEAK_FALLBACK_MS - 2 * MIN, 9999), rollup(NOW - 23 * 60 * MIN, 1200)] },
      expect: (s) => assert.deepEqual([s.listeners.peak, s.listeners.now], [1200, 1200]),
    },
    {
      name: 'joins over the last five minutes only: attempts, failures, success rate',
      input: { raw: [obs(NOW - JOIN_WINDOW_MS - 1000, 1, false), obs(NOW - 60_000, 1, true), obs(NOW - 40_000, 1, true), obs(NOW - 20_000, 1, true), obs(NOW - 1000, 1, false), obs(NOW - 500, 1)] },
      expect: (s) => assert.deepEqual(s.joins, { windowMs: JOIN_WINDOW_MS, attempts: 4, failed: 1, successRate: 0.75 }),
    },
    {
      name: 'every join failed: success rate 0, not null',
      input: { raw: [obs(NOW - 2000, undefined, false), obs(NOW - 1000, undefined, false)] },
      expect: (s) => assert.deepEqual(s.joins, { windowMs: JOIN_WINDOW_MS, attempts: 2, failed: 2, successRate: 0 }),
    },
    {
      name: 'alerts: this target\'s open ones, firing first then oldest; resolved and other targets\' left out',
      input: {
        alerts: [
          alert('drop', 'pending', NOW - 1000),
          alert('outage', 'firing', NOW - 5 * MIN),
          alert('join_failures', 'firing', NOW - 9 * MIN),
          alert('delay', 'resolved', NOW - 60 * MIN),
          alert('stall', 'firing', NOW - MIN, 'other'),
        ],
      },
      expect: (s) =>
        assert.deepEqual(s.alerts, [
          { rule: 'join_failures', state: 'firing', activeAt: iso(NOW - 9 * MIN), firedAt: iso(NOW - 8 * MIN), summary: 'join_failures summary' },
          { rule: 'outage', state: 'firing', activeAt: iso(NOW - 5 * MIN), firedAt: iso(NOW - 4 * MIN), summary: 'outage summary' },
          { rule: 'drop', state: 'pending', activeAt: iso(NOW - 1000), summary: 'drop summary' },
        ]),
    },
    {
      name: 'rows after now (a clock ahead of ours) count for nothing yet',
      input: { raw: [obs(NOW - 1000, 10, true), obs(NOW + 5000, 99, false)] },
      expect: (s) => {
        assert.deepEqual([s.listeners.now, s.listeners.peak], [10, 10]);
        assert.deepEqual([s.joins.attempts, s.joins.failed], [1, 0]);
      },
    },
  ];
  for (const c of cases) test(c.name, () => c.expect(summarize({ ...base, ...c.input })));
});

describe('listenerPoints', () => {
  test('flags values known only to the minute, so the loader reads that minute', () => {
    const p = listenerPoints({ status: onAir, now: NOW, rollups: [rollup(NOW - 20 * MIN, 5000, 4000), rollup(NOW - 2 * MIN, 100, 90)], raw: [] });
    assert.deepEqual(p.peak, { value: 5000, at: NOW - 20 * MIN, exact: false });
    assert.deepEqual(p.now, { value: 90, at: NOW - 2 * MIN, exact: false });
    assert.equal(p.peakFrom, onAir.onAirAt);
  });
});

describe('OverviewFeed.current (memory store)', () => {
  test('the peak read from rollups gets its exact instant; targets by id; alerts joined', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    const t0 = now - 20 * MIN - (now % MIN);
    await store.putTarget({ ...target, id: 'b-show' });
    await store.putTarget({ ...target, id: 'a-quiet', name: 'Quiet' });
    // 20 minutes every 10 s; the peak (9000) 40 s into the third minute, far outside the raw window.
    const rows: Observation[] = [];
    for (let at = t0; at < now - 1000; at += 10_000) rows.push(obs(at, at === t0 + 2 * MIN + 40_000 ? 9000 : 1000, true));
    await store.append(rows.map((o) => ({ targetId: 'b-show', obs: o })));
    await store.putAlert(alert('drop', 'firing', now - MIN, 'b-show'));

    const o = await new OverviewFeed({ store, tickMs: 1000, refreshMs: 5000 }).current();
    assert.deepEqual(o.targets.map((t) => t.id), ['a-quiet', 'b-show']);
    const show = o.targets[1]!;
    // Never on air by the rules (no state events, no schedule): the peak is over 24 h.
    assert.deepEqual([show.listeners.peak, show.listeners.peakAt], [9000, iso(t0 + 2 * MIN + 40_000)]);
    assert.deepEqual([show.listeners.now, show.lastAt], [1000, iso(rows.at(-1)!.at)]);
    assert.equal(show.joins.failed, 0);
    assert.equal(show.joins.attempts, rows.filter((r) => r.at > now - JOIN_WINDOW_MS).length);
    assert.deepEqual(show.alerts.map((a) => a.rule), ['drop']);
    assert.deepEqual(o.targets[0]!.listeners, { now: null, nowAt: null, peak: null, peakAt: null });
    await store.close();
  });

  test('a peak older than the hour of raw rows, and a newest row before it: exact instants from one-minute reads', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    const t0 = now - 3 * 60 * MIN - (now % MIN);
    await store.putTarget(target);
    const rows: Observation[] = [];
    // Two hours every 10 s, ending 70 minutes ago: nothing in the last hour.
    for (let at = t0; at < t0 + 2 * 60 * MIN; at += 10_000) rows.push(obs(at, at === t0 + 30 * MIN + 20_000 ? 7000 : at === t0 + 119 * MIN + 50_000 ? 321 : 1000));
    await store.append(rows.map((o) => ({ targetId: 'show', obs: o })));

    const o = await new OverviewFeed({ store, tickMs: 1000, refreshMs: 5000 }).current();
    const show = o.targets[0]!;
    assert.deepEqual([show.listeners.peak, show.listeners.peakAt], [7000, iso(t0 + 30 * MIN + 20_000)]);
    assert.deepEqual([show.listeners.now, show.listeners.nowAt, show.lastAt], [321, iso(t0 + 119 * MIN + 50_000), iso(t0 + 119 * MIN + 50_000)]);
    assert.deepEqual(show.joins, { windowMs: JOIN_WINDOW_MS, attempts: 0, failed: 0, successRate: null });
    await store.close();
  });
});
