// `npm run load:join-storm` — issue 6's join storm: thousands of listeners pressing into a Space that
// holds only so many, while spacewatch watches it. Join failures must rise, the listener count must
// flatten at the capacity, and the capacity-ceiling alert must fire; the run prints a timeline every
// second and then its figures, and exits non-zero when the capacity alert never fired.
//
// Three processes: the world (join-storm-world.ts), as two children — the simulator in 'connections'
// mode (one listener per held HTTP connection, refused with a 503 beyond the capacity, its API
// failing at the refused share) and a crowd of raw sockets — and spacewatch in this one: run() from main.ts (poller → Redis store → detectors → alerts, and the HTTP API) on a
// redis-server of the run's own, with one x-space target probing the simulated Space every 250 ms.
//
// `npm run load:join-storm -- [--capacity 2000] [--listeners 5000] [--storm-seconds 35] [--no-write]`
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Alert } from '../src/alerts/types.js';
import { parseConfig } from '../src/config/load.js';
import type { RulesConfig } from '../src/detect/rules.js';
import { run, type Running } from '../src/main.js';
import type { Observation } from '../src/types.js';
import { startRedis, type TestRedis } from '../test/helpers/redis.js';
import { connectRedis, ownCpuSeconds, silentLog } from './lib/context.js';
import { describe, describeMachine } from './lib/machine.js';
import { histogramBuckets } from './lib/metrics.js';
import { writeSection } from './lib/report.js';
import { STORM_END, STORM_START, stormReport, timelineHeader, timelineLine, type Second, type StormRun, type WorldStats } from './join-storm-report.js';
import type { FromWorld, SideStats, ToWorld, WorldStart } from './join-storm-world.js';

const { values: args } = parseArgs({
  options: {
    capacity: { type: 'string', default: '2000' },
    listeners: { type: 'string', default: '5000' },
    'storm-seconds': { type: 'string', default: '35' },
    'no-write': { type: 'boolean', default: false },
  },
});
const CAPACITY = positive('capacity');
const LISTENERS = positive('listeners');
const STORM_MS = positive('storm-seconds') * 1000;
const INTERVAL_MS = 250;
/** Before the storm: a modest audience coming and going, every join answered. */
const CALM_LISTENERS = Math.round(CAPACITY / 8);
const CALM_MS = 6_000;
/** The storm's listeners all arrive within this span (about 600 a second at the defaults). */
const RAMP_MS = 8_000;
/** When the capacity alert has not fired by the storm's planned end, the storm goes on this much longer before the run gives up. */
const EXTRA_WAIT_MS = 20_000;
const TARGET_ID = 'join-storm';
const OUTPUT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
/**
 * The crowd (test/helpers/crowd.ts): an admitted listener stays 8 s on average, then pauses 1–3 s and
 * joins again; a refused one retries after 2–6 s. At the defaults the full room frees ~250 seats a
 * second, retaken at once, while ~600 attempts a second are refused: the API fails at that share.
 */
const CROWD = { holdMeanMs: 8_000, retryMs: [2_000, 6_000] as const, pauseMs: [1_000, 3_000] as const, seed: 6 };
/** The refused share of listen attempts over this span is the share of API requests failing. */
const REFUSAL_WINDOW_MS = 5_000;
/**
 * The defaults judge minutes (capacity: five flat minutes); this storm lasts half of one. The
 * shortest windows the rules accept, so both can fire while it rages; the rest stays at the defaults.
 */
const RULES = {
  join_failures: { windowMs: 10_000, minAttempts: 10, forMs: 0 },
  capacity: { windowMs: 10_000, minAttempts: 10 },
} satisfies RulesConfig;

