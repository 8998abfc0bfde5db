import type { FastifyBaseLogger } from 'fastify';
import { SpacewatchError } from '../errors.js';
import { toIso } from '../schemas/common.js';
import type { Store } from '../storage/store.js';
import { idAfter, splitId } from '../storage/stream-id.js';
import type { Observation, TargetEvent } from '../types.js';
import type { SseClient } from './sse.js';

// One reader per watched target, shared by all its subscribers: it polls the store (not an
// in-process bus), so whatever writes there — this process's poller, a poller on another host
// through Redis, an import — reaches every subscriber within a poll or two. A target nobody
// watches costs nothing; the reader stops with its last subscriber.
//
// Cursors: observations by `at` (stream IDs are the observation's ms), events by stream ID, which
// is insertion order (a claim or mark may be about an earlier instant, so `at` cannot be a cursor).

/** Latest instant any event can carry (ECMA-262 time value limit). */
const END_OF_TIME = 8.64e15;

export interface HubOptions {
  store: Store;
  /** Counts running readers. */
  readers?: { inc(): void; dec(): void };
  log?: FastifyBaseLogger;
  /** How often each watched target is read. */
  pollMs: number;
  /** Most observations read (and so sent) per target per poll: a 10,000-row import streams out over a few polls instead of flooding every client's backlog at once. */
  pageRows: number;
  /** `since` replays at most this many observations (the newest) and events. */
  replayMaxObservations: number;
  replayMaxEvents: number;
  /** `since` reaches back at most this far from the reader's cursor. */
  replayMaxMs: number;
  /** Every this many polls, the reader checks that the target still exists, and ends its streams if not. */
  existenceCheckPolls: number;
}

export const DEFAULT_HUB_OPTIONS = {
  pollMs: 250,
  pageRows: 1000,
  replayMaxObservations: 1000,
  replayMaxEvents: 200,
  replayMaxMs: 3_600_000,
  existenceCheckPolls: 20,
} as const satisfies Omit<HubOptions, 'store' | 'log' | 'readers'>;

/** The `observation` frame: the stored Observation, `at` in epoch ms as in series. */
export function observationFrame(o: Observation): Observation {
  return { ...o, source: o.source ?? 'poll' };
}

/** The `event` frame: a /timeline entry without the span fields. */
export function eventFrame(e: TargetEvent) {
  return { id: e.id ?? '', at: toIso(e.at), type: e.type, data: e.data ?? {} };
}

const byId = (x: TargetEvent, y: TargetEvent) => (x.id === y.id ? 0 : idAfter(x.id, y.id) ? 1 : -1);

interface Joiner {
  client: SseClient;
  since?: number;
}

interface Reader {
  targetId: string;
  obsCursor: number;
  eventCursor: string | undefined;
  ready: Promise<void>;
  subscribers: Set<SseClient>;
  /** Accepted, waiting for the next poll to get their replay and join the fan-out. */
  joiners: Joiner[];
  /** Subscribers between "reader ready" and "joined": they keep the reader from stopping. */
  holds: number;
  timer: NodeJS.Timeout | undefined;
  polls: number;
  stopped: boolean;
  failing: boolean;
}

export class LiveHub {
  readonly #opts: HubOptions;
  readonly #readers = new Map<string, Reader>();
  #closed = false;

  constructor(opts: HubOptions) {
    this.#opts = opts;
  }

  /**
   * Starts `client`'s stream on `targetId` once the target's reader knows where "now" is, so
   * anything written after the stream opened reaches it. With `since` (epoch ms), the client first
   * gets what is newer than that (bounded), then the live frames, with no gap between.
   */
  async subscribe(targetId: string, client: SseClient, since?: number): Promise<void> {
    const r = this.#readerFor(targetId);
    r.holds++;
    try {
      await r.ready;
    } finally {
      r.holds--;
    }
    if (this.#closed) {
      client.end();
      throw new SpacewatchError('SW_LIVE_FULL', 'the server is shutting down');
    }
    if (!client.start()) {
      // Gone while the reader started: nothing to send.
      this.#stopIfIdle(r);
      return;
    }
    r.joiners.push(since === undefined ? { client } : { client, since });
    this.#schedule(r, 0);
  }

  /** Stops every reader; the streams themselves are ended by their owner (LiveClients). */
  close(): void {
    this.#closed = true;
    for (const r of this.#readers.values()) this.#stop(r);
  }

  #readerFor(targetId: string): Reader {
    const existing = this.#readers.get(targetId);
    if (existing && !existing.stopped) return existing;
    const r: Reader = {
      targetId,
      obsCursor: 0,
      eventCursor: undefined,
      ready: Promise.resolve(),
      subscribers: new Set(),
      joiners: [],
      holds: 0,
      timer: undefined,
      polls: 0,
      stopped: false,
      failing: false,
    };
    r.ready = this.#init(r);
    // A failed start leaves no reader behind: the next subscriber tries afresh.
    r.ready.catch(() => this.#stop(r));
    this.#readers.set(targetId, r);
    this.#opts.readers?.inc();
    return r;
  }

  async #init(r: Reader): Promise<void> {
    const { store } = this.#opts;
    // From what is stored, not the clock: the poller's write buffer stores a probe a moment after
    // its `at`, and Redis's clock may differ from ours.
    const [latest, events] = await Promise.all([store.latest(r.targetId), store.events(r.targetId, 0, END_OF_TIME)]);
    r.obsCursor = latest?.at ?? 0;
    for (const e of events) if (idAfter(e.id, r.eventCursor)) r.eventCursor = e.id;
  }

