import type { FastifyBaseLogger } from 'fastify';
import { SpacewatchError } from '../errors.js';
import { toIso } from '../schemas/common.js';
import type { Store } from '../storage/store.js';
import { byId, loadSummary, type TargetSummary } from './overview.js';
import { sharedResult } from './shared-result.js';
import { sseFrame, type SseClient, type SseFrame } from './sse.js';

// The overview (GET /overview, and the /api/v1/live stream): computed once per tick for every
// subscriber together, only while someone listens, and sent only when it changed. A target's
// summary is recomputed when its newest observation or its alerts changed, and otherwise every
// `refreshMs` (status words such as "delayed · 12 min" and "no data" move with the clock alone,
// events such as marks show up then). GET /overview takes the running loop's last tick, or while
// nobody listens one computation shared by the callers within a tick.

export interface OverviewFeedOptions {
  store: Store;
  log?: FastifyBaseLogger;
  tickMs: number;
  refreshMs: number;
}

export const DEFAULT_OVERVIEW_FEED_OPTIONS = { tickMs: 1000, refreshMs: 5000 } as const;

export interface Overview {
  at: string;
  targets: TargetSummary[];
}

interface Cached {
  key: string;
  computedAt: number;
  summary: TargetSummary;
}

interface Snapshot {
  overview: Overview;
  /** The targets' JSON: tells a change, and is the frame's data without serialising again. */
  body: string;
  frame: SseFrame;
}

export class OverviewFeed {
  readonly #opts: OverviewFeedOptions;
  readonly #subscribers = new Set<SseClient>();
  readonly #idle: () => Promise<Overview>;
  /** The running loop's summaries; a new map per loop, so a tick of a stopped loop cannot fill the next one's. */
  #cache = new Map<string, Cached>();
  /** The last overview the running loop computed. */
  #last: Snapshot | undefined;
  /** The running loop's first tick (subscribers wait for it); undefined while stopped. */
  #first: Promise<void> | undefined;
  /**
   * Bumped by every stop. A tick still reading when its loop stops ends without publishing or
   * rescheduling, so a loop started meanwhile stays the only one (and its timer the only timer).
   */
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #holds = 0;
  #failing = false;
  #closed = false;

  constructor(opts: OverviewFeedOptions) {
    this.#opts = opts;
    this.#idle = sharedResult(async () => (await this.#compute(Date.now(), undefined)).overview, opts.tickMs);
  }

  /** The overview as of at most a tick ago: the running loop's, else computed (and shared by callers within a tick). */
  async current(): Promise<Overview> {
    // A failing loop's last overview is stale: compute, so the caller gets the store's error.
    if (this.#last && !this.#failing) return this.#last.overview;
    return this.#idle();
  }

  /** Starts `client`'s stream with the current overview (computed now if nobody was listening). */
  async subscribe(client: SseClient): Promise<void> {
    this.#holds++;
    try {
      this.#first ??= this.#tick(this.#generation);
      await this.#first;
    } finally {
      this.#holds--;
    }
    if (this.#closed || !this.#last) {
      client.end();
      throw new SpacewatchError('SW_LIVE_FULL', 'the server is shutting down');
    }
    if (!client.start()) {
      this.#stopIfIdle();
      return;
    }
    client.send(this.#last.frame);
    this.#subscribers.add(client);
  }

  close(): void {
    this.#closed = true;
    this.#stop();
  }

  /** The first tick's failure reaches the subscriber (a JSON error); later ones are logged and retried. */
  async #tick(generation: number): Promise<void> {
    try {
      const snapshot = await this.#compute(Date.now(), this.#cache);
      if (generation !== this.#generation) return;
      this.#publish(snapshot);
      if (this.#failing) this.#opts.log?.info('overview feed recovered');
      this.#failing = false;
    } catch (err) {
      if (generation !== this.#generation) return;
      if (!this.#last) {
        this.#stop();
        throw err;
      }
      if (!this.#failing) this.#opts.log?.warn({ err }, 'overview feed cannot read the store; retrying');
      this.#failing = true;
    }
    if (!this.#stopIfIdle()) {
      this.#timer = setTimeout(() => void this.#tick(generation).catch(() => {}), this.#opts.tickMs);
    }
  }

  /** Every target's summary, in the order of GET /targets (by id); `cache` keeps summaries between ticks. */
  async #compute(now: number, cache: Map<string, Cached> | undefined): Promise<Snapshot> {
    const { store } = this.#opts;
    const [targets, alerts] = await Promise.all([store.listTargets(), store.listAlerts()]);
    targets.sort(byId);
    const latest = await Promise.all(targets.map((t) => store.latest(t.id)));
    const summaries = await Promise.all(
      targets.map(async (t, i) => {
        // What makes a summary stale apart from the clock: the target itself, its newest observation, its alerts.
        const key = JSON.stringify([t.name, t.source.kind, t.intervalMs, t.schedule ?? null, t.updatedAt ?? null, latest[i]?.at ?? null, alerts.filter((a) => a.targetId === t.id)]);
        const hit = cache?.get(t.id);
        if (hit && hit.key === key && now - hit.computedAt < this.#opts.refreshMs) return hit.summary;
        const summary = await loadSummary(store, t, alerts, now, latest[i]);
        cache?.set(t.id, { key, computedAt: now, summary });
        return summary;
      }),
    );
    if (cache) {
      const ids = new Set(targets.map((t) => t.id));
      for (const id of cache.keys()) if (!ids.has(id)) cache.delete(id);
    }
    const at = toIso(now);
    const body = JSON.stringify(summaries);
    // The frame from the body already serialised: the same text as JSON.stringify(overview).
    return { overview: { at, targets: summaries }, body, frame: sseFrame('overview', `{"at":${JSON.stringify(at)},"targets":${body}}`) };
  }

  /** Keeps the snapshot (a subscriber joining now gets the time it is current as of); sends it only when it changed. */
  #publish(snapshot: Snapshot): void {
    const changed = this.#last?.body !== snapshot.body;
    this.#last = snapshot;
    if (!changed) return;
    for (const c of this.#subscribers) if (!c.drained() || !c.send(snapshot.frame)) this.#subscribers.delete(c);
  }

  #stopIfIdle(): boolean {
    for (const c of this.#subscribers) if (c.closed) this.#subscribers.delete(c);
    if (!this.#closed && (this.#subscribers.size > 0 || this.#holds > 0)) return false;
    this.#stop();
    return true;
  }

  #stop(): void {
    this.#generation++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#first = undefined;
    // Nobody listens: the next subscriber gets a fresh overview, not one from when the last left.
    this.#last = undefined;
    this.#cache = new Map();
  }
}
