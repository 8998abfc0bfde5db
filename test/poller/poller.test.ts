import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createPoller, type PollerSettings } from '../../src/poller/poller.js';
import type { Sources } from '../../src/sources/index.js';
import type { Probe, ProbeResult, SourceDefinition } from '../../src/sources/source.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import type { Target } from '../../src/types.js';
import { Type } from '@sinclair/typebox';

// These tests pin the scheduler's properties (interval, no overlap, concurrency bound, timeouts,
// backpressure) with probes registered for the test, so each property is isolated from network
// timing. The poller against real HTTP (the simulator) is in poller-simulator.test.ts.

const silent = pino({ level: 'silent' });

const SETTINGS: PollerSettings = {
  concurrency: 64,
  defaultIntervalMs: 1000,
  defaultTimeoutMs: 1000,
  maxResponseBytes: 1 << 20,
  jitter: 0,
  bufferLimit: 10_000,
  flushIntervalMs: 20,
  flushBatchSize: 500,
};

function source(probe: Probe): Sources {
  const def: SourceDefinition = { kind: 'test', configSchema: Type.Object({ kind: Type.Literal('test') }), probe, description: 'test' };
  return { test: def };
}

const ok = (listeners = 1): ProbeResult => ({ state: 'live', listeners, join: { ok: true, ms: 1 } });

function target(id: string, intervalMs: number, extra: Partial<Target> = {}): Target {
  return { id, name: id, source: { kind: 'test' }, intervalMs, origin: 'api', ...extra };
}

async function withPoller(
  store: Store,
  sources: Sources,
  settings: Partial<PollerSettings>,
  body: (p: ReturnType<typeof createPoller>, registry: Registry) => Promise<void>,
) {
  const registry = new Registry();
  const poller = createPoller({ store, sources, log: silent, registry, settings: { ...SETTINGS, ...settings }, drainTimeoutMs: 300 });
  await poller.start();
  try {
    await body(poller, registry);
  } finally {
    await poller.stop();
  }
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  if (!m) return 0;
  return (m.values as { value: number; labels: Record<string, string | number>; metricName?: string }[])
    .filter((v) => !v.metricName || v.metricName === name || v.metricName === `${name}_count`)
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((s, v) => s + v.value, 0);
}

