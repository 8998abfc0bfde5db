// The measuring half of the polling benchmark: the endpoint server, the request loops (baseline and
// probe-only diagnostic), the real poller on a schedule, and the window they are all measured over.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { createPoller, type PollerSettings } from '../src/poller/poller.js';
import { defaultSources } from '../src/sources/index.js';
import { json, type JsonConfig } from '../src/sources/json.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import type { Target } from '../src/types.js';
import { ownCpuSeconds, silentLog } from './lib/context.js';
import { histogramBuckets } from './lib/metrics.js';
import { bucketDelta, type Bucket } from './lib/stats.js';

/** Distinct URLs the request loops cycle through (the capacity runs' target count). */
export const LOOP_URLS = 1_000;
/** Probes more than this late count as late (the target's bound, and a bucket edge of the lag histogram). */
export const LATE_S = 0.1;
/** monitorEventLoopDelay records whole timer intervals, resolution included; it is taken off. */
const LOOP_RESOLUTION_MS = 2;
/** How often the poller's in-flight count is sampled to see whether its concurrency was exhausted. */
const IN_FLIGHT_SAMPLE_MS = 5;

/** Timers pending in this process: the poller's, its probes' and the benchmark's own handful. */
function pendingTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

export interface Endpoints {
  base: string;
  /** CPU seconds the endpoint server has used so far. */
  cpuSeconds(): Promise<number>;
  close(): void;
}

export interface Window {
  warmupS: number;
  seconds: number;
}

export interface Run {
  /** Probes (or requests) completed per second in the measured window. */
  rate: number;
  nodeCores: number;
  /** CPU the endpoint server used in the same window. */
  serverCores: number;
  failures: number;
  /** p99 and max event-loop delay over the window, ms. */
  loopP99: number;
  loopMax: number;
  /** Poller runs only: the poll-lag and probe-duration histograms over the window … */
  lag: Bucket[];
  duration: Bucket[];
  skipped: number;
  /** … and per second of it: probes started late, and whether every concurrency slot was taken … */
  lateBySecond: number[];
  saturatedBySecond: boolean[];
  /** … and pending timers in this process at the start and end of the window (a leak shows as growth). */
  timers: { start: number; end: number };
}

/** A node:http server in a child process, so that serving does not share the poller's event loop. */
export async function startEndpoints(): Promise<Endpoints> {
  const file = fileURLToPath(new URL('./polling-endpoint.ts', import.meta.url));
  const child: ChildProcess = fork(file, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit').then(() => Promise.reject(new Error('the endpoint server exited')));
  exited.catch(() => undefined); // observed by the races below; after close() nobody waits for it
  try {
    const [msg] = (await Promise.race([once(child, 'message'), exited])) as [{ port: number }];
    return {
      base: `http://127.0.0.1:${msg.port}`,
      async cpuSeconds() {
        const reply = once(child, 'message') as Promise<[{ cpuSeconds: number }]>;
        child.send('cpu');
        return (await Promise.race([reply, exited]))[0].cpuSeconds;
      },
      close: () => void child.kill('SIGTERM'),
    };
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
}

export type OneRequest = (dispatcher: Agent, i: number) => Promise<boolean>;

/**
 * `concurrency` loops over the same URLs, with the same pool settings as the poller's. `one` is the
 * baseline (a GET and a body read) or the diagnostic (spacewatch's json probe called directly).
 */
export async function requestLoop(endpoints: Endpoints, concurrency: number, window: Window, one: OneRequest): Promise<Run> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, connectTimeout: 5_000 });
  let done = 0;
  let failures = 0;
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      if (!(await one(agent, next++ % LOOP_URLS))) failures++;
      done++;
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  try {
    return await measure(endpoints, window, () => ({ count: done, failures }));
  } finally {
    stop = true;
    await Promise.all(workers);
    await agent.close();
  }
}

export function bareRequest(endpoints: Endpoints): OneRequest {
  return async (dispatcher, i) => {
    const res = await request(`${endpoints.base}/status/${i}`, { dispatcher });
    await res.body.text();
    return res.statusCode === 200;
  };
}

/** The json probe as the poller calls it (a timeout signal, the byte limit, JSON and dot paths), minus the poller. */
export function directProbe(endpoints: Endpoints, settings: PollerSettings): OneRequest {
  const targets = Array.from({ length: LOOP_URLS }, (_, i) => jsonTarget(endpoints, i, 1_000) as Target & { source: JsonConfig });
  return async (dispatcher, i) => {
    const ctx = { signal: AbortSignal.timeout(settings.defaultTimeoutMs), timeoutMs: settings.defaultTimeoutMs, maxBytes: settings.maxResponseBytes, dispatcher, env: {}, log: silentLog, now: Date.now, memory: {} };
    return (await json.probe(targets[i % targets.length] as Target & { source: JsonConfig }, ctx)).join.ok;
  };
}

