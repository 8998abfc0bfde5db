// Benchmark 2, query: p95 latency of a 24-hour `listeners` series (maxPoints = 2000) over 86,400 raw
// observations, called as a function (querySeries on RedisStore) and through the HTTP API (the real
// Fastify app listening on a port, read with undici). Target: p95 < 20 ms. Baseline: a bare XRANGE of
// 2,000 entries on the same server — one round trip carrying about as many points as the chart gets.
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { buildApp } from '../src/http/app.js';
import { defaultSources } from '../src/sources/index.js';
import { createKeys } from '../src/storage/keys.js';
import { RedisStore } from '../src/storage/redis-store.js';
import { querySeries, type SeriesQuery } from '../src/storage/series.js';
import type { DayDataset } from './day-dataset.js';
import { silentLog, type BenchContext } from './lib/context.js';
import type { BenchResult, Figure } from './lib/report.js';
import { median, summarize, type Summary } from './lib/stats.js';

const MAX_POINTS = 2_000;
const WARMUP = 30;
const SAMPLES = 300;
/** Full reads of the raw day, for the record only (each takes a good fraction of a second). */
const RAW_READS = 3;
const TARGET_MS = 20;

export async function benchQuery(ctx: BenchContext, redis: Redis, day: DayDataset): Promise<BenchResult> {
  const started = performance.now();
  const store = new RedisStore({ redis, log: silentLog });
  const app = await buildApp({ store, sources: defaultSources(), registry: new Registry() });
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 1 });
  try {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address}/api/v1/targets/${day.targetId}/series?metric=listeners&from=${day.from}&to=${day.to}&maxPoints=${MAX_POINTS}`;
    const q: SeriesQuery = { targetId: day.targetId, metric: 'listeners', from: day.from, to: day.to, maxPoints: MAX_POINTS, intervalMs: 1_000 };
    const streamKey = createKeys().obs(day.targetId);
    const middle = Math.floor((day.from + day.to) / 2);

    let points = 0;
    const ops = {
      xrange: async () => {
        const rows = await redis.xrange(streamKey, String(middle), '+', 'COUNT', MAX_POINTS);
        if (rows.length !== MAX_POINTS) throw new Error(`XRANGE returned ${rows.length} entries`);
      },
      querySeries: async () => {
        const s = await querySeries(store, q);
        points = s.t.length;
      },
      http: async () => {
        const res = await request(url, { dispatcher: agent });
        const body = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`series request answered ${res.statusCode}: ${body.slice(0, 300)}`);
      },
    };
    type Op = keyof typeof ops;
    const samples: Record<Op, number[]> = { xrange: [], querySeries: [], http: [] };
    const bar = ctx.progress.bar(`query: ${SAMPLES} × (XRANGE, querySeries, HTTP), interleaved`, WARMUP + SAMPLES);
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // Interleaved, so a burst of load elsewhere on the machine hits all three alike.
      for (const op of Object.keys(ops) as Op[]) {
        const t0 = performance.now();
        await ops[op]();
        if (i >= WARMUP) samples[op].push(performance.now() - t0);
      }
      bar.update(i);
    }
    bar.done();
    const check = JSON.parse(await (await request(url, { dispatcher: agent })).body.text()) as { t: number[] };
    if (check.t.length !== points || points === 0 || points > MAX_POINTS) throw new Error(`series answered ${check.t.length} points over HTTP, ${points} as a function`);

    ctx.progress.phase(`query: reading the raw day (${RAW_READS}×, for the record)`);
    const raw: number[] = [];
    for (let i = 0; i < RAW_READS; i++) {
      const t0 = performance.now();
      const rows = await store.range(day.targetId, day.from, day.to);
      raw.push(performance.now() - t0);
      if (rows.length !== day.observations.length) throw new Error(`raw day has ${rows.length} rows`);
    }

    const s = { xrange: summarize(samples.xrange), querySeries: summarize(samples.querySeries), http: summarize(samples.http) };
    const baseline = { short: 'XRANGE', label: `XRANGE COUNT ${MAX_POINTS} p95`, value: s.xrange.p95, measured: true };
    const figures: Figure[] = [
      {
        bench: 'query',
        label: `24 h series p95, querySeries (listeners, maxPoints ${MAX_POINTS})`,
        value: s.querySeries.p95,
        unit: 'ms',
        baselines: [baseline],
        target: { on: 'value', op: '<', limit: TARGET_MS },
        note: `reads ${points.toLocaleString('en-US')} points' worth of 1-minute rollups plus the open minute's raw rows, never the 86,400 raw entries`,
      },
      {
        bench: 'query',
        label: `24 h series p95, HTTP GET /api/v1/targets/:id/series`,
        value: s.http.p95,
        unit: 'ms',
        baselines: [baseline],
        target: { on: 'value', op: '<', limit: TARGET_MS },
        note: 'the real app on a socket, read with undici from the same process: routing, validation, target lookup, serialisation',
      },
    ];
    const details = [
      `Data: ${day.observations.length.toLocaleString('en-US')} observations of one target (1 s interval, ±100 ms jitter) written through RedisStore.append in batches of 1,000 in ${day.writeSeconds.toFixed(1)} s; the query covers the whole day, whose last minute is still open.`,
      `Latency (ms, ${SAMPLES} samples each after ${WARMUP} warm-up, interleaved): ${line('XRANGE 2,000', s.xrange)}; ${line('querySeries', s.querySeries)}; ${line('HTTP', s.http)}.`,
      `The series has ${points.toLocaleString('en-US')} points (two per minute where min ≠ max, then downsampled to ≤ ${MAX_POINTS}).`,
      `For comparison, reading all 86,400 raw rows (RedisStore.range) takes ${median(raw).toFixed(0)} ms (median of ${RAW_READS}): what the rollups save.`,
    ];
    return { name: 'query', figures, details, seconds: (performance.now() - started) / 1000 };
  } finally {
    await app.close();
    await agent.close();
    await store.close();
  }
}

function line(label: string, s: Summary): string {
  return `${label} p50 ${s.p50.toFixed(2)} / p95 ${s.p95.toFixed(2)} / p99 ${s.p99.toFixed(2)} / max ${s.max.toFixed(1)}`;
}
