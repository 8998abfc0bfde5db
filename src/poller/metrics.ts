import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The poller's own health, on the registry main.ts passes in. Labels stay bounded: target ids come from config/API, codes from the catalogue. */
export function createPollerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    pollLag: new Histogram({
      name: 'spacewatch_poll_lag_seconds',
      help: 'How late a probe started against its scheduled time',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    probeDuration: new Histogram({
      name: 'spacewatch_probe_duration_seconds',
      help: 'Wall time of one probe, by source kind',
      labelNames: ['source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    joinAttempts: new Counter({
      name: 'spacewatch_join_attempts_total',
      help: 'Probes (join attempts) by target and result: ok or the join-error code',
      labelNames: ['target', 'result'],
      registers,
    }),
    probeFailures: new Counter({
      name: 'spacewatch_probe_failures_total',
      help: 'Failed probes by source kind and join-error code',
      labelNames: ['source', 'code'],
      registers,
    }),
    listeners: new Gauge({
      name: 'spacewatch_listeners',
      help: 'Latest listener count reported for the target',
      labelNames: ['target'],
      registers,
    }),
    skipped: new Counter({
      name: 'spacewatch_poll_skipped_total',
      help: 'Scheduled probe slots skipped because the previous probe of the same target was still running',
      registers,
    }),
    inFlight: new Gauge({ name: 'spacewatch_probes_in_flight', help: 'Probes running now', registers }),
    targets: new Gauge({ name: 'spacewatch_targets', help: 'Targets scheduled by this poller', registers }),
    hungProbes: new Counter({
      name: 'spacewatch_probe_hung_total',
      help: 'Probes that ignored their abort signal and were abandoned after the grace period',
      registers,
    }),
  };
}
export type PollerMetrics = ReturnType<typeof createPollerMetrics>;

export function createWriterMetrics(registry: Registry) {
  const registers = [registry];
  return {
    written: new Counter({ name: 'spacewatch_observations_written_total', help: 'Observations written to the store', registers }),
    duplicates: new Counter({ name: 'spacewatch_observation_duplicates_total', help: 'Observations the store rejected as duplicates (same target, same ms)', registers }),
    dropped: new Counter({
      name: 'spacewatch_observations_dropped_total',
      help: 'Observations dropped because the write buffer was full (the store is down or too slow)',
      registers,
    }),
    writeErrors: new Counter({ name: 'spacewatch_store_write_errors_total', help: 'Failed batch writes (retried)', registers }),
    buffered: new Gauge({ name: 'spacewatch_write_buffer_observations', help: 'Observations waiting to be written', registers }),
    batchSeconds: new Histogram({
      name: 'spacewatch_store_write_batch_seconds',
      help: 'Time to write one batch to the store',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}
export type WriterMetrics = ReturnType<typeof createWriterMetrics>;
