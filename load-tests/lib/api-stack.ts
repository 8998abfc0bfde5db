// spacewatch in this process, wired as src/main.ts wires it (one registry, RedisStore, notification
// dispatcher, alert engine on the poller's observations, the Fastify app on a socket) so the API
// load and the polling share one event loop exactly as `spacewatch serve` does. The one addition:
// the store records when each observation of a few watched targets was handed to Redis, which is
// where a live frame's delivery latency starts (contracts.md §1: "within 1 s of being written").
import { Redis } from 'ioredis';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createDispatcher } from '../../src/alerts/dispatcher.js';
import { createAlertEngine } from '../../src/alerts/engine.js';
import { parseConfig } from '../../src/config/load.js';
import { buildApp } from '../../src/http/app.js';
import { createPoller, type Poller, type PollerSettings } from '../../src/poller/poller.js';
import { defaultSources } from '../../src/sources/index.js';
import { RedisStore } from '../../src/storage/redis-store.js';
import type { Store } from '../../src/storage/store.js';
import { silentLog } from './context.js';
import type { Bucket } from './stats.js';

export interface ApiStack {
  url: string;
  store: Store;
  registry: Registry;
  poller: Poller;
  /** Observations the poller recorded so far (probes done). */
  probes(): number;
  /** When an observation of a watched target was handed to the store (epoch ms, fractional), if seen. */
  writtenAt(targetId: string, at: number): number | undefined;
  /** The cumulative buckets of a histogram on the registry, labels summed. */
  buckets(name: string): Promise<Bucket[]>;
  close(): Promise<void>;
}

export async function startApiStack(redisUrl: string, watched: ReadonlySet<string>): Promise<ApiStack> {
  // The settings a default config gives (concurrency 256, 10 % jitter, writes flushed every 250 ms…).
  const config = parseConfig({}, {}, 'defaults');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, connectionName: 'spacewatch-api-load', lazyConnect: true });
  await redis.connect();
  const redisStore = new RedisStore({ redis, log: silentLog });
  const written = new Map<string, number>();
  const store = recording(redisStore, watched, written);

  const notifications = createDispatcher({ notifiers: [], log: silentLog, registry });
  // The engine asks whether this process still polls a target; the poller is built after it, as in main.ts.
  const ref: { poller?: Poller } = {};
  const engine = createAlertEngine({
    store,
    log: silentLog,
    registry,
    notify: notifications.notify,
    holds: (id) => ref.poller?.holds(id) ?? false,
    minClearForMs: config.alerts.minClearForMs,
    tickMs: config.alerts.evaluateEveryMs,
  });
  await engine.start();
  let probes = 0;
  const poller = createPoller({
    store,
    sources: defaultSources(),
    log: silentLog,
    registry,
    settings: config.poller as PollerSettings,
    leaseTtlMs: config.poller.leaseTtlMs,
    onObservation: (target, obs) => {
      probes++;
      engine.observe(target, obs);
    },
  });
  const app = await buildApp({
    store,
    sources: defaultSources(),
    registry,
    log: silentLog,
    defaultIntervalMs: config.poller.defaultIntervalMs,
    onTargetsChanged: () => void poller.refresh(),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  ref.poller = poller;
  await poller.start();

  return {
    url: address,
    store,
    registry,
    poller,
    probes: () => probes,
    writtenAt: (targetId, at) => written.get(`${targetId}\u0000${at}`),
    async buckets(name) {
      const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
      const byLe = new Map<number, number>();
      for (const v of values) {
        if ((v as { metricName?: string }).metricName !== `${name}_bucket`) continue;
        const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
        byLe.set(le, (byLe.get(le) ?? 0) + v.value);
      }
      return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
    },
    async close() {
      // As main.ts shuts down: the API first, then the poller drains, then the rest.
      await app.close();
      await poller.stop();
      await engine.stop();
      await notifications.close();
      await redisStore.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * The store, with `append` noting the time each batch is handed to Redis for the watched targets.
 * The moment of the call, not of its reply: a reader may see the rows before the reply arrives, so
 * this is the earliest instant the observation could have been read — delivery is measured from it.
 */
function recording(store: Store, watched: ReadonlySet<string>, written: Map<string, number>): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'append') {
        return (items: Parameters<Store['append']>[0]) => {
          const now = performance.timeOrigin + performance.now();
          for (const { targetId, obs } of items) if (watched.has(targetId)) written.set(`${targetId}\u0000${obs.at}`, now);
          return target.append(items);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      // Methods run on the store itself: its private fields do not exist on the proxy.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
