// `npm run load:api`: the API under load while polling continues. spacewatch runs in this process,
// started by main.ts's run(), on a redis-server of this run, polling 200 json targets every second on a local
// endpoint server; one more target holds a day of history (86,400 observations, ~1,500 events) so
// series and timeline queries do a 24-hour chart's real work. Baseline first (same run): poll lag
// with no API load, and each endpoint answered for one client at a time. Then autocannon (in a
// worker thread) against series, timeline and overview, 15 s each, while 20 live subscribers read
// their targets' Server-Sent Events. Reported: requests/s, p50/p99 and errors per endpoint, poll lag
// during each load against the baseline, and live delivery latency (write to the store → frame).
// Figures go to stdout and to BENCHMARKS.md between `<!-- api-load:start -->` and `<!-- api-load:end -->`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { RedisStore } from '../src/storage/redis-store.js';
import type { Store } from '../src/storage/store.js';
import type { Target } from '../src/types.js';
import { startRedis, type TestRedis } from '../test/helpers/redis.js';
import { DAY_MS, writeDay, type DayDataset } from './day-dataset.js';
import { API_LOAD_END, API_LOAD_START, consoleReport, markdownSection, type EndpointFigures, type LagWindow, type SseFigures } from './lib/api-load-report.js';
import { startApiStack, type ApiStack } from './lib/api-stack.js';
import { connectRedis, silentLog, type BenchContext } from './lib/context.js';
import { cpuSnapshot, otherCores } from './lib/cpu.js';
import { describe, describeMachine } from './lib/machine.js';
import { createProgress, type Progress } from './lib/progress.js';
import { histogramBuckets, observed } from './lib/metrics.js';
import { formatDuration, writeSection } from './lib/report.js';
import { summarize, bucketDelta, fractionAtOrBelow, histogramQuantile } from './lib/stats.js';
import { subscribe } from './lib/sse-subscribers.js';
import { startEndpoints } from './polling-runs.js';

const TARGETS = 200;
const INTERVAL_MS = 1_000;
const SUBSCRIBERS = 20;
/** Connections and duration of each autocannon run. */
const CONNECTIONS = 10;
const LOAD_S = 15;
/** A cold start (connections, JIT, every target's first slot) is late; the baseline starts after it. */
const WARMUP_S = 6;
const BASELINE_S = 10;
const SINGLE_REQUESTS = 30;
/** One alert transition a minute over the day (pending → firing → resolved), a note mark an hour. */
const EVENT_EVERY_MS = 60_000;
const LOOP_RESOLUTION_MS = 2;
const OUTPUT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

