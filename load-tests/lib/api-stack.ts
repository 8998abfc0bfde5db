// spacewatch in this process, started by main.ts's run() on the run's redis-server with a default
// config (the same wiring as `spacewatch serve`: RedisStore, poller, alert engine, retention, the
// Fastify app on a socket), so the API load and the polling share one event loop as they do in
// production. The one addition, through run()'s `wrapStore` seam: the store records when each
// observation of a few watched targets was handed to Redis, which is where a live frame's delivery
// latency starts (contracts.md §1: "within 1 s of being written").
import type { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load.js';
import { run } from '../../src/main.js';
import type { AppendItem, AppendResult, Store } from '../../src/storage/store.js';
import { silentLog } from './context.js';

export interface ApiStack {
  url: string;
  /** The registry run() built: the poller's histograms are read from it (lib/metrics.ts). */
  registry: Registry;
  /** When an observation of a watched target was handed to the store (epoch ms, fractional), if seen. */
  writtenAt(targetId: string, at: number): number | undefined;
  close(): Promise<void>;
}

export async function startApiStack(redisUrl: string, watched: ReadonlySet<string>): Promise<ApiStack> {
  // Nothing but where to listen and which Redis: every other setting is the default a config gives
  // (concurrency 256, 10 % jitter, writes flushed every 250 ms…). The targets are already in the store.
  const config = parseConfig({ server: { host: '127.0.0.1', port: 0 }, storage: { redisUrl } }, {}, 'api-load');
  const written = new Map<string, number>();
  const running = await run({ config, configFile: 'api-load', env: {}, log: silentLog, wrapStore: (store) => new RecordingStore(store, watched, written) });
  if (!running.url) throw new Error('run() started no API (role must be "all")');
  return {
    url: running.url,
    registry: running.registry,
    writtenAt: (targetId, at) => written.get(key(targetId, at)),
    close: () => running.close(),
  };
}

const key = (targetId: string, at: number) => `${targetId}\u0000${at}`;

/**
 * The store, with `append` noting the time each batch is handed to Redis for the watched targets.
 * The moment of the call, not of its reply: a reader may see the rows before the reply arrives, so
 * this is the earliest instant the observation could have been read — delivery is measured from it.
 * Everything else goes straight to the store; `implements Store` makes a method added to the
 * interface a compile error here rather than a silent gap.
 */
class RecordingStore implements Store {
  readonly kind: Store['kind'];

  constructor(
    private readonly inner: Store,
    private readonly watched: ReadonlySet<string>,
    private readonly written: Map<string, number>,
  ) {
    this.kind = inner.kind;
  }

  append(items: AppendItem[]): Promise<AppendResult> {
    const now = performance.timeOrigin + performance.now();
    for (const { targetId, obs } of items) if (this.watched.has(targetId)) this.written.set(key(targetId, obs.at), now);
    return this.inner.append(items);
  }

  putTarget(...a: Parameters<Store['putTarget']>) {
    return this.inner.putTarget(...a);
  }
  getTarget(...a: Parameters<Store['getTarget']>) {
    return this.inner.getTarget(...a);
  }
  listTargets() {
    return this.inner.listTargets();
  }
  deleteTarget(...a: Parameters<Store['deleteTarget']>) {
    return this.inner.deleteTarget(...a);
  }
  range(...a: Parameters<Store['range']>) {
    return this.inner.range(...a);
  }
  latest(...a: Parameters<Store['latest']>) {
    return this.inner.latest(...a);
  }
  rollups(...a: Parameters<Store['rollups']>) {
    return this.inner.rollups(...a);
  }
  trim(...a: Parameters<Store['trim']>) {
    return this.inner.trim(...a);
  }
  appendEvent(...a: Parameters<Store['appendEvent']>) {
    return this.inner.appendEvent(...a);
  }
  events(...a: Parameters<Store['events']>) {
    return this.inner.events(...a);
  }
  eventsAfter(...a: Parameters<Store['eventsAfter']>) {
    return this.inner.eventsAfter(...a);
  }
  claimLeases(...a: Parameters<Store['claimLeases']>) {
    return this.inner.claimLeases(...a);
  }
  releaseLeases(...a: Parameters<Store['releaseLeases']>) {
    return this.inner.releaseLeases(...a);
  }
  putAlert(...a: Parameters<Store['putAlert']>) {
    return this.inner.putAlert(...a);
  }
  listAlerts() {
    return this.inner.listAlerts();
  }
  ping() {
    return this.inner.ping();
  }
  // run() closes the store it opened; this wrapper owns nothing of its own.
  close() {
    return Promise.resolve();
  }
}
