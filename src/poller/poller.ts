import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Agent, type Dispatcher } from 'undici';
import type { Sources } from '../sources/index.js';
import type { ProbeResult } from '../sources/source.js';
import type { Store } from '../storage/store.js';
import type { Observation, Target } from '../types.js';
import { MinHeap } from './heap.js';
import { createPollerMetrics, createWriterMetrics, type PollerMetrics } from './metrics.js';
import { runProbe } from './run-probe.js';
import { WriteBuffer } from './write-buffer.js';

export interface PollerSettings {
  concurrency: number;
  defaultIntervalMs: number;
  defaultTimeoutMs: number;
  maxResponseBytes: number;
  jitter: number;
  bufferLimit: number;
  flushIntervalMs: number;
  flushBatchSize: number;
}

export interface PollerOptions {
  store: Store;
  sources: Sources;
  log: Logger;
  registry: Registry;
  settings: PollerSettings;
  env?: Readonly<Record<string, string | undefined>>;
  /** Shared keep-alive pool; the poller builds (and closes) its own when none is given. */
  dispatcher?: Dispatcher;
  /** How often the target list is re-read from the store (picks up changes made by other processes). */
  refreshTargetsMs?: number;
  /** This poller's identity in target leases; unique per process by default. */
  owner?: string;
  /**
   * Several pollers share the targets through leases in the store: each polls only the targets it
   * holds, renews them at every refresh, and takes over a dead poller's targets once their leases
   * expire (within this TTL). Default 15 s.
   */
  leaseTtlMs?: number;
  now?: () => number;
  random?: () => number;
  /** How long stop() waits for the write buffer to drain (default 5 s). */
  drainTimeoutMs?: number;
  /** Called for every observation after it is queued for writing (detectors, live views). */
  onObservation?: (target: Target, obs: Observation, result: ProbeResult) => void;
}

export interface Poller {
  start(): Promise<void>;
  /** Re-reads the target list now (the API calls this after a change). */
  refresh(): Promise<void>;
  /** Stops scheduling, waits for probes in flight and drains the write buffer. */
  stop(): Promise<void>;
  stats(): { targets: number; inFlight: number; buffered: number };
  /** Whether this poller holds (polls) the target now. */
  holds(targetId: string): boolean;
}

interface Slot {
  target: Target;
  /** Incremented whenever the target changes, so stale heap entries are skipped. */
  version: number;
  /** The unjittered schedule; jitter is applied around it so it never drifts. */
  base: number;
  inFlight: boolean;
  notBefore: number;
  memory: Record<string, unknown>;
  lastState?: string;
  /** What the source last reported, by event type, so each change is written once. */
  reported: Record<string, string>;
}

/**
 * Schedules every target at its interval, with jitter, never two probes of one target at once,
 * at most `concurrency` probes in flight. One timer for all targets: a min-heap of due times.
 */