async function main(): Promise<number> {
  const progress = createProgress();
  const startedAt = new Date();
  const runCpu = cpuSnapshot();
  let redis: TestRedis | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    progress.phase('starting a redis-server for this run');
    redis = await startRedis();
    const admin = await connectRedis(redis.url, 'api-load-admin');
    closers.push(async () => admin.disconnect());
    const machine = await describeMachine(admin);
    progress.phase(`machine: ${describe(machine)}; load ${machine.loadAtStart.toFixed(2)}`);
    const endpoints = await startEndpoints();
    closers.push(async () => endpoints.close());

    const ctx: BenchContext = { redis: { url: redis.url, port: redis.port }, progress };
    const day = await writeDay(ctx, admin);
    const setupStore = new RedisStore({ redis: admin, log: silentLog });
    const events = await writeDayEvents(setupStore, day);
    progress.phase(`wrote ${events.toLocaleString('en-US')} events over the day for the timeline`);
    // The day's target is polled too (its history then runs on into now), as are the 200 others.
    await setupStore.putTarget({ ...jsonTarget(day.targetId, endpoints.base), name: 'Benchmark: a day at 1 s' });
    const ids = Array.from({ length: TARGETS }, (_, i) => `load-${String(i).padStart(3, '0')}`);
    for (const id of ids) await setupStore.putTarget(jsonTarget(id, endpoints.base));
    const watched = ids.slice(0, SUBSCRIBERS);

    progress.phase(`starting spacewatch (API + poller, ${TARGETS + 1} json targets at ${INTERVAL_MS} ms)`);
    const stack = await startApiStack(redis.url, new Set(watched));
    closers.push(() => stack.close());
    await sleep(WARMUP_S * 1000);

    const now = Date.now();
    const q = `from=${now - DAY_MS}&to=${now}`;
    const endpointsUnderTest: EndpointFigures[] = [
      { label: 'series, 24 h, maxPoints=2000', short: 'series', path: `/api/v1/targets/${day.targetId}/series?metric=listeners&${q}&maxPoints=2000` },
      { label: `timeline, 24 h (${events.toLocaleString('en-US')} events)`, short: 'timeline', path: `/api/v1/targets/${day.targetId}/timeline?${q}` },
      { label: `overview (${TARGETS + 1} targets)`, short: 'overview', path: '/api/v1/overview' },
    ];

    progress.phase(`baseline: poll lag with no API load (${BASELINE_S} s)`);
    const lag: LagWindow[] = [await lagWindow(stack, 'baseline, no API load', () => sleep(BASELINE_S * 1000))];
    progress.phase(`baseline: each endpoint for one client, ${SINGLE_REQUESTS} requests in a row`);
    const setup: string[] = [];
    for (const e of endpointsUnderTest) {
      const one = await singleClient(stack.url, e.path);
      e.single = summarize(one.ms);
      setup.push(`${e.label}: \`GET ${e.path.replace(/from=\d+&to=\d+/, 'from=<now − 24 h>&to=<now>')}\` answers ${one.size}.`);
    }

    const sse = await liveSubscribers(stack, watched, progress);
    try {
      for (const e of endpointsUnderTest) {
        progress.phase(`load: autocannon, ${CONNECTIONS} connections, ${LOAD_S} s: ${e.label}`);
        let result: autocannon.Result | undefined;
        lag.push(await lagWindow(stack, `${e.short} under load`, async () => (result = await cannon(stack.url + e.path))));
        const r = result as autocannon.Result;
        e.load = { requestsPerSecond: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx };
        progress.phase(`  ${Math.round(e.load.requestsPerSecond)} requests/s, p99 ${e.load.p99} ms, ${r.errors} errors, ${r.non2xx} non-2xx`);
      }
    } finally {
      await sse.stop();
    }
    for (const w of lag) w.delivery = sse.deliveryBetween(w.from, w.to);

    const seconds = progress.elapsed();
    const result = {
      machine,
      startedAt,
      seconds,
      setup: [
        `spacewatch in one process, started by main.ts's run() with a default config (RedisStore on this run's redis-server, poller, alert engine, retention, Fastify app on a socket); ${TARGETS + 1} \`json\` targets polled every ${INTERVAL_MS} ms on a node:http endpoint server in a child process. autocannon runs in a worker thread of the same process, the live subscribers on its main thread: all of it shares this machine's ${machine.cores} cores.`,
        `The day's target holds ${day.observations.length.toLocaleString('en-US')} observations at 1 s (load-tests/day-dataset.ts) and ${events.toLocaleString('en-US')} events (an alert transition a minute, a mark an hour).`,
        ...setup,
        `Poll lag: \`spacewatch_poll_lag_seconds\` over each window (p50/p99 interpolated inside buckets, as histogram_quantile; "within 100 ms" is exact, a bucket edge). Live delivery: from the moment the batch holding the observation was handed to Redis to the moment its frame was read by the subscriber.`,
      ],
      endpoints: endpointsUnderTest,
      lag,
      sse: sse.figures(),
      otherCores: otherCores(runCpu, cpuSnapshot()),
    };
    progress.phase(`done in ${formatDuration(seconds)}`);
    console.log(`\n${consoleReport(result)}\n`);
    writeSection(OUTPUT, markdownSection(result), API_LOAD_START, API_LOAD_END);
    progress.phase(`wrote the api-load section of ${OUTPUT}`);
    return 0;
  } catch (err) {
    console.error('\nthe API load test crashed:', err);
    return 1;
  } finally {
    for (const close of closers.reverse()) await close().catch((err: unknown) => console.error('while closing:', err));
    await redis?.destroy();
  }
}

function jsonTarget(id: string, base: string): Target {
  return {
    id,
    name: id,
    source: { kind: 'json', url: `${base}/status/${id}`, listenersPath: 'data.participant_count', statePath: 'data.state' },
    intervalMs: INTERVAL_MS,
    origin: 'api',
  };
}

/** Alert transitions and marks spread over the day, as an eventful broadcast leaves them. */
async function writeDayEvents(store: Store, day: DayDataset): Promise<number> {
  const cycle = ['alert-pending', 'alert-firing', 'alert-resolved'];
  const events = [];
  for (let at = day.from + 30_000, i = 0; at < day.to; at += EVENT_EVERY_MS, i++) {
    events.push({ at, type: cycle[i % 3] as string, data: { rule: 'join_failures', from: i % 3 === 0 ? 'resolved' : cycle[(i - 1) % 3], value: 0.2, threshold: 0.1, summary: 'join failures 20 % over 5 min' } });
    if (i % 60 === 0) events.push({ at: at + 1, type: 'mark', data: { kind: 'note', text: `hour ${i / 60}` } });
  }
  for (let i = 0; i < events.length; i += 100) await Promise.all(events.slice(i, i + 100).map((e) => store.appendEvent(day.targetId, e)));
  return events.length;
}