function positive(name: string): number {
  const v = Number(args[name as keyof typeof args]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a whole number > 0`);
  return v;
}

/** One side of the world in a child process, and a request/answer helper over its IPC channel. */
function startSide() {
  const child = fork(fileURLToPath(new URL('./join-storm-world.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number | string, (msg: FromWorld) => void>();
  child.on('message', (msg: FromWorld) => {
    const key = msg.type === 'stats' ? msg.id : msg.type;
    waiting.get(key)?.(msg);
    waiting.delete(key);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const answer = <T extends FromWorld>(key: number | string, msg: ToWorld) =>
    new Promise<T>((resolve, reject) => {
      const onExit = () => reject(new Error('the join-storm world process exited'));
      child.once('exit', onExit);
      waiting.set(key, (m) => {
        child.off('exit', onExit);
        resolve(m as T);
      });
      child.send(msg);
    });
  return {
    start: (msg: WorldStart) => answer<Extract<FromWorld, { type: 'ready' }>>('ready', msg),
    add: (count: number, overMs: number) => child.send({ type: 'add', count, overMs } satisfies ToWorld),
    stats: () => {
      const id = nextId++;
      return answer<Extract<FromWorld, { type: 'stats' }>>(id, { type: 'stats', id });
    },
    close: async () => {
      if (child.exitCode !== null || !child.connected) return undefined;
      const final = await answer<Extract<FromWorld, { type: 'closed' }>>('closed', { type: 'close' });
      await exited;
      return final;
    },
    kill: () => child.exitCode === null && child.kill('SIGTERM'),
  };
}

async function machine(redisUrl: string): Promise<string> {
  const admin = await connectRedis(redisUrl, 'join-storm');
  try {
    return describe(await describeMachine(admin));
  } finally {
    admin.disconnect();
  }
}

/** The simulator and the crowd, each in its own process, seen as one world. */
function startWorld() {
  const simulator = startSide();
  const crowd = startSide();
  const combine = (a: SideStats, b: SideStats): WorldStats => ({ at: Math.max(a.at, b.at), sim: a.sim!, crowd: b.crowd!, simulatorCpuSeconds: a.cpuSeconds, crowdCpuSeconds: b.cpuSeconds });
  return {
    async start(capacity: number, refusalWindowMs: number, opts: typeof CROWD) {
      const ready = await simulator.start({ type: 'start', role: 'simulator', capacity, refusalWindowMs });
      await crowd.start({ type: 'start', role: 'crowd', crowd: { ...opts, url: ready.url!, spaceId: ready.spaceId } });
      return { url: ready.url!, spaceId: ready.spaceId };
    },
    add: crowd.add,
    stats: async () => {
      const [a, b] = await Promise.all([simulator.stats(), crowd.stats()]);
      return combine(a, b);
    },
    /** The crowd hangs up first, then the simulator closes: nobody is cut off by the teardown. */
    async close(): Promise<WorldStats | undefined> {
      const b = await crowd.close();
      const a = await simulator.close();
      return a && b ? combine(a, b) : undefined;
    },
    kill() {
      simulator.kill();
      crowd.kill();
    },
  };
}

async function main(): Promise<number> {
  const startedAt = new Date();
  console.log(`join storm: capacity ${CAPACITY.toLocaleString('en-US')}, ${LISTENERS.toLocaleString('en-US')} listeners, storm ${STORM_MS / 1000} s; spacewatch probing every ${INTERVAL_MS} ms`);
  let redis: TestRedis | undefined;
  let running: Running | undefined;
  const world = startWorld();
  try {
    redis = await startRedis();
    const { url: simUrl, spaceId } = await world.start(CAPACITY, REFUSAL_WINDOW_MS, CROWD);
    const config = parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        storage: { redisUrl: redis.url },
        poller: { defaultIntervalMs: INTERVAL_MS },
        alerts: { evaluateEveryMs: 1_000 },
        targets: [
          {
            id: TARGET_ID,
            name: 'Join storm (simulated X Space)',
            source: { kind: 'x-space', spaceId, url: simUrl },
            intervalMs: INTERVAL_MS,
            rules: RULES,
          },
        ],
      },
      {},
      'join-storm',
    );
    running = await run({ config, configFile: 'join-storm', env: {}, log: silentLog });
    const r = running;

    const seconds: Second[] = [];
    const fired = new Map<string, number>();
    let stormAt = Number.NaN;
    let last = await world.stats();
    const t0 = Date.now() + CALM_MS;
    console.log(`\n${timelineHeader()}`);
    const tick = async (phase: Second['phase']) => {
      const w = await world.stats();
      const now = Date.now();
      const rows = await r.store.range(TARGET_ID, now - 5_000, now);
      const counted = rows.filter((o) => typeof o.listeners === 'number');
      const failed = rows.filter((o) => o.join?.ok === false).length;
      const alerts = (await r.store.listAlerts()).filter((a: Alert) => a.targetId === TARGET_ID);
      // The run's own redis-server: every alert here fired during this run.
      for (const a of alerts) if (a.firedAt !== undefined && !fired.has(a.rule)) fired.set(a.rule, a.firedAt);
      const a0 = last.sim.audience!;
      const a1 = w.sim.audience!;
      const dt = (w.at - last.at) / 1000;
      const s: Second = {
        // Seconds since the storm began; in the calm, until its planned start.
        t: (now - (Number.isNaN(stormAt) ? t0 : stormAt)) / 1000,
        phase,
        connected: a1.connected,
        admittedPerSec: (a1.admitted - a0.admitted) / dt,
        refusedPerSec: (a1.refused - a0.refused) / dt,
        refusedShare: a1.refusedShare,
        listeners: counted.at(-1)?.listeners,
        probes: rows.length,
        failed,
        firing: alerts.filter((a) => a.state === 'firing').map((a) => a.rule),
      };
      seconds.push(s);
      last = w;
      console.log(timelineLine(s));
    };
    const everySecond = async (phase: Second['phase'], until: () => boolean) => {
      let next = Date.now() + 1_000;
      while (!until()) {
        await sleep(Math.max(0, next - Date.now()));
        next += 1_000;
        await tick(phase);
      }
    };

    // Calm: a modest audience comes and goes, and spacewatch sees a healthy live Space.
    world.add(CALM_LISTENERS, 2_000);
    await everySecond('calm', () => Date.now() >= t0);

    // The storm.
    stormAt = Date.now();
    const lagBefore = await histogramBuckets(r.registry, 'spacewatch_poll_lag_seconds');
    const durationBefore = await histogramBuckets(r.registry, 'spacewatch_probe_duration_seconds', { source: 'x-space' });
    const worldBefore = await world.stats();
    const cpuBefore = ownCpuSeconds();
    world.add(LISTENERS - CALM_LISTENERS, RAMP_MS);
    const plannedEnd = stormAt + STORM_MS;
    await everySecond('storm', () => Date.now() >= plannedEnd && (fired.has('capacity') || Date.now() >= plannedEnd + EXTRA_WAIT_MS));
    const stormEnd = Date.now();
    const lagAfter = await histogramBuckets(r.registry, 'spacewatch_poll_lag_seconds');
    const durationAfter = await histogramBuckets(r.registry, 'spacewatch_probe_duration_seconds', { source: 'x-space' });
    const worldAfter = await world.stats();
    const spacewatchCpuSeconds = ownCpuSeconds() - cpuBefore;

    const observations: Observation[] = await r.store.range(TARGET_ID, stormAt - CALM_MS, stormEnd);
    const final = await world.close();
    const stormRun: StormRun = {
      capacity: CAPACITY,
      listeners: LISTENERS,
      calmListeners: CALM_LISTENERS,
      intervalMs: INTERVAL_MS,
      rules: RULES,
      rampMs: RAMP_MS,
      refusalWindowMs: REFUSAL_WINDOW_MS,
      crowd: CROWD,
      stormAt,
      stormEnd,
      seconds,
      observations,
      fired,
      worldBefore,
      worldAfter,
      final: final ?? worldAfter,
      lag: { before: lagBefore, after: lagAfter },
      probeDuration: { before: durationBefore, after: durationAfter },
      spacewatchCpuSeconds,
      machine: await machine(redis.url),
      startedAt,
    };
    const report = stormReport(stormRun);
    console.log(`\n${report.text}\n`);
    if (!report.capacityFired) {
      console.error(`join storm: FAILED — the capacity alert never fired (waited ${((stormEnd - stormAt) / 1000).toFixed(0)} s into the storm)`);
      return 1;
    }
    if (!args['no-write']) {
      writeSection(OUTPUT, report.markdown, STORM_START, STORM_END);
      console.log(`wrote the join-storm section of ${OUTPUT}`);
    }
    return 0;
  } catch (err) {
    console.error('\njoin storm crashed:', err);
    return 1;
  } finally {
    await world.close().catch(() => world.kill());
    await running?.close();
    await redis?.destroy();
  }
}

process.exitCode = await main();