describe('poller scheduling', () => {
  test('probes each target at its own interval and writes one observation per probe', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('fast', 250));
    await store.putTarget(target('slow', 1000));
    const probes: Record<string, number> = { fast: 0, slow: 0 };
    await withPoller(store, source(async (t) => (probes[t.id]!++, ok())), {}, async () => {
      await sleep(2600);
    });
    // The first probe lands at a random point of the first interval, then one per interval.
    assert.ok(probes.fast! >= 8 && probes.fast! <= 11, `fast probed ${probes.fast} times in 2.6 s at 250 ms`);
    assert.ok(probes.slow! >= 2 && probes.slow! <= 3, `slow probed ${probes.slow} times in 2.6 s at 1 s`);
    const rows = await store.range('fast', 0, Date.now());
    assert.equal(rows.length, probes.fast, 'one observation per probe');
    assert.ok(rows.every((r) => r.join?.ok === true && r.listeners === 1 && r.state === 'live'));
  });

  test('never runs two probes of one target at once, and counts the skipped slots', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('slowprobe', 250));
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    await withPoller(
      store,
      source(async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(600);
        running--;
        return ok();
      }),
      {},
      async (_p, registry) => {
        await sleep(2500);
        assert.ok((await metricValue(registry, 'spacewatch_poll_skipped_total')) >= 2, 'overrun slots are counted as skipped');
      },
    );
    assert.equal(maxRunning, 1);
    assert.ok(calls >= 3 && calls <= 5, `a 600 ms probe at 250 ms interval ran ${calls} times in 2.5 s`);
  });

  test('keeps at most `concurrency` probes in flight', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 20; i++) await store.putTarget(target(`t${i}`, 250));
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    await withPoller(
      store,
      source(async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(100);
        running--;
        return ok();
      }),
      { concurrency: 4 },
      async () => {
        await sleep(1500);
      },
    );
    assert.equal(maxRunning, 4);
    assert.ok(calls >= 30, `with 4 slots of 100 ms, 1.5 s should run about 60 probes; ran ${calls}`);
  });

  test('keeps a bounded number of timers, however many probes have run (one scheduler timer, not one per finished probe)', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 50; i++) await store.putTarget(target(`timer${i}`, 250));
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    let calls = 0;
    await withPoller(store, source(async () => (calls++, ok())), {}, async () => {
      await sleep(1500);
      // Per probe in flight: its timeout and its hung-probe backstop; plus the scheduler, the
      // refresh interval and the write buffer. Not one per probe that has finished.
      assert.ok(timers() - before < 20, `${timers() - before} timers pending after ${calls} probes`);
    });
    assert.ok(calls >= 200, `${calls} probes ran`);
  });

  test('a probe that ignores its timeout is abandoned as `timeout` and other targets keep their schedule', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('hangs', 300, { timeoutMs: 200 }));
    await store.putTarget(target('healthy', 250));
    await withPoller(
      store,
      source(async (t) => (t.id === 'hangs' ? new Promise<ProbeResult>(() => {}) : ok())),
      {},
      async (_p, registry) => {
        await sleep(2000);
        assert.ok((await metricValue(registry, 'spacewatch_probe_hung_total')) >= 1);
      },
    );
    const hung = await store.range('hangs', 0, Date.now());
    assert.ok(hung.length >= 1);
    assert.ok(hung.every((o) => o.join?.ok === false && o.join.error === 'timeout'));
    const healthy = await store.range('healthy', 0, Date.now());
    assert.ok(healthy.length >= 6, `healthy target probed ${healthy.length} times in 2 s at 250 ms`);
  });

  test('a probe that throws is recorded as a failed join and polling goes on', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('throws', 250));
    await withPoller(store, source(async () => { throw new Error('bug'); }), {}, async () => {
      await sleep(900);
    });
    const rows = await store.range('throws', 0, Date.now());
    assert.ok(rows.length >= 2, 'it is polled again after throwing');
    assert.ok(rows.every((o) => o.join?.ok === false && o.join.error === 'invalid_payload' && o.state === 'unknown'));
  });

  test('honours notBefore (a 429 with x-rate-limit-reset)', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('limited', 250));
    const times: number[] = [];
    await withPoller(
      store,
      source(async () => {
        times.push(Date.now());
        return { state: 'unknown', join: { ok: false, ms: 1, error: 'rate_limited' }, notBefore: Date.now() + 1000 };
      }),
      {},
      async () => {
        await sleep(2400);
      },
    );
    assert.ok(times.length >= 2 && times.length <= 3, `probed ${times.length} times`);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 990, 'waited for the reset time');
  });

  test('a changed source drops a rate-limit wait the old config earned', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('quota', 250));
    const calls: string[] = [];
    await withPoller(
      store,
      source(async (t) => {
        calls.push(String(t.source.key ?? 'old'));
        return { state: 'unknown', join: { ok: false, ms: 1, error: 'rate_limited' }, notBefore: Date.now() + 60_000 };
      }),
      {},
      async (poller) => {
        await sleep(600);
        assert.deepEqual(calls, ['old'], 'waits for the reset');
        await store.putTarget(target('quota', 250, { source: { kind: 'test', key: 'new' } }));
        await poller.refresh();
        await sleep(600);
        assert.deepEqual(calls, ['old', 'new'], 'the new config is probed without waiting out the old limit');
      },
    );
  });

  test('adds the time a source asks for (a dead-air check) to the probe’s timeout', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('lvl', 250, { timeoutMs: 2_000 }));
    const budgets: number[] = [];
    const base = source(async (_t, ctx) => (budgets.push(ctx.timeoutMs), ok()));
    const sources: Sources = { test: { ...base.test!, extraTimeMs: () => 6_000 } };
    await withPoller(store, sources, {}, async () => {
      await sleep(400);
    });
    assert.ok(budgets.length >= 1);
    assert.ok(budgets.every((b) => b === 8_000), `budgets ${budgets.join(', ')}`);
  });

  test('picks up added, changed and removed targets on refresh', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('a', 250));
    const seen = new Set<string>();
    await withPoller(store, source(async (t) => (seen.add(t.id), ok())), {}, async (poller) => {
      await sleep(400);
      assert.deepEqual([...seen], ['a']);
      await store.putTarget(target('b', 250));
      await store.deleteTarget('a');
      await poller.refresh();
      seen.clear();
      await sleep(600);
      assert.deepEqual([...seen], ['b']);
      assert.equal(poller.stats().targets, 1);
    });
  });

  test('records metrics: poll lag, probe duration, join attempts by result, listeners', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('m', 250));
    let n = 0;
    await withPoller(
      store,
      source(async () => (++n % 2 ? ok(42) : { state: 'live', join: { ok: false, ms: 5, error: 'http_5xx' } })),
      {},
      async (_p, registry) => {
        await sleep(1200);
        assert.ok((await metricValue(registry, 'spacewatch_poll_lag_seconds')) >= 3);
        assert.ok((await metricValue(registry, 'spacewatch_probe_duration_seconds', { source: 'test' })) >= 3);
        assert.ok((await metricValue(registry, 'spacewatch_join_attempts_total', { target: 'm', result: 'ok' })) >= 2);
        assert.ok((await metricValue(registry, 'spacewatch_join_attempts_total', { target: 'm', result: 'http_5xx' })) >= 1);
        assert.ok((await metricValue(registry, 'spacewatch_probe_failures_total', { source: 'test', code: 'http_5xx' })) >= 1);
        assert.equal(await metricValue(registry, 'spacewatch_listeners', { target: 'm' }), 42);
      },
    );
  });

  test('writes a state-change event when the reported state changes', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('s', 250));
    let n = 0;
    // A failed probe (state unknown) between scheduled and live is not a change of its own.
    const states = ['scheduled', 'unknown', 'scheduled', 'live', 'unknown', 'live'] as const;
    await withPoller(store, source(async () => ({ ...ok(), state: states[Math.min(n++, states.length - 1)]! })), {}, async () => {
      await sleep(1800);
    });
    const events = await store.events('s', 0, Date.now());
    const changes = events.filter((e) => e.type === 'state-change');
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.data, { from: 'scheduled', to: 'live' });
  });
});