  #schedule(r: Reader, delayMs: number): void {
    if (r.stopped || r.timer) return;
    r.timer = setTimeout(() => {
      void this.#poll(r);
    }, delayMs);
  }

  async #poll(r: Reader): Promise<void> {
    try {
      await this.#read(r);
      if (r.failing) this.#opts.log?.info({ target: r.targetId }, 'live reader recovered');
      r.failing = false;
    } catch (err) {
      // Logged once per failing streak: a store outage must not write a line every 250 ms.
      if (!r.failing && !r.stopped) this.#opts.log?.warn({ err, target: r.targetId }, 'live reader cannot read the store; retrying');
      r.failing = true;
    } finally {
      r.timer = undefined;
      if (!this.#stopIfIdle(r)) this.#schedule(r, this.#opts.pollMs);
    }
  }

  async #read(r: Reader): Promise<void> {
    const { store } = this.#opts;
    const id = r.targetId;
    r.polls++;
    if (r.polls % this.#opts.existenceCheckPolls === 0 && !(await store.getTarget(id))) {
      // Deleted: end the streams; a reconnecting EventSource then gets the 404 and stops.
      for (const c of [...r.subscribers, ...r.joiners.map((j) => j.client)]) c.end();
      r.subscribers.clear();
      r.joiners = [];
      return;
    }

    // Joiners first, against the cursors as they stand: replay up to them, live after them.
    const joiners = r.joiners;
    r.joiners = [];
    for (const j of joiners) {
      if (j.client.closed) continue;
      if (j.since !== undefined) await this.#replay(r, j.client, j.since);
      if (!j.client.closed) r.subscribers.add(j.client);
    }
    for (const c of r.subscribers) if (c.closed) r.subscribers.delete(c);
    if (r.subscribers.size === 0) return;

    const now = Date.now();
    // Bounded by now: a future-dated import would otherwise move the cursor past everything real.
    const [rows, fresh] = await Promise.all([
      r.obsCursor < now ? store.range(id, r.obsCursor + 1, now, { limit: this.#opts.pageRows }) : Promise.resolve([]),
      // By ID: only what was written since the last poll, not the whole stream four times a second.
      store.eventsAfter(id, r.eventCursor, this.#opts.pageRows),
    ]);
    if (rows.length) r.obsCursor = rows[rows.length - 1]!.at;
    if (fresh.length) r.eventCursor = fresh[fresh.length - 1]!.id;
    if (rows.length === 0 && fresh.length === 0) return;

    // Frames serialised once per poll, not once per client.
    const obsData = rows.map(observationFrame);
    const eventData = fresh.map(eventFrame);
    for (const c of r.subscribers) {
      if (!c.drained()) {
        r.subscribers.delete(c);
        continue;
      }
      for (const o of obsData) if (!c.send('observation', o)) break;
      for (const e of eventData) if (!c.send('event', e)) break;
      if (c.closed) r.subscribers.delete(c);
    }
  }

  /** What is newer than `since` up to the reader's cursors: the newest observations and events, bounded. */
  async #replay(r: Reader, client: SseClient, since: number): Promise<void> {
    const { store } = this.#opts;
    const from = Math.max(since + 1, r.obsCursor - this.#opts.replayMaxMs);
    const [rows, events] = await Promise.all([
      from <= r.obsCursor ? store.range(r.targetId, from, r.obsCursor) : Promise.resolve([]),
      store.events(r.targetId, 0, END_OF_TIME),
    ]);
    // "Newer than since" for an event: about a later instant, or written after it (a mark about an earlier moment).
    const newer = events
      .filter((e) => !idAfter(e.id, r.eventCursor) && (e.at > since || splitId(e.id ?? '0')[0] > since))
      .sort(byId)
      .slice(-this.#opts.replayMaxEvents);
    for (const o of rows.slice(-this.#opts.replayMaxObservations)) if (!client.send('observation', observationFrame(o))) return;
    for (const e of newer) if (!client.send('event', eventFrame(e))) return;
  }

  /** Stops the reader when nobody is subscribed, joining or about to join. */
  #stopIfIdle(r: Reader): boolean {
    for (const c of r.subscribers) if (c.closed) r.subscribers.delete(c);
    if (r.subscribers.size > 0 || r.joiners.some((j) => !j.client.closed) || r.holds > 0) return r.stopped;
    this.#stop(r);
    return true;
  }

  #stop(r: Reader): void {
    if (r.stopped) return;
    this.#opts.readers?.dec();
    r.stopped = true;
    clearTimeout(r.timer);
    r.timer = undefined;
    if (this.#readers.get(r.targetId) === r) this.#readers.delete(r.targetId);
  }
}
