import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { Agent } from 'undici';
import { runProbe, type RunProbeOptions } from '../../src/poller/run-probe.js';
import type { Probe, SourceDefinition } from '../../src/sources/source.js';
import type { Target } from '../../src/types.js';

const target: Target = { id: 't', name: 't', source: { kind: 'test' }, intervalMs: 1000 };
const def = (probe: Probe): SourceDefinition => ({ kind: 'test', configSchema: Type.Object({}), probe, description: '' });

function options(stop: AbortSignal, timeoutMs = 200): RunProbeOptions {
  return { timeoutMs, maxBytes: 1024, dispatcher: new Agent(), env: {}, log: pino({ level: 'silent' }), now: Date.now, memory: {}, stopSignal: stop };
}

describe('runProbe', () => {
  test('leaves nothing attached to the poller’s long-lived stop signal, however many probes run', async () => {
    const stop = new AbortController();
    const ok = def(async () => ({ state: 'live', join: { ok: true, ms: 1 } }));
    for (let i = 0; i < 2_000; i++) await runProbe(ok, target, options(stop.signal));
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
  });

  test('the probe’s signal fires at its timeout and the result is `timeout`', async () => {
    const stop = new AbortController();
    let aborted: unknown;
    const slow = def((_t, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject((aborted = ctx.signal.reason)))));
    const t0 = Date.now();
    const r = await runProbe(slow, target, options(stop.signal, 150));
    assert.equal(r.join.error, 'timeout');
    assert.ok(Date.now() - t0 >= 140 && Date.now() - t0 < 1_000);
    assert.equal((aborted as DOMException).name, 'TimeoutError');
  });

  test('the poller’s stop aborts a probe in flight, and a probe started after stop is aborted at once', async () => {
    const stop = new AbortController();
    const waits = def((_t, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    const pending = runProbe(waits, target, options(stop.signal, 10_000));
    setTimeout(() => stop.abort(), 20);
    assert.equal((await pending).join.error, 'timeout');
    let sawAborted = false;
    await runProbe(def(async (_t, ctx) => ((sawAborted = ctx.signal.aborted), { state: 'live', join: { ok: true, ms: 1 } })), target, options(stop.signal));
    assert.equal(sawAborted, true);
  });
});
