import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from './config/schema.js';
import { Agent } from 'undici';
import { createDispatcher } from './alerts/dispatcher.js';
import { createAlertEngine } from './alerts/engine.js';
import { createNotifiers } from './alerts/notifiers/index.js';
import type { Transition } from './alerts/types.js';
import { DEMO_TARGET_ID, planDemo, startPlay, withDemoTiming, type DemoOptions, type DemoPlan, type DemoPlay } from './demo/play.js';
import { startScript, type ScriptEntry } from './demo/script.js';
import { buildApp } from './http/app.js';
import { createPoller, type Poller } from './poller/poller.js';
import { loadScenario } from './simulator/scenario.js';
import { defaultSources, type Sources } from './sources/index.js';
import { MemoryStore } from './storage/memory-store.js';
import { RedisStore } from './storage/redis-store.js';
import { startRetention } from './storage/retention.js';
import type { Store } from './storage/store.js';
import type { Target } from './types.js';

// The process edge: the only place that builds the root logger, the metrics registry, Redis clients
// and the HTTP pool, and the only place that wires them together. Everything below takes them as
// arguments, so tests build the same pieces with their own.

export const DEMO_SCENARIO = fileURLToPath(new URL('../scenarios/example.yaml', import.meta.url));

export interface RunOptions {
  config: Readonly<Config>;
  /** The config file read; undefined runs the built-in demo (simulator + a target watching it). */
  configFile: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** For tests: a logger to use instead of stdout. */
  log?: Logger;
  /**
   * Play a scenario on a local simulator and watch it (`spacewatch demo`). Without a config file the
   * built-in scenario (DEMO_SCENARIO) plays anyway; with one and no `demo`, nothing is simulated.
   */
  demo?: DemoRunOptions;
  /** Hears every alert transition this process's engine records (the demo command prints them). */
  onAlert?: (t: Transition) => void;
  /**
   * For load tests: wraps the store once it is open, so everything (poller, engine, API) uses the
   * wrapper — e.g. one that notes when each write was handed to Redis. The original is still closed on shutdown.
   */
  wrapStore?: (store: Store) => Store;
}

export interface DemoRunOptions extends DemoOptions {
  /** Hears each scenario claim and mark once it is written to the store. */
  onScript?: (entry: ScriptEntry, at: number) => void;
}

export interface Running {
  /** Base URL of the HTTP server, when this process runs the API. */
  url: string | undefined;
  store: Store;
  poller: Poller | undefined;
  registry: Registry;
  /** The scenario being played, when this run is a demo. */
  demo: DemoPlay | undefined;
  close(): Promise<void>;
}

/** JSON lines for machines; readable lines when a person watches the terminal (LOG_FORMAT=json forces JSON). */
export function createLogger(level: string, pretty = process.stdout.isTTY === true && process.env.LOG_FORMAT !== 'json'): Logger {
  return pino({
    level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
    // Tokens must never reach a log line, whichever object carries them.
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token', 'server.token', 'config.server.token'],
      censor: '[redacted]',
    },
  });
}