describe('probe events', () => {
  test('events a probe reports land on the target’s event stream at the probe’s instant', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('ev', 250));
    let n = 0;
    await withPoller(
      store,
      source(async () => ({ ...ok(), ...(++n === 2 ? { events: [{ type: 'source-reconnect', data: { peakBefore: 12 } }] } : {}) })),
      {},
      async () => {
        await sleep(900);
      },
    );
    const events = (await store.events('ev', 0, Date.now())).filter((e) => e.type === 'source-reconnect');
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.data, { peakBefore: 12 });
    const second = (await store.range('ev', 0, Date.now()))[1]!;
    assert.equal(events[0]!.at, second.at);
  });
});

describe('source-reported times', () => {
  test('schedule, start and end the platform reports become events once per change', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('yt', 250));
    const start = Date.UTC(2024, 7, 13, 0, 0, 0);
    let n = 0;
    await withPoller(
      store,
      source(async () => {
        n++;
        const r: ProbeResult = { ...ok(), schedule: { start, end: start + 3_600_000 } };
        if (n >= 3) r.startedAt = start + 2_590_000;
        if (n >= 5) r.schedule = { start: start + 600_000 };
        return r;
      }),
      {},
      async () => {
        await sleep(1700);
      },
    );
    const events = await store.events('yt', 0, Date.now());
    const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.data);
    assert.deepEqual(of('source-schedule'), [
      { start: '2024-08-13T00:00:00.000Z', end: '2024-08-13T01:00:00.000Z' },
      { start: '2024-08-13T00:10:00.000Z' },
    ]);
    assert.deepEqual(of('source-started'), [{ at: '2024-08-13T00:43:10.000Z' }]);
    assert.deepEqual(of('source-ended'), []);
  });
});

describe('write buffer backpressure', () => {
  test('a store that cannot write keeps memory bounded and counts dropped observations', async () => {
    const store = new MemoryStore();
    await store.putTarget(target('w', 250));
    for (let i = 0; i < 30; i++) await store.putTarget(target(`w${i}`, 250));
    // The store goes away: every append fails.
    store.append = async () => {
      throw new Error('store down');
    };
    await withPoller(store, source(async () => ok()), { bufferLimit: 50, flushIntervalMs: 10 }, async (poller, registry) => {
      await sleep(1500);
      assert.ok(poller.stats().buffered <= 50, `buffer holds ${poller.stats().buffered}`);
      assert.ok((await metricValue(registry, 'spacewatch_observations_dropped_total')) > 0);
      assert.ok((await metricValue(registry, 'spacewatch_store_write_errors_total')) > 0);
    });
  });
});