export function createPoller(opts: PollerOptions): Poller {
  const { store, sources, log, settings } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const env = opts.env ?? {};
  const metrics: PollerMetrics = createPollerMetrics(opts.registry);
  const ownDispatcher = !opts.dispatcher;
  const dispatcher =
    opts.dispatcher ??
    new Agent({ keepAliveTimeout: 30_000, connections: 64, connectTimeout: Math.min(10_000, settings.defaultTimeoutMs) });
  const buffer = new WriteBuffer({
    store,
    log: log.child({ component: 'writer' }),
    metrics: createWriterMetrics(opts.registry),
    limit: settings.bufferLimit,
    flushIntervalMs: settings.flushIntervalMs,
    batchSize: settings.flushBatchSize,
  });

  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseTtlMs = opts.leaseTtlMs ?? 15_000;
  const slots = new Map<string, Slot>();
  const heap = new MinHeap<{ id: string; version: number }>();
  const running = new Set<Promise<void>>();
  const stopController = new AbortController();
  // Every probe in flight listens on the stop signal (and removes its listener when done); up to
  // `concurrency` at once is expected, not a leak.
  setMaxListeners(0, stopController.signal);
  let timer: NodeJS.Timeout | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let started = false;

  const intervalOf = (t: Target) => t.intervalMs || settings.defaultIntervalMs;
  const jitterOf = (t: Target) => (random() * 2 - 1) * settings.jitter * intervalOf(t);

  function enqueue(slot: Slot, due: number): void {
    heap.push(due, { id: slot.target.id, version: slot.version });
  }

  function upsert(target: Target): void {
    const existing = slots.get(target.id);
    if (existing && JSON.stringify(existing.target) === JSON.stringify(target)) return;
    const sourceChanged = !existing || JSON.stringify(existing.target.source) !== JSON.stringify(target.source);
    const slot: Slot = existing ?? { target, version: 0, base: 0, inFlight: false, notBefore: 0, memory: {}, reported: {} };
    slot.target = target;
    slot.version++;
    // A changed source (a fixed key, a new channel) starts afresh: no memory, and no wait left over
    // from a rate limit the old config earned (a YouTube quota wait can last until midnight).
    if (sourceChanged) {
      slot.memory = {};
      slot.notBefore = 0;
    }
    // A new target starts at a random point of its first interval so many targets do not probe in step.
    slot.base = now() + random() * intervalOf(target);
    slots.set(target.id, slot);
    if (!slot.inFlight) enqueue(slot, slot.base);
  }

  function remove(id: string): void {
    const slot = slots.get(id);
    if (!slot) return;
    slot.version++;
    slots.delete(id);
    metrics.listeners.remove(id);
  }

  async function refresh(): Promise<void> {
    if (stopController.signal.aborted) return;
    let owned: Set<string>;
    let targets: Target[];
    try {
      targets = (await store.listTargets()).filter((t) => {
        if (sources[t.source.kind]) return true;
        log.warn({ target: t.id, kind: t.source.kind }, 'target has an unknown source kind; not polled');
        return false;
      });
      owned = new Set(await store.claimLeases(owner, targets.map((t) => t.id), leaseTtlMs));
    } catch (err) {
      log.error({ err }, 'cannot read targets or renew leases; keeping the current schedule');
      return;
    }
    for (const id of [...slots.keys()]) if (!owned.has(id)) remove(id);
    for (const t of targets) if (owned.has(t.id)) upsert(t);
    metrics.targets.set(slots.size);
    arm();
  }

  /** Sets the one timer for the earliest due probe. */
  function arm(): void {
    if (!started || stopController.signal.aborted) return;
    clearTimeout(timer);
    const key = heap.peekKey();
    if (key === undefined) return;
    timer = setTimeout(tick, Math.max(0, key - now()));
  }

  function tick(): void {
    // tick() also runs when a probe finishes; the timer armed for the next due probe must go, or
    // every finished probe leaves one more timer re-arming itself.
    clearTimeout(timer);
    timer = undefined;
    while (inFlight < settings.concurrency && !stopController.signal.aborted) {
      const key = heap.peekKey();
      if (key === undefined || key > now()) break;
      const entry = heap.pop()!;
      const slot = slots.get(entry.value.id);
      if (!slot || slot.version !== entry.value.version || slot.inFlight) continue;
      launch(slot, entry.key);
    }
    // When saturated, the next finishing probe calls tick again.
    if (inFlight < settings.concurrency) arm();
  }

  function launch(slot: Slot, due: number): void {
    const startedAt = now();
    metrics.pollLag.observe(Math.max(0, startedAt - due) / 1000);
    slot.inFlight = true;
    inFlight++;
    metrics.inFlight.set(inFlight);
    const p = probeOnce(slot, startedAt).finally(() => {
      running.delete(p);
      inFlight--;
      metrics.inFlight.set(inFlight);
      slot.inFlight = false;
      if (slots.get(slot.target.id) === slot) scheduleNext(slot);
      tick();
    });
    running.add(p);
  }

  function scheduleNext(slot: Slot): void {
    const interval = intervalOf(slot.target);
    const t = now();
    slot.base += interval;
    // A probe that overran its interval skips the missed slots rather than firing them back to back.
    if (slot.base <= t) {
      const missed = Math.ceil((t - slot.base) / interval);
      metrics.skipped.inc(missed);
      slot.base += missed * interval;
    }
    enqueue(slot, Math.max(slot.base + jitterOf(slot.target), slot.notBefore, t));
  }

  async function probeOnce(slot: Slot, at: number): Promise<void> {
    const target = slot.target;
    const source = sources[target.source.kind]!;
    const timeoutMs = (target.timeoutMs ?? settings.defaultTimeoutMs) + (source.extraTimeMs?.(target.source) ?? 0);
    const tlog = log.child({ target: target.id, source: source.kind });
    const end = metrics.probeDuration.startTimer({ source: source.kind });
    const result = await runProbe(source, target, {
      timeoutMs,
      maxBytes: settings.maxResponseBytes,
      dispatcher,
      env,
      log: tlog,
      now,
      memory: slot.memory,
      stopSignal: stopController.signal,
      onHung: () => metrics.hungProbes.inc(),
    });
    end();
    if (stopController.signal.aborted && result.join.error === 'timeout') return; // cut short by shutdown: not a measurement
    if (result.notBefore) slot.notBefore = result.notBefore;

    // Whole ms: a fractional value costs Redis ~15 bytes more per observation and means nothing here.
    const obs: Observation = { at, state: result.state, join: { ...result.join, ms: Math.round(result.join.ms) } };
    if (result.listeners !== undefined) obs.listeners = result.listeners;
    if (result.extra && Object.keys(result.extra).length) obs.extra = result.extra;
    buffer.push({ targetId: target.id, obs });

    metrics.joinAttempts.inc({ target: target.id, result: result.join.ok ? 'ok' : (result.join.error ?? 'unknown') });
    if (!result.join.ok) metrics.probeFailures.inc({ source: source.kind, code: result.join.error ?? 'unknown' });
    if (result.listeners !== undefined) metrics.listeners.set({ target: target.id }, result.listeners);
    recordChanges(slot, obs, result);
    opts.onObservation?.(target, obs, result);
  }

  /** State changes and source-reported schedules become events, so the timeline shows them. */
  function recordChanges(slot: Slot, obs: Observation, result: ProbeResult): void {
    const id = slot.target.id;
    const events: { type: string; data: Record<string, unknown> }[] = [];
    // `unknown` is a probe that could not tell (it failed), not a state the platform reported: a
    // failed probe in the middle of a live broadcast is not two state changes.
    if (obs.state !== 'unknown') {
      if (slot.lastState !== undefined && slot.lastState !== obs.state) {
        events.push({ type: 'state-change', data: { from: slot.lastState, to: obs.state } });
      }
      slot.lastState = obs.state;
    }
    // The platform's own schedule and start/end times (X scheduled_start/started_at/ended_at,
    // YouTube scheduled/actual times) feed the target's timeline whenever they change.
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const reported: [string, Record<string, string | undefined>][] = [
      ['source-schedule', { start: iso(result.schedule?.start), end: iso(result.schedule?.end) }],
      ['source-started', { at: iso(result.startedAt) }],
      ['source-ended', { at: iso(result.endedAt) }],
    ];
    for (const [type, data] of reported) {
      const present = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)) as Record<string, string>;
      if (Object.keys(present).length === 0) continue;
      const key = JSON.stringify(present);
      if (slot.reported[type] === key) continue;
      slot.reported[type] = key;
      events.push({ type, data: present });
    }
    for (const e of result.events ?? []) events.push({ type: e.type, data: e.data ?? {} });
    for (const e of events) {
      store.appendEvent(id, { at: obs.at, ...e }).catch((err: unknown) => log.error({ err, target: id }, 'cannot write event'));
    }
  }

  return {
    async start() {
      if (started) return;
      started = true;
      await refresh();
      // Renewing at a third of the TTL leaves two chances before a lease lapses.
      refreshTimer = setInterval(() => void refresh(), Math.min(opts.refreshTargetsMs ?? 5_000, leaseTtlMs / 3));
      refreshTimer.unref();
      log.info({ targets: slots.size, concurrency: settings.concurrency, owner }, 'poller started');
    },
    refresh,
    async stop() {
      if (stopController.signal.aborted) return;
      stopController.abort();
      clearTimeout(timer);
      clearInterval(refreshTimer);
      await Promise.allSettled([...running]);
      await buffer.close(opts.drainTimeoutMs ?? 5_000);
      // Hand the targets over now rather than after the TTL.
      await store.releaseLeases(owner, [...slots.keys()]).catch((err: unknown) => log.warn({ err }, 'cannot release leases; they expire on their own'));
      if (ownDispatcher) await dispatcher.close();
      heap.clear();
      log.info('poller stopped');
    },
    stats: () => ({ targets: slots.size, inFlight, buffered: buffer.size }),
    holds: (targetId) => slots.has(targetId),
  };
}
