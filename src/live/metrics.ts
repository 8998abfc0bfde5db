import { Counter, Gauge, type Registry } from 'prom-client';

export type LiveStream = 'target' | 'overview';

export interface LiveMetrics {
  clients: Gauge<'stream'>;
  frames: Counter<'event'>;
  dropped: Counter;
  readers: Gauge;
}

// Several apps may share one registry (tests build many); a metric registered twice throws, so an
// existing one is reused, as src/http/plugins/metrics.ts does.
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** The live streams' own health, on the app's registry. Labels are bounded: two streams, four frame types. */
export function createLiveMetrics(registry: Registry): LiveMetrics {
  const registers = [registry];
  return {
    clients: reuse(registry, 'spacewatch_live_clients', () =>
      new Gauge({ name: 'spacewatch_live_clients', help: 'Open Server-Sent Events connections, by stream (target or overview)', labelNames: ['stream'] as const, registers }),
    ),
    frames: reuse(registry, 'spacewatch_live_frames_total', () =>
      new Counter({ name: 'spacewatch_live_frames_total', help: 'Server-Sent Events frames written, by event type (observation, event, overview)', labelNames: ['event'] as const, registers }),
    ),
    dropped: reuse(registry, 'spacewatch_live_dropped_clients_total', () =>
      new Counter({ name: 'spacewatch_live_dropped_clients_total', help: 'Live clients disconnected because they did not read fast enough (backlog over the bound)', registers }),
    ),
    readers: reuse(registry, 'spacewatch_live_readers', () =>
      new Gauge({ name: 'spacewatch_live_readers', help: 'Targets whose data is being read for live streams (one reader per target, shared by its subscribers)', registers }),
    ),
  };
}
