import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

// A real audience for the simulator: each HTTP connection to the listen endpoint is one listener,
// held open and fed a trickle of bytes, so "listeners" are concurrent sockets rather than a number
// read from a keyframe. A capacity turns away the listeners that do not fit (503, closed at once),
// which is how a broadcast at its ceiling behaves: the count stops growing however many knock.
//
// The refused share of recent listen attempts is what the simulator's API uses as its own failure
// share in this mode (server.ts), so a watcher's join probes fail about as often as real listeners
// are being turned away.

export interface AudienceOptions {
  /** Most listeners held at once; Infinity admits everyone. */
  capacity: number;
  /** Epoch ms; tests pass a fake clock to move the refusal window without sleeping. */
  now: () => number;
  /** The span over which refused attempts make up `refusedShare()`. Default 5 s. */
  windowMs?: number;
  /** How often every held listener gets its chunk of bytes. Default 1 s. */
  trickleMs?: number;
  /** Whether the Space is on air: listeners are admitted only then, and cut off (at the next trickle) once it is not. Default: always. */
  live?: () => boolean;
  log?: Logger;
}

export interface AudienceStats {
  capacity: number;
  /** Listeners held open now. */
  connected: number;
  /** Most listeners held at once so far. */
  peak: number;
  /** Listen attempts admitted and refused (over capacity) since the start. */
  admitted: number;
  refused: number;
  /** Attempts while the Space was not live (404), not counted as refusals. */
  notLive: number;
  /** Held listeners that hung up. */
  left: number;
  /** Held listeners the simulator cut off: too slow to read, the Space ended, or close(). */
  dropped: number;
  /** Refused share of the attempts over the last `windowMs` (0 without attempts). */
  refusedShare: number;
  /** Bytes written to listeners, headers excluded. */
  bytes: number;
}

export interface Audience {
  /** Handles one listen request for the Space being played. */
  listen(req: IncomingMessage, res: ServerResponse): void;
  connected(): number;
  refusedShare(): number;
  stats(): AudienceStats;
  /** Ends every held connection and stops the trickle. */
  close(): void;
}

/** Refusals are counted in buckets this wide: memory stays fixed whatever the attempt rate. */
const BUCKET_MS = 250;
/**
 * Stand-in for audio: small enough that thousands of listeners cost little, present enough that the
 * connection carries data (a client that stopped reading shows up as a growing write queue).
 */
const CHUNK = Buffer.alloc(64);
/** A listener whose unread bytes exceed this is cut off, as a streaming server drops a stalled client; keeps memory per connection bounded. */
const MAX_QUEUED_BYTES = 64 * 1024;

export function createAudience(opts: AudienceOptions): Audience {
  const { capacity, now, log } = opts;
  const live = opts.live ?? (() => true);
  const windowMs = opts.windowMs ?? 5_000;
  const slots = Math.ceil(windowMs / BUCKET_MS) + 1;
  // Ring of per-bucket counts; `bucketOf` says which bucket index each slot currently holds.
  const admittedIn = new Array<number>(slots).fill(0);
  const refusedIn = new Array<number>(slots).fill(0);
  const bucketOf = new Array<number>(slots).fill(-1);
  const held = new Set<ServerResponse>();
  const counts = { peak: 0, admitted: 0, refused: 0, notLive: 0, left: 0, dropped: 0, bytes: 0 };

  function slotFor(at: number): number {
    const bucket = Math.floor(at / BUCKET_MS);
    const i = bucket % slots;
    if (bucketOf[i] !== bucket) {
      bucketOf[i] = bucket;
      admittedIn[i] = 0;
      refusedIn[i] = 0;
    }
    return i;
  }

  function refusedShare(): number {
    const current = Math.floor(now() / BUCKET_MS);
    const oldest = current - Math.ceil(windowMs / BUCKET_MS);
    let admitted = 0;
    let refused = 0;
    for (let i = 0; i < slots; i++) {
      const b = bucketOf[i]!;
      if (b > oldest && b <= current) {
        admitted += admittedIn[i]!;
        refused += refusedIn[i]!;
      }
    }
    return admitted + refused === 0 ? 0 : refused / (admitted + refused);
  }

  function write(res: ServerResponse): void {
    if (res.writableLength > MAX_QUEUED_BYTES) return cut(res);
    res.write(CHUNK);
    counts.bytes += CHUNK.length;
  }

  function dropAll(): void {
    for (const res of [...held]) cut(res);
  }

  function cut(res: ServerResponse): void {
    if (held.delete(res)) counts.dropped++;
    res.destroy();
  }

  // One timer for every listener rather than one each: thousands of connections, one wake-up a tick.
  // When the Space ends, its listeners are cut off with it.
  const trickle = setInterval(() => {
    if (held.size > 0 && !live()) dropAll();
    for (const res of held) write(res);
  }, opts.trickleMs ?? 1_000);
  trickle.unref();

  return {
    listen(req, res) {
      if (!live()) {
        counts.notLive++;
        return problem(res, 404, 'Not Found', 'The Space is not live', {});
      }
      const i = slotFor(now());
      if (held.size >= capacity) {
        counts.refused++;
        refusedIn[i]!++;
        // Closed at once: a refused listener holds nothing, and retries on a new connection.
        return problem(res, 503, 'Service Unavailable', 'The Space is at capacity', { 'retry-after': '1' });
      }
      counts.admitted++;
      admittedIn[i]!++;
      held.add(res);
      counts.peak = Math.max(counts.peak, held.size);
      res.on('close', () => {
        if (held.delete(res)) counts.left++;
      });
      // The request body (none expected) must not sit in a buffer for the life of the connection.
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', connection: 'close' });
      // The first chunk goes out with the headers, so the listener knows at once it got in.
      write(res);
      log?.trace({ connected: held.size }, 'audience: listener admitted');
    },
    connected: () => held.size,
    refusedShare,
    stats: () => ({ capacity, connected: held.size, ...counts, refusedShare: refusedShare() }),
    close() {
      clearInterval(trickle);
      dropAll();
    },
  };
}

function problem(res: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string>): void {
  const body = JSON.stringify({ title, detail, type: 'about:blank', status });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close', ...headers });
  res.end(body);
}
