import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createPoller } from '../../src/poller/poller.js';
import { hls } from '../../src/sources/hls.js';
import { classifyError, ProbeFailure, request } from '../../src/sources/http.js';
import type { Sources } from '../../src/sources/index.js';
import { json } from '../../src/sources/json.js';
import type { SourceDefinition } from '../../src/sources/source.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Target } from '../../src/types.js';
import { gzipBomb, HOSTILE_MAX_BYTES, hostileCases, selfSignedCert, type Hostile, type HostileCase } from '../helpers/hostile-servers.js';
import { harness, sendJson, serve, target } from './helpers.js';

// Every way an endpoint can misbehave, against the real sources and request(): each must end in its
// classified join error, within its own timeout, without the probe's memory following the server's
// hostility. Then the same servers inside one poller, beside a healthy target that must keep its
// schedule. (DESIGN.md "Sources and probes": every network read has a timeout and a byte limit.)

const h = harness({ maxBytes: HOSTILE_MAX_BYTES });
after(() => h.close());

// How far past its budget a probe may end: timers, the event loop, a busy CI machine.
const MARGIN_MS = 300;
// Growth allowed across the whole table, which reads and discards several MB per firehose row.
const HEAP_BOUND = 30 * 1024 * 1024;
const RSS_BOUND = 60 * 1024 * 1024;

const tls = selfSignedCert();
const cases = hostileCases(tls ? { tls } : {});
const sources = { json, hls } as unknown as Record<'json' | 'hls', SourceDefinition>;

function probeTarget(c: HostileCase, url: string): Target {
  const kind = c.source ?? 'json';
  return { ...target({ kind, url }), id: slug(c.name), intervalMs: 500, timeoutMs: c.timeoutMs };
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Peak JS memory (heap plus Buffers, which live outside the heap) and RSS while the table runs, sampled every 5 ms. */
const peak = { heap: 0, rss: 0 };
const jsMemory = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;
let baseline: NodeJS.MemoryUsage;
let sampler: NodeJS.Timeout;

describe('hostile endpoints: each ends in its join error, within its timeout, in bounded memory', () => {
  before(() => {
    gc();
    baseline = process.memoryUsage();
    sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak.heap = Math.max(peak.heap, jsMemory(m));
      peak.rss = Math.max(peak.rss, m.rss);
    }, 5);
  });
  after(() => clearInterval(sampler));

  for (const c of cases) {
    test(`${c.name} → ${c.code}`, async (t) => {
      // Garbage left by the rows before is not this row's doing; the peak is sampled from here on.
      gc();
      const server = await c.start();
      t.after(() => server.close());
      const source = sources[c.source ?? 'json'];

      const requestsBefore = server.requests();
      const started = performance.now();
      const result = await source.probe(probeTarget(c, server.url), h.context({ timeoutMs: c.timeoutMs }));
      const ms = performance.now() - started;
      assert.equal(result.join.error, c.code, `join: ${JSON.stringify(result.join)}`);
      assert.equal(result.join.ok, false);
      assert.equal(result.state, 'unknown');
      assert.ok(ms <= c.timeoutMs + MARGIN_MS, `ended after ${Math.round(ms)} ms; budget ${c.timeoutMs} ms`);
      if (c.requestsPerProbe !== undefined) assert.equal(server.requests() - requestsBefore, c.requestsPerProbe, 'requests made');
      if (c.maxBytesRead !== undefined) assert.ok(result.join.bytes! <= c.maxBytesRead, `read ${result.join.bytes} bytes, at most ${c.maxBytesRead}`);
      if (c.firehoseBytes !== undefined) await assertCutOff(server, c.firehoseBytes);
      t.diagnostic(`${Math.round(ms)} ms, read ${result.join.bytes ?? 0} B, server wrote ${server.bytesWritten()} B`);

      // The same class straight from request(): where it is decided, and what it read.
      const direct = await request(server.url, { ctx: h.context({ timeoutMs: c.timeoutMs }) }).then(
        (res) => ({ res }),
        (err: unknown) => ({ err }),
      );
      if (c.decidedBy === 'request') {
        assert.ok('err' in direct && direct.err instanceof ProbeFailure, `request() should fail, got ${JSON.stringify(direct)}`);
        assert.equal(direct.err.code, c.code);
        if (c.maxBytesRead !== undefined) assert.ok(direct.err.bytes! <= c.maxBytesRead, `request() read ${direct.err.bytes} bytes`);
      } else {
        assert.ok('res' in direct, `request() should answer; the payload is what is wrong (${String((direct as { err: unknown }).err)})`);
        if (c.maxBytesRead !== undefined) assert.ok(direct.res.bytes <= c.maxBytesRead, `request() read ${direct.res.bytes} bytes`);
      }
    });
  }
  if (!tls) test.skip('TLS: self-signed certificate (openssl is not installed)');

  test('the gzip bomb is real: a few KB that inflate to 1 GiB', () => {
    const bomb = gzipBomb();
    assert.ok(bomb.body.length < 4 * 1024, `${bomb.body.length} bytes on the wire`);
    assert.equal(bomb.inflatedBytes, 1024 ** 3);
  });

  test(`memory across the whole table: heap + Buffers grew < ${HEAP_BOUND >> 20} MB, RSS < ${RSS_BOUND >> 20} MB at peak`, (t) => {
    const heap = peak.heap - jsMemory(baseline);
    const rss = peak.rss - baseline.rss;
    t.diagnostic(`peak growth: heap + Buffers ${(heap / 2 ** 20).toFixed(1)} MB, RSS ${(rss / 2 ** 20).toFixed(1)} MB`);
    assert.ok(heap < HEAP_BOUND, `heap + Buffers peaked ${(heap / 2 ** 20).toFixed(1)} MB above the baseline`);
    assert.ok(rss < RSS_BOUND, `RSS peaked ${(rss / 2 ** 20).toFixed(1)} MB above the baseline`);
  });
});

