import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAlertEngine } from '../../src/alerts/engine.js';
import { claimEvent } from '../../src/claims/claim.js';
import type { Transition } from '../../src/alerts/types.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Observation, Target } from '../../src/types.js';

// The engine with real detectors, the real lifecycle and a real store, on an injected clock: each
// observation is evaluated at once, transitions land in the event stream and the alert table, the
// metric follows, and the notifier hears firing and resolved.

const T0 = Date.UTC(2024, 7, 13, 0, 0, 0);

function setup(rules: Target['rules']) {
  let clock = T0;
  const store = new MemoryStore();
  const registry = new Registry();
  const heard: Transition[] = [];
  const engine = createAlertEngine({ store, log: pino({ level: 'silent' }), registry, now: () => clock, notify: (t) => heard.push(t), minClearForMs: 10_000, tickMs: 60_000 });
  const target: Target = { id: 'sp', name: 'sp', source: { kind: 'x-space' }, intervalMs: 1_000, rules };
  return {
    store,
    registry,
    heard,
    engine,
    target,
    set: (ms: number) => (clock = T0 + ms),
    async feed(ms: number, ok: boolean, listeners = 1000) {
      clock = T0 + ms;
      const obs: Observation = { at: clock, state: 'live', listeners, join: ok ? { ok: true, ms: 80 } : { ok: false, ms: 5, error: 'http_5xx' } };
      await store.append([{ targetId: 'sp', obs }]);
      engine.observe(target, obs);
      return engine.evaluate('sp');
    },
  };
}

