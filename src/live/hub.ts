import type { FastifyBaseLogger } from 'fastify';
import { SpacewatchError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { newestId, splitId } from '../storage/stream-id.js';
import { eventFrameOf, obsFrameOf } from './frames.js';
import { readReplay, replayFrames, type ReplayLimits } from './replay.js';
import type { SseClient } from './sse.js';
import { END_OF_TIME } from '../schemas/common.js';

// One reader per watched target, shared by all its subscribers: it polls the store (not an
// in-process bus), so whatever writes there — this process's poller, a poller on another host
// through Redis, an import — reaches every subscriber within a poll or two. A target nobody
// watches costs nothing; the reader stops with its last subscriber.
//
// Cursors: observations by `at` (stream IDs are the observation's ms), events by stream ID, which
// is insertion order (a claim or mark may be about an earlier instant, so `at` cannot be a cursor).
//
// Frame IDs (`id:`, sent back by a reconnecting EventSource as Last-Event-ID, which the route treats
// as `since`) are the client's *observation* position: an observation frame's ID is its `at`; an
// event frame's, the position before the observations of its poll (events go first). Not the
// newest event-ID ms: the poller writes a state change (ID = write time) before its write buffer
// stores the observation it is about (`at` earlier), so that ID would skip the observation. Events
// need no ID of their own: `since` replays every event about a later instant or written later, and
// an event not yet sent was written after the position — so the reader never sends observations
// past an event it has not read yet (a full event page caps them; a poll reads up to now − 1 ms).
// Events sent already may come again (clients dedupe by `id`); observations do not.


export interface HubOptions extends ReplayLimits {
  store: Store;
  /** Counts running readers. */
  readers?: { inc(): void; dec(): void };
  log?: FastifyBaseLogger;
  /** How often each watched target is read. */
  pollMs: number;
  /** Most observations read (and so sent) per target per poll: a 10,000-row import streams out over a few polls instead of flooding every client's backlog at once. */
  pageRows: number;
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
  /** Accepted, waiting for a poll to read their replay; they leave this queue only once it is sent. */
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
    r.eventCursor = newestId(events, undefined);
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

  /**
   * One poll: every read first, then every write. A failed read therefore sends nothing and moves
   * nothing: the cursors stay, and the joiners stay queued for the next poll (their stream is open
   * already, so leaving them out would hang them with keep-alives only).
   */
  async #read(r: Reader): Promise<void> {
    const { store, pageRows } = this.#opts;
    const id = r.targetId;
    r.polls++;
    if (r.polls % this.#opts.existenceCheckPolls === 0 && !(await store.getTarget(id))) {
      // Deleted: end the streams; a reconnecting EventSource then gets the 404 and stops.
      for (const c of [...r.subscribers, ...r.joiners.map((j) => j.client)]) c.end();
      r.subscribers.clear();
      r.joiners = [];
      return;
    }
    for (const c of r.subscribers) if (c.closed) r.subscribers.delete(c);
    r.joiners = r.joiners.filter((j) => !j.client.closed);
    // Those queued now; any that join during the reads wait for the next poll.
    const joining = r.joiners.length;
    if (r.subscribers.size === 0 && joining === 0) return;

    const sinces = r.joiners.flatMap((j) => (j.since === undefined ? [] : [j.since]));
    // Bounded by now (a future-dated import would otherwise move the cursor past everything real),
    // and short of it by 1 ms: an event written in the same ms as the read must not be at the position.
    const until = Date.now() - 1;
    const [replay, rows, fresh] = await Promise.all([
      sinces.length ? readReplay(store, id, Math.min(...sinces), r.obsCursor, r.eventCursor, this.#opts) : undefined,
      r.obsCursor < until ? store.range(id, r.obsCursor + 1, until, { limit: pageRows }) : Promise.resolve([]),
      // By ID: only what was written since the last poll, not the whole stream four times a second.
      store.eventsAfter(id, r.eventCursor, pageRows),
    ]);

    // Writes from here on: nothing below awaits.
    const position = r.obsCursor;
    let page = rows;
    if (fresh.length === pageRows) {
      // More events than a page: the rest were written at or after the last one read, so no
      // observation from that instant on goes out before them (see "Frame IDs").
      const cap = splitId(fresh[fresh.length - 1]!.id ?? '0')[0];
      page = rows.filter((o) => o.at < cap);
    }
    if (page.length) r.obsCursor = page[page.length - 1]!.at;
    if (fresh.length) r.eventCursor = fresh[fresh.length - 1]!.id;

    const joiners = r.joiners.splice(0, joining);
    const replayed = replay && replayFrames(replay);
    for (const j of joiners) {
      let last: number | undefined;
      if (replayed && j.since !== undefined) {
        const { frames, lastId } = replayed(j.since);
        for (const f of frames) if (!j.client.send(f)) break;
        last = lastId;
      }
      // The position it joins at, unless its replay's last observation said so already.
      if (last !== position) j.client.sendId(position);
      if (!j.client.closed) r.subscribers.add(j.client);
    }
    if (page.length === 0 && fresh.length === 0) return;

    const frames = [...fresh.map((e) => eventFrameOf(e, position)), ...page.map(obsFrameOf)];
    for (const c of r.subscribers) {
      if (!c.drained()) {
        r.subscribers.delete(c);
        continue;
      }
      for (const f of frames) if (!c.send(f)) break;
      if (c.closed) r.subscribers.delete(c);
    }
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