/**
 * A firehose was cut off: the server wrote far less than it meant to, and it stops growing because
 * the connection is closed. What it did write beyond what the probe read sits in the kernel's loopback
 * socket buffers (several MB, autotuned), never in the probe's process.
 */
async function assertCutOff(server: Hostile, firehoseBytes: number): Promise<void> {
  await sleep(100);
  const written = server.bytesWritten();
  await sleep(200);
  assert.equal(server.bytesWritten(), written, 'the server is still writing: the connection was not closed');
  const bound = Number.isFinite(firehoseBytes) ? firehoseBytes / 2 : 25 * 1024 * 1024;
  assert.ok(written < bound, `the server wrote ${(written / 2 ** 20).toFixed(1)} MB`);
}

describe('classifyError: what the hostile table found in http.ts', () => {
  test('undici HTTPParserError carries no code: classified by name as invalid_payload', async () => {
    const { errors } = await import('undici');
    assert.equal(classifyError(new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol (Expected HTTP/)')), 'invalid_payload');
  });
  test('a peer that hangs up during the TLS handshake → tls, while a reset after it stays http_5xx', () => {
    const sys = (message: string) => Object.assign(new Error(message), { code: 'ECONNRESET' });
    assert.equal(classifyError(sys('Client network socket disconnected before secure TLS connection was established')), 'tls');
    assert.equal(classifyError(sys('read ECONNRESET')), 'http_5xx');
  });
});

describe('the poller beside hostile targets', () => {
  test('a healthy target keeps its 250 ms schedule while every hostile one gets its classified failures', async (t) => {
    const servers = await Promise.all(cases.map((c) => c.start()));
    const healthy = await serve((_req, res) => sendJson(res, 200, { listeners: 42 }));
    t.after(() => Promise.all([...servers.map((s) => s.close()), healthy.close()]));

    const store = new MemoryStore();
    const INTERVAL = 250;
    const JITTER = 0.05;
    await store.putTarget({ id: 'healthy', name: 'healthy', source: { kind: 'json', url: healthy.url, listenersPath: 'listeners' }, intervalMs: INTERVAL, timeoutMs: 1_000, origin: 'api' });
    const ids = cases.map((c, i) => {
      const tgt = probeTarget(c, servers[i]!.url);
      return { id: tgt.id, put: store.putTarget({ ...tgt, origin: 'api' }) };
    });
    await Promise.all(ids.map((x) => x.put));

    const poller = createPoller({
      store,
      sources: sources as unknown as Sources,
      log: pino({ level: 'silent' }),
      registry: new Registry(),
      settings: { concurrency: 64, defaultIntervalMs: 1_000, defaultTimeoutMs: 2_000, maxResponseBytes: HOSTILE_MAX_BYTES, jitter: JITTER, bufferLimit: 10_000, flushIntervalMs: 50, flushBatchSize: 500 },
      drainTimeoutMs: 1_000,
    });
    const WINDOW = 4_000;
    await poller.start();
    await sleep(WINDOW);
    await poller.stop();

    const obs = await store.range('healthy', 0, Date.now());
    assert.ok(obs.every((o) => o.join?.ok === true && o.listeners === 42), 'every healthy probe succeeded');
    // The first probe lands somewhere in the first interval; after that one per interval.
    assert.ok(obs.length >= WINDOW / INTERVAL - 2, `${obs.length} healthy observations in ${WINDOW} ms at ${INTERVAL} ms`);
    const gaps = obs.slice(1).map((o, i) => o.at - obs[i]!.at);
    const maxGap = Math.max(...gaps);
    t.diagnostic(`healthy: ${obs.length} observations, gaps ${Math.min(...gaps)}–${maxGap} ms`);
    // Consecutive probes are an interval apart, each moved by up to ±jitter×interval.
    assert.ok(maxGap <= INTERVAL * 1.5 + 2 * JITTER * INTERVAL, `largest gap ${maxGap} ms (gaps: ${gaps.join(' ')})`);

    for (const [i, c] of cases.entries()) {
      const rows = await store.range(ids[i]!.id, 0, Date.now());
      assert.ok(rows.length >= 2, `${c.name}: ${rows.length} observations`);
      const codes = rows.map((r) => r.join?.error);
      assert.ok(codes.every((code) => code === c.code), `${c.name}: ${codes.join(', ')}, expected ${c.code}`);
    }
  });
});