function jsonTarget(endpoints: Endpoints, i: number, intervalMs: number): Target {
  return {
    id: `poll-${i}`,
    name: `poll-${i}`,
    source: { kind: 'json', url: `${endpoints.base}/status/${i}`, listenersPath: 'data.participant_count', statePath: 'data.state' },
    intervalMs,
    origin: 'api',
  };
}

/** The real poller with `targets` json targets at `intervalMs`, as main.ts builds it but on a MemoryStore. */
export async function pollerRun(
  endpoints: Endpoints,
  settings: PollerSettings,
  targets: number,
  intervalMs: number,
  window: Window,
  onSecond?: (s: number, probes: number) => void,
): Promise<Run> {
  const store = new MemoryStore();
  for (let i = 0; i < targets; i++) await store.putTarget(jsonTarget(endpoints, i, intervalMs));
  const registry = new Registry();
  let probes = 0;
  let failures = 0;
  const poller = createPoller({
    store,
    sources: defaultSources(),
    log: silentLog,
    registry,
    settings,
    onObservation: (_t, obs) => {
      probes++;
      if (!obs.join?.ok) failures++;
    },
  });
  const lagBuckets = () => histogramBuckets(registry, 'spacewatch_poll_lag_seconds');
  const durationBuckets = () => histogramBuckets(registry, 'spacewatch_probe_duration_seconds');
  const skipped = async () => (await registry.getSingleMetric('spacewatch_poll_skipped_total')?.get())?.values[0]?.value ?? 0;
  const late = (b: Bucket[]) => (b.find((x) => !Number.isFinite(x.le))?.count ?? 0) - (b.find((x) => x.le === LATE_S)?.count ?? 0);

  await poller.start();
  let sampler: NodeJS.Timeout | undefined;
  try {
    const first = { lag: [] as Bucket[], duration: [] as Bucket[], skipped: 0 };
    const lateBySecond: number[] = [];
    const saturatedBySecond: boolean[] = [];
    let lateSoFar = 0;
    let saturated = false;
    const timers = { start: 0, end: 0 };
    const run = await measure(
      endpoints,
      window,
      () => ({ count: probes, failures }),
      async () => {
        first.lag = await lagBuckets();
        first.duration = await durationBuckets();
        first.skipped = await skipped();
        lateSoFar = late(first.lag);
        timers.start = pendingTimers();
        sampler = setInterval(() => (saturated ||= poller.stats().inFlight >= settings.concurrency), IN_FLIGHT_SAMPLE_MS);
      },
      async (s) => {
        const now = late(await lagBuckets());
        lateBySecond.push(now - lateSoFar);
        lateSoFar = now;
        saturatedBySecond.push(saturated);
        saturated = false;
        if (s === window.seconds) timers.end = pendingTimers();
        onSecond?.(s, probes);
      },
    );
    return {
      ...run,
      lag: bucketDelta(first.lag, await lagBuckets()),
      duration: bucketDelta(first.duration, await durationBuckets()),
      skipped: (await skipped()) - first.skipped,
      lateBySecond,
      saturatedBySecond,
      timers,
    };
  } finally {
    clearInterval(sampler);
    await poller.stop();
    await store.close();
  }
}

/** Waits out the warm-up, then counts over the window: rate, failures, CPU (both processes) and event-loop delay of the window only. */
async function measure(
  endpoints: Endpoints,
  window: Window,
  read: () => { count: number; failures: number },
  atStart?: () => Promise<void>,
  everySecond?: (s: number) => Promise<void>,
): Promise<Run> {
  await sleep(window.warmupS * 1000);
  await atStart?.();
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const server0 = await endpoints.cpuSeconds();
  const first = read();
  const cpu0 = ownCpuSeconds();
  const t0 = performance.now();
  for (let s = 1; s <= window.seconds; s++) {
    await sleep(Math.max(0, t0 + s * 1000 - performance.now()));
    await everySecond?.(s);
  }
  const wall = (performance.now() - t0) / 1000;
  const last = read();
  const cpu = ownCpuSeconds() - cpu0;
  loop.disable();
  const server = (await endpoints.cpuSeconds()) - server0;
  return {
    rate: (last.count - first.count) / wall,
    nodeCores: cpu / wall,
    serverCores: server / wall,
    failures: last.failures - first.failures,
    loopP99: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    loopMax: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS),
    lag: [],
    duration: [],
    skipped: 0,
    lateBySecond: [],
    saturatedBySecond: [],
    timers: { start: 0, end: 0 },
  };
}