/** Poll lag, probes/s (probes finished: spacewatch_probe_duration_seconds) and event-loop delay over whatever `during` does. */
async function lagWindow(stack: ApiStack, label: string, during: () => Promise<unknown>): Promise<LagWindow> {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const lag = () => histogramBuckets(stack.registry, 'spacewatch_poll_lag_seconds');
  const probes = async () => observed(await histogramBuckets(stack.registry, 'spacewatch_probe_duration_seconds'));
  const before = await lag();
  const probes0 = await probes();
  const from = Date.now();
  const t0 = performance.now();
  loop.enable();
  await during();
  loop.disable();
  const wall = (performance.now() - t0) / 1000;
  const to = Date.now();
  const buckets = bucketDelta(before, await lag());
  return {
    label,
    probesPerSecond: ((await probes()) - probes0) / wall,
    p50: histogramQuantile(buckets, 0.5) * 1000,
    p99: histogramQuantile(buckets, 0.99) * 1000,
    within100ms: fractionAtOrBelow(buckets, 0.1),
    loopP99: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    from,
    to,
  };
}

/** One client, one request at a time: the latency an endpoint has when nothing else asks. */
async function singleClient(base: string, path: string): Promise<{ ms: number[]; size: string }> {
  const agent = new Agent({ connections: 1 });
  try {
    const get = async () => {
      const t0 = performance.now();
      const res = await request(base + path, { dispatcher: agent });
      const body = await res.body.text();
      return { ms: performance.now() - t0, status: res.statusCode, body };
    };
    const first = await get();
    if (first.status !== 200) throw new Error(`GET ${path}: HTTP ${first.status}: ${first.body.slice(0, 300)}`);
    for (let i = 0; i < 4; i++) await get(); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < SINGLE_REQUESTS; i++) ms.push((await get()).ms);
    return { ms, size: describeBody(first.body) };
  } finally {
    await agent.close();
  }
}

/** What a response held, so the report shows the queries did real work. */
function describeBody(body: string): string {
  const json = JSON.parse(body) as { t?: unknown[]; events?: unknown[]; targets?: unknown[] };
  const kb = `${(Buffer.byteLength(body) / 1024).toFixed(0)} KiB`;
  if (json.t) return `${json.t.length.toLocaleString('en-US')} points (${kb})`;
  if (json.events) return `${json.events.length.toLocaleString('en-US')} entries (${kb})`;
  if (json.targets) return `${json.targets.length.toLocaleString('en-US')} target summaries (${kb})`;
  return kb;
}

function cannon(url: string): Promise<autocannon.Result> {
  // A worker thread: the load generator gets its own event loop instead of sharing spacewatch's.
  return autocannon({ url, connections: CONNECTIONS, duration: LOAD_S, workers: 1, timeout: 10 });
}

/** K subscribers of the live stream of K polled targets, open for the whole load phase. */
async function liveSubscribers(stack: ApiStack, watched: readonly string[], progress: Progress) {
  progress.phase(`live: opening ${watched.length} subscribers (one per target), read during the whole load phase`);
  const subs = await subscribe(stack.url, watched, stack.writtenAt);
  await sleep(500);
  const refused = subs.subscriptions.find((s) => s.status !== 0 && s.status !== 200);
  if (refused) {
    await subs.stop();
    throw new Error(`GET /api/v1/targets/${refused.targetId}/live: ${refused.error}`);
  }
  return {
    stop: () => subs.stop(),
    deliveryBetween(from: number, to: number) {
      const ms = subs.deliveries.filter((d) => d.receivedAt >= from && d.receivedAt < to).map((d) => d.ms);
      if (ms.length === 0) return undefined;
      const s = summarize(ms);
      return { n: s.n, p50: s.p50, p99: s.p99 };
    },
    figures(): SseFigures {
      const opened = subs.subscriptions.filter((s) => s.status === 200);
      return {
        subscribers: watched.length,
        opened: opened.length,
        ...(opened.length > 0 ? { connect: summarize(opened.map((s) => s.connectMs)) } : {}),
        ...(subs.deliveries.length > 0 ? { delivery: summarize(subs.deliveries.map((d) => d.ms)) } : {}),
        frames: subs.subscriptions.reduce((n, s) => n + s.observations, 0),
        unmatched: subs.subscriptions.reduce((n, s) => n + s.unmatched, 0),
        errors: subs.subscriptions.flatMap((s) => (s.error ? [`${s.targetId}: ${s.error}`] : [])),
      };
    },
  };
}

process.exitCode = await main();
