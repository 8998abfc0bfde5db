import { minuteOf } from '../storage/rollup.js';
import type { Store } from '../storage/store.js';
import { idAfter, splitId } from '../storage/stream-id.js';
import type { Observation, TargetEvent } from '../types.js';
import { eventFrameOf, obsFrameOf } from './frames.js';
import type { SseFrame } from './sse.js';

// The `since` replay of a target's live stream (or a reconnect's Last-Event-ID): read once per poll
// for every client joining in it, from the smallest `since`, and cut per client. Each client's
// window ends at the same cursors, so its newest observations are a suffix of the shared read.

export interface ReplayLimits {
  /** `since` replays at most this many observations (the newest) and events. */
  replayMaxObservations: number;
  replayMaxEvents: number;
  /** `since` reaches back at most this far from the reader's cursor. */
  replayMaxMs: number;
}

export interface Replay {
  /** The newest observations up to the cursor, oldest first. */
  rows: Observation[];
  /** Every event, in the order written. */
  events: TargetEvent[];
  /** The reader's cursors the replay runs up to (the live frames follow on from them). */
  obsCursor: number;
  eventCursor: string | undefined;
  limits: ReplayLimits;
}

/** eventsAfter's limit for "every event": the replay filters them by ID and instant itself. */
const ALL = Number.MAX_SAFE_INTEGER;

export async function readReplay(
  store: Store,
  targetId: string,
  since: number,
  obsCursor: number,
  eventCursor: string | undefined,
  limits: ReplayLimits,
): Promise<Replay> {
  const from = Math.max(since + 1, obsCursor - limits.replayMaxMs);
  const [rows, events] = await Promise.all([
    from <= obsCursor ? newestRows(store, targetId, from, obsCursor, limits.replayMaxObservations) : Promise.resolve([]),
    store.eventsAfter(targetId, undefined, ALL),
  ]);
  return { rows, events, obsCursor, eventCursor, limits };
}

/**
 * The newest `max` rows in [from, to] without reading the whole hour: the rollups' counts say from
 * which minute on there are enough. The minute of `to` may hold rows after it and the newest minute
 * has no rollup yet, so neither is counted (read, not skipped): a count too low reads more, never
 * less. So at most `max` rows plus two minutes' worth are read.
 */
export async function newestRows(store: Store, targetId: string, from: number, to: number, max: number): Promise<Observation[]> {
  const minutes = await store.rollups(targetId, minuteOf(from), minuteOf(to) - 1);
  let start = from;
  let n = 0;
  for (let i = minutes.length - 1; i >= 0; i--) {
    n += minutes[i]!.count;
    if (n >= max) {
      start = Math.max(from, minutes[i]!.at);
      break;
    }
  }
  return (await store.range(targetId, start, to)).slice(-max);
}

/**
 * Per client: its replay frames — events first without an ID (the client's position is still
 * `since`), then its observations, each with its `at` — and the last ID among them. Frames are
 * built once per replay, however many clients share them.
 */
export function replayFrames(replay: Replay): (since: number) => { frames: SseFrame[]; lastId: number | undefined } {
  const { limits, obsCursor, eventCursor } = replay;
  const obsFrames = new Map<Observation, SseFrame>();
  const eventFrames = new Map<TargetEvent, SseFrame>();
  const once = <T>(made: Map<T, SseFrame>, x: T, make: (x: T) => SseFrame) => made.get(x) ?? made.set(x, make(x)).get(x)!;
  return (since) => {
    // "Newer than since" for an event: about a later instant, or written after it (a mark about an earlier moment).
    const events = replay.events
      .filter((e) => !idAfter(e.id, eventCursor) && (e.at > since || splitId(e.id ?? '0')[0] > since))
      .slice(-limits.replayMaxEvents);
    const from = Math.max(since + 1, obsCursor - limits.replayMaxMs);
    const rows = replay.rows.filter((o) => o.at >= from && o.at <= obsCursor).slice(-limits.replayMaxObservations);
    return {
      frames: [...events.map((e) => once(eventFrames, e, (x) => eventFrameOf(x))), ...rows.map((o) => once(obsFrames, o, obsFrameOf))],
      lastId: rows.length ? rows[rows.length - 1]!.at : undefined,
    };
  };
}