export async function run(opts: RunOptions): Promise<Running> {
  let { config } = opts;
  const env = opts.env ?? process.env;
  const log = opts.log ?? createLogger(config.log.level);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources = defaultSources({ log: log.child({ component: 'audio-level' }) });
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => log.error({ err }, 'error while shutting down'));
  };

  try {
    const opened = await openStore(config, log, closers);
    const store = opts.wrapStore ? opts.wrapStore(opened) : opened;
    const plan = demoPlan(opts);
    let demo: DemoPlay | undefined;
    let stopScript: (() => Promise<void>) | undefined;
    if (plan) {
      // The engine's hysteresis and tick are scaled with the demo's speed; its target carries its rules.
      config = withDemoTiming(config, plan.timing);
      // Each demo is a new broadcast on a new simulator clock: what an earlier one left in a Redis
      // store (observations, alerts, claims) would only muddle this one.
      await store.deleteTarget(DEMO_TARGET_ID);
      // Registered here, so it runs after the poller and the API have stopped and before the store closes.
      closers.push(async () => {
        await stopScript?.();
        await demo?.close();
      });
    }
    await applyConfigTargets(store, config.targets, config.poller.defaultIntervalMs, log);

    let poller: Poller | undefined;
    if (config.role !== 'api') {
      // The owner of a target runs its detectors: the engine hears every observation this poller records.
      // Notifications get their own small pool: a slow receiver never takes the poller's connections.
      const notifyPool = new Agent({ connections: 8, keepAliveTimeout: 30_000, connectTimeout: 10_000 });
      closers.push(() => notifyPool.close());
      const notifications = createDispatcher({
        notifiers: createNotifiers(config.notifiers, { dispatcher: notifyPool, log: log.child({ component: 'notifications' }) }),
        log: log.child({ component: 'notifications' }),
        registry,
        ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
      });
      closers.push(() => notifications.close());
      const engine = createAlertEngine({
        store,
        log: log.child({ component: 'alerts' }),
        registry,
        notify: opts.onAlert
          ? (t) => {
              notifications.notify(t);
              opts.onAlert!(t);
            }
          : notifications.notify,
        holds: (id) => poller?.holds(id) ?? false,
        minClearForMs: config.alerts.minClearForMs,
        tickMs: config.alerts.evaluateEveryMs,
      });
      await engine.start();
      closers.push(() => engine.stop());
      poller = createPoller({
        store,
        sources,
        log: log.child({ component: 'poller' }),
        registry,
        settings: config.poller,
        leaseTtlMs: config.poller.leaseTtlMs,
        env,
        onObservation: (target, obs) => engine.observe(target, obs),
      });
      await poller.start();
      const p = poller;
      closers.push(() => p.stop());
      const retention = startRetention({ store, retentionMs: config.storage.retentionDays * 86_400_000, log: log.child({ component: 'retention' }) });
      closers.push(async () => retention.stop());
    }

    let url: string | undefined;
    if (config.role !== 'poller') {
      const app = await buildApp({
        store,
        sources,
        registry,
        log: log.child({ component: 'http' }),
        token: config.server.token,
        bodyLimitBytes: config.server.bodyLimitBytes,
        importMaxRows: config.server.importMaxRows,
        defaultIntervalMs: config.poller.defaultIntervalMs,
        onTargetsChanged: () => void poller?.refresh(),
        readiness: async () => ((await store.ping()) ? { ok: true } : { ok: false, reason: 'store unreachable' }),
      });
      // Closed first on shutdown (closers run in reverse): stop taking requests, then drain the poller.
      closers.push(() => app.close());
      const address = await app.listen({ host: config.server.host, port: config.server.port });
      url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
      log.info({ url, dashboard: `${url}/`, docs: `${url}/docs` }, 'spacewatch is listening');
    }
    if (plan) {
      // Last, so scenario time 0 is when everything is watching (src/demo/play.ts startPlay).
      demo = await startPlay(plan, log);
      await applyConfigTargets(store, [...config.targets, demo.target], config.poller.defaultIntervalMs, log);
      const script = startScript({ store, targetId: demo.target.id, scenario: demo.scenario, clock: demo.clock, log: log.child({ component: 'demo' }), ...(opts.demo?.onScript ? { onWritten: opts.demo.onScript } : {}) });
      stopScript = () => script.stop();
      await poller?.refresh();
    }
    return { url, store, poller, registry, demo, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function openStore(config: Readonly<Config>, log: Logger, closers: (() => Promise<unknown>)[]): Promise<Store> {
  const url = config.storage.redisUrl;
  if (!url) {
    log.warn('REDIS_URL is not set: using the embedded memory store; observations are not kept across restarts');
    const store = new MemoryStore({ log: log.child({ component: 'store' }) });
    closers.push(() => store.close());
    return store;
  }
  const redis = new Redis(url, {
    // Fail a command after a few reconnect attempts instead of queueing it forever: the write buffer
    // keeps observations and retries, with a bound, while Redis is away.
    maxRetriesPerRequest: 3,
    connectionName: 'spacewatch',
    lazyConnect: true,
  });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  closers.push(() => redis.quit().catch(() => redis.disconnect()));
  try {
    await redis.connect();
  } catch (err) {
    throw new Error(`cannot connect to Redis at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  const store = new RedisStore({ redis, log: log.child({ component: 'store' }), keyPrefix: config.storage.keyPrefix });
  closers.push(() => store.close());
  log.info({ redis: redactUrl(url) }, 'using the Redis store');
  return store;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//[redacted]@');
}

/**
 * Targets from the config file are (re)applied at every boot and are read-only over the API. One that
 * has left the file keeps its data and becomes API-managed, so nothing is deleted behind the user's back.
 */
export async function applyConfigTargets(
  store: Store,
  targets: readonly ConfigTarget[],
  defaultIntervalMs: number,
  log: Logger,
): Promise<void> {
  const nowIso = new Date().toISOString();
  const existing = new Map((await store.listTargets()).map((t) => [t.id, t]));
  const wanted = new Set<string>();
  for (const t of targets) {
    wanted.add(t.id);
    const prev = existing.get(t.id);
    const target: Target = {
      id: t.id,
      name: t.name ?? t.id,
      source: t.source,
      intervalMs: t.intervalMs ?? defaultIntervalMs,
      ...(t.timeoutMs !== undefined ? { timeoutMs: t.timeoutMs } : {}),
      ...(t.schedule ? { schedule: { start: iso(t.schedule.start), ...(t.schedule.end !== undefined ? { end: iso(t.schedule.end) } : {}) } } : {}),
      ...(t.rules ? { rules: t.rules as Target['rules'] } : {}),
      origin: 'config',
      createdAt: prev?.createdAt ?? nowIso,
      updatedAt: nowIso,
    };
    await store.putTarget(target);
  }
  for (const t of existing.values()) {
    if (t.origin === 'config' && !wanted.has(t.id)) {
      await store.putTarget({ ...t, origin: 'api', updatedAt: nowIso });
      log.warn({ target: t.id }, 'target is no longer in the config file; kept with its data as an API-managed target (DELETE /api/v1/targets/:id removes it)');
    }
  }
}

function iso(v: string | number): string {
  return new Date(v).toISOString();
}

/**
 * The demo, when this run is one: `spacewatch demo` asked for it, or there is no config file (the
 * built-in scenario, so a first run shows a live chart). One code path for both (src/demo/play.ts).
 */
function demoPlan(opts: RunOptions): DemoPlan | undefined {
  const wanted = opts.demo ?? (opts.configFile ? undefined : { scenario: loadScenario(DEMO_SCENARIO), file: DEMO_SCENARIO });
  return wanted && planDemo(wanted, opts.config);
}

type ConfigTarget = Config['targets'][number];
export type { Sources };