describe('alert engine', () => {
  test('join failures: pending → firing after for → resolved after the hysteresis, all recorded and notified', async () => {
    const s = setup({ join_failures: { rate: 0.5, windowMs: 5_000, minAttempts: 3, forMs: 3_000 } });
    await s.engine.start();
    for (let i = 0; i < 5; i++) await s.feed(i * 1000, true);
    const log: string[] = [];
    const jf = (ts: Transition[]) => ts.filter((t) => t.alert.rule === 'join_failures');
    for (let i = 5; i < 15; i++) for (const t of jf(await s.feed(i * 1000, false))) log.push(`${i}:${t.from}→${t.to}`);
    for (let i = 15; i < 40; i++) for (const t of jf(await s.feed(i * 1000, true))) log.push(`${i}:${t.from}→${t.to}`);
    // 5 s window, ≥ 50 % failed: true from the 3rd failure of 5 (at 7 s: 3/5); fires 3 s later;
    // clears when the share falls below half (at 18 s) and resolves 10 s after that.
    assert.deepEqual(log, ['7:inactive→pending', '10:pending→firing', '28:firing→resolved']);

    const events = (await s.store.events('sp', 0, T0 + 60_000)).filter((e) => e.type.startsWith('alert-') && e.data?.rule === 'join_failures');
    assert.deepEqual(events.map((e) => [e.type, e.at - T0]), [['alert-pending', 7_000], ['alert-firing', 10_000], ['alert-resolved', 28_000]]);
    assert.equal(events[1]!.data!.rule, 'join_failures');
    assert.equal(typeof events[1]!.data!.value, 'number');
    assert.match(String(events[1]!.data!.summary), /fail/i);

    const alert = (await s.store.listAlerts()).find((a) => a.rule === 'join_failures');
    assert.deepEqual([alert!.rule, alert!.state, alert!.firedAt! - T0, alert!.resolvedAt! - T0], ['join_failures', 'resolved', 10_000, 28_000]);
    assert.deepEqual(jf(s.heard).map((t) => t.to), ['pending', 'firing', 'resolved']);
    const metric = (await s.registry.getSingleMetric('spacewatch_alerts_firing')!.get()).values.find((v) => v.labels.rule === 'join_failures');
    assert.equal(metric?.value, 0);
    await s.engine.stop();
  });

  test('a firing alert survives a restart of the engine: not fired again, only refreshed for Alertmanager', async () => {
    const s = setup({ join_failures: { rate: 0.5, windowMs: 5_000, minAttempts: 3, forMs: 0 } });
    await s.engine.start();
    const jfTo = () => s.heard.filter((t) => t.alert.rule === 'join_failures').map((t) => `${t.from}→${t.to}`);
    for (let i = 0; i < 4; i++) await s.feed(i * 1000, false);
    assert.deepEqual(jfTo(), ['inactive→firing']);
    await s.engine.stop();

    const again = createAlertEngine({ store: s.store, log: pino({ level: 'silent' }), registry: new Registry(), now: () => T0 + 5_000, notify: (t) => s.heard.push(t), tickMs: 60_000 });
    await again.start();
    const obs: Observation = { at: T0 + 5_000, state: 'live', listeners: 1, join: { ok: false, ms: 5, error: 'timeout' } };
    await s.store.append([{ targetId: 'sp', obs }]);
    again.observe(s.target, obs);
    assert.deepEqual((await again.evaluate('sp')).filter((t) => t.alert.rule === 'join_failures'), []);
    assert.deepEqual(jfTo(), ['inactive→firing', 'firing→firing']);
    await again.stop();
  });

  test('no data: the newest observation stays in view however old, so the outage does not resolve itself', async () => {
    const s = setup({ outage: { noDataMs: 30_000 } });
    await s.engine.start();
    await s.feed(0, true);
    for (const ms of [40_000, 400_000, 4_000_000]) {
      s.set(ms);
      await s.engine.evaluate('sp');
    }
    const outage = (await s.store.listAlerts()).find((a) => a.rule === 'outage');
    assert.equal(outage?.state, 'firing');
    assert.equal(s.heard.filter((t) => t.alert.rule === 'outage').map((t) => t.to).join(','), 'firing');
    await s.engine.stop();
  });

  test('a claim gap keeps firing after the claim’s instant has left the window', async () => {
    const s = setup({ claim_gap: { ratio: 2 }, outage: { enabled: false }, drop: { enabled: false } });
    await s.engine.start();
    await s.feed(0, true, 1_000);
    await s.store.appendEvent('sp', { at: T0, type: 'claim', data: { metric: 'listeners', value: 60_000_000, claimant: 'host' } });
    s.set(3_000);
    await s.engine.evaluate('sp');
    const fired = () => s.heard.filter((t) => t.alert.rule === 'claim_gap').map((t) => t.to);
    assert.deepEqual(fired(), ['firing']);
    // An hour on, polling goes on at 1,000 listeners; the claim's instant is long out of the window.
    for (let i = 0; i < 15; i++) await s.feed(3_600_000 + i * 1000, true, 1_000);
    assert.deepEqual(fired(), ['firing'], 'not resolved for want of a measurement');
    const alert = (await s.store.listAlerts()).find((a) => a.rule === 'claim_gap');
    assert.equal(alert?.state, 'firing');
    assert.equal(alert?.condition.value, 60_000);
    await s.engine.stop();
  });

  test('a long outage after going on air is an outage, not a delay: the on-air moment is recorded', async () => {
    const s = setup({ delay: { graceMs: 60_000 }, outage: { noDataMs: 30_000 } });
    const scheduled: Target = { ...s.target, schedule: { start: new Date(T0).toISOString() } };
    await s.engine.start();
    const feed = async (ms: number, ok: boolean) => {
      s.set(ms);
      const obs: Observation = { at: T0 + ms, state: ok ? 'live' : 'unknown', ...(ok ? { listeners: 500 } : {}), join: ok ? { ok: true, ms: 80 } : { ok: false, ms: 5, error: 'timeout' } };
      await s.store.append([{ targetId: 'sp', obs }]);
      s.engine.observe(scheduled, obs);
      return s.engine.evaluate('sp');
    };
    for (let i = 0; i < 5; i++) await feed(i * 1000, true);
    const onAir = (await s.store.events('sp', 0, T0 + 10_000_000)).filter((e) => e.type === 'on-air');
    assert.equal(onAir.length, 1);
    assert.equal(onAir[0]!.at, T0);
    // Twenty minutes of failed probes: far longer than any rule's window.
    for (let i = 0; i < 120; i++) await feed(10_000 + i * 10_000, false);
    const rules = new Set(s.heard.filter((t) => t.to === 'firing').map((t) => t.alert.rule));
    assert.ok(rules.has('outage'));
    assert.ok(!rules.has('delay'), 'no delay alert for a show that started on time');
    assert.equal((await s.store.events('sp', 0, T0 + 10_000_000)).filter((e) => e.type === 'on-air').length, 1, 'recorded once');
    await s.engine.stop();
  });

  test('events written meanwhile are followed by ID between full reads: a claim is judged within seconds, the stream is read whole once', async () => {
    const s = setup({ claim_gap: { forMs: 0 } });
    let fullReads = 0;
    const events = s.store.events.bind(s.store);
    s.store.events = (...args) => {
      fullReads++;
      return events(...args);
    };
    await s.engine.start();
    for (let i = 0; i < 5; i++) await s.feed(i * 1000, true);
    await s.store.appendEvent('sp', claimEvent({ at: T0 + 4000, metric: 'listeners', value: 60_000_000, claimant: 'host' }));
    const rules: string[] = [];
    for (let i = 5; i < 12; i++) for (const t of await s.feed(i * 1000, true)) if (t.alert.rule === 'claim_gap') rules.push(`${i}:${t.to}`);
    assert.deepEqual(rules, ['6:firing'], 'seen at the first read by ID after it was written (reads every 2 s: at 3 s, 6 s)');
    assert.equal(fullReads, 1, 'one full read of the event stream within reloadMs');
    await s.engine.stop();
  });

  test('a deleted target: its firing alert resolves for the metric and the notifiers; one taken over by another poller is forgotten here, silently', async () => {
    const store = new MemoryStore();
    const registry = new Registry();
    const heard: Transition[] = [];
    const held = new Set(['gone', 'moved']);
    let clock = T0;
    const engine = createAlertEngine({ store, log: pino({ level: 'silent' }), registry, now: () => clock, notify: (t) => heard.push(t), holds: (id) => held.has(id), tickMs: 10 });
    await engine.start();
    for (const id of held) {
      const target: Target = { id, name: id, source: { kind: 'x-space' }, intervalMs: 1_000, rules: { outage: { consecutiveFailures: 2, forMs: 0 } } };
      await store.putTarget(target);
      for (let i = 0; i < 3; i++) {
        clock = T0 + i * 1000;
        const obs: Observation = { at: clock, state: 'unknown', join: { ok: false, ms: 5, error: 'timeout' } };
        await store.append([{ targetId: id, obs }]);
        engine.observe(target, obs);
        await engine.evaluate(id);
      }
    }
    const firingNow = async () => (await registry.getSingleMetric('spacewatch_alerts_firing')!.get()).values.filter((v) => v.value === 1).map((v) => v.labels.target).sort();
    assert.deepEqual(await firingNow(), ['gone', 'moved']);
    heard.length = 0;

    await store.deleteTarget('gone');
    held.clear(); // 'gone' is deleted; 'moved' still exists, held by another poller now
    const deadline = Date.now() + 5000;
    while (heard.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(heard.map((t) => [t.alert.targetId, t.alert.rule, t.from, t.to]), [['gone', 'outage', 'firing', 'resolved']]);
    assert.match(heard[0]!.alert.condition.summary, /^target deleted/);
    assert.deepEqual(await firingNow(), [], 'the taken-over alert is exported by its new owner, not here');
    assert.deepEqual(await store.listAlerts().then((a) => a.map((x) => x.targetId)), ['moved'], 'nothing written back for the deleted target; the moved one kept for its new owner');
    await engine.stop();
  });
});

