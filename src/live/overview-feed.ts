import type { FastifyBaseLogger } from 'fastify';
import { SpacewatchError } from '../errors.js';
import { toIso } from '../schemas/common.js';
import type { Store } from '../storage/store.js';
import { byId, loadSummary, type TargetSummary } from './overview.js';
import type { SseClient } from './sse.js';

// The /api/v1/live stream: the overview computed once per tick for every subscriber together, only
// while someone listens, and sent only when it changed. A target's summary is recomputed when its
// newest observation or its alerts changed, and otherwise every `refreshMs` (status words such as
// "delayed · 12 min" and "no data" move with the clock alone, events such as marks show up then).

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

export class OverviewFeed {
  readonly #opts: OverviewFeedOptions;
  readonly #subscribers = new Set<SseClient>();
  readonly #cache = new Map<string, Cached>();
  /** The last overview sent, and its JSON without `at` to tell a change. */
  #last: { overview: Overview; body: string } | undefined;
  #first: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #holds = 0;
  #failing = false;
  #closed = false;

  constructor(opts: OverviewFeedOptions) {
    this.#opts = opts;
  }

  /** Starts `client`'s stream with the current overview (computed now if nobody was listening). */
  async subscribe(client: SseClient): Promise<void> {
    this.#holds++;
    try {
      if (!this.#first) this.#first = this.#tick();
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
    client.send('overview', this.#last.overview);
    this.#subscribers.add(client);
  }

  close(): void {
    this.#closed = true;
    this.#stop();
  }

  /** The first tick's failure reaches the subscriber (a JSON error); later ones are logged and retried. */
  async #tick(): Promise<void> {
    try {
      await this.#compute();
      if (this.#failing) this.#opts.log?.info('overview feed recovered');
      this.#failing = false;
    } catch (err) {
      if (!this.#last) {
        this.#stop();
        throw err;
      }
      if (!this.#failing) this.#opts.log?.warn({ err }, 'overview feed cannot read the store; retrying');
      this.#failing = true;
    }
    if (!this.#stopIfIdle()) {
      this.#timer = setTimeout(() => void this.#tick().catch(() => {}), this.#opts.tickMs);
    }
  }

  async #compute(): Promise<void> {
    const { store } = this.#opts;
    const now = Date.now();
    const [targets, alerts] = await Promise.all([store.listTargets(), store.listAlerts()]);
    targets.sort(byId);
    const latest = await Promise.all(targets.map((t) => store.latest(t.id)));
    const summaries = await Promise.all(
      targets.map(async (t, i) => {
        // What makes a summary stale apart from the clock: the target itself, its newest observation, its alerts.
        const key = JSON.stringify([t.name, t.source.kind, t.intervalMs, t.schedule ?? null, t.updatedAt ?? null, latest[i]?.at ?? null, alerts.filter((a) => a.targetId === t.id)]);
        const hit = this.#cache.get(t.id);
        if (hit && hit.key === key && now - hit.computedAt < this.#opts.refreshMs) return hit.summary;
        const summary = await loadSummary(store, t, alerts, now);
        this.#cache.set(t.id, { key, computedAt: now, summary });
        return summary;
      }),
    );
    for (const id of this.#cache.keys()) if (!targets.some((t) => t.id === id)) this.#cache.delete(id);

    const body = JSON.stringify(summaries);
    if (this.#last?.body === body) {
      // Unchanged, so not sent; a subscriber joining now still gets the time it is current as of.
      this.#last = { overview: { at: toIso(now), targets: this.#last.overview.targets }, body };
      return;
    }
    this.#last = { overview: { at: toIso(now), targets: summaries }, body };
    for (const c of this.#subscribers) if (!c.drained() || !c.send('overview', this.#last.overview)) this.#subscribers.delete(c);
  }

  #stopIfIdle(): boolean {
    for (const c of this.#subscribers) if (c.closed) this.#subscribers.delete(c);
    if (!this.#closed && (this.#subscribers.size > 0 || this.#holds > 0)) return false;
    this.#stop();
    return true;
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#first = undefined;
    // Nobody listens: the next subscriber gets a fresh overview, not one from when the last left.
    this.#last = undefined;
    this.#cache.clear();
  }
}
