import { connect, type Socket } from 'node:net';
import { unitRandom } from '../../src/simulator/prng.js';

// A crowd of listeners for the simulator's listen endpoint (`GET /listen/:spaceId`, 'connections'
// mode): each listener is one raw TCP socket speaking just enough HTTP/1.1 to read a status line, so
// thousands cost a few hundred bytes each and nothing is pooled or reused behind the test's back.
//
// A listener joins; admitted (200), it holds the connection for a while (exponentially distributed,
// so a full room keeps freeing seats at a steady rate) and then hangs up, pauses and joins again;
// refused (503), it retries after a short wait, as people at a full Space keep pressing "join".
// Without that churn a full room would admit nobody ever again, every attempt would be refused, and
// the plateau would be a wall rather than the busy ceiling a storm really produces.

export interface CrowdOptions {
  /** The simulator's base URL (http://host:port). */
  url: string;
  spaceId: string;
  /** Mean time an admitted listener stays, ms (exponential). Infinity: until close(). */
  holdMeanMs: number;
  /** Wait after a refusal or a failed attempt before trying again, uniform [min, max] ms. */
  retryMs: readonly [number, number];
  /** Wait after hanging up (or being cut off) before joining again, uniform [min, max] ms. */
  pauseMs: readonly [number, number];
  /** An attempt without a status line by then counts as an error (`timeout`) and is retried. */
  attemptTimeoutMs?: number;
  seed?: number;
}

export interface CrowdStats {
  /** Listeners added so far (each either waiting, connecting or held). */
  listeners: number;
  /** Admitted and still connected. */
  held: number;
  /** Sockets open without an answer yet. */
  connecting: number;
  peakHeld: number;
  /** Most sockets open at once (held + connecting). */
  peakOpen: number;
  attempts: number;
  admitted: number;
  refused: number;
  /** Held connections the server ended. */
  cutOff: number;
  /** Failed attempts by cause: a socket error code, `http_<status>`, `timeout` or `closed`. */
  errors: Record<string, number>;
  /** Bytes received on held connections after the response head (approximate if the head spans packets). */
  bytes: number;
}

export interface Crowd {
  /** Adds `count` listeners, whose first attempts are spread evenly over `overMs`. */
  add(count: number, overMs: number): void;
  stats(): CrowdStats;
  /** Hangs every listener up and cancels every pending join. */
  close(): Promise<void>;
}

interface Listener {
  socket: Socket | undefined;
  timer: NodeJS.Timeout | undefined;
  state: 'waiting' | 'connecting' | 'held';
  /** The response head read so far (only until the status line is complete). */
  head: string;
}

/** A status line longer than this is not HTTP from the simulator. */
const MAX_HEAD = 1024;

export function createCrowd(opts: CrowdOptions): Crowd {
  const target = new URL(opts.url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 80);
  const request = Buffer.from(`GET /listen/${opts.spaceId} HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: spacewatch-crowd\r\nAccept: */*\r\n\r\n`);
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? 10_000;
  // The simulator's counter-based draws, so a crowd's waits repeat from run to run.
  const seed = opts.seed ?? 1;
  let draws = 0;
  const random = () => unitRandom(seed, draws++);
  const uniform = ([min, max]: readonly [number, number]) => min + random() * (max - min);
  const listeners = new Set<Listener>();
  const arrivals = new Set<NodeJS.Timeout>();
  const s = { held: 0, connecting: 0, peakHeld: 0, peakOpen: 0, attempts: 0, admitted: 0, refused: 0, cutOff: 0, bytes: 0 };
  const errors: Record<string, number> = {};
  let closed = false;

  const count = (cause: string) => (errors[cause] = (errors[cause] ?? 0) + 1);
  const later = (l: Listener, ms: number, fn: () => void) => {
    l.timer = setTimeout(() => {
      l.timer = undefined;
      fn();
    }, ms);
  };

  function join(l: Listener): void {
    if (closed) return;
    s.attempts++;
    s.connecting++;
    s.peakOpen = Math.max(s.peakOpen, s.held + s.connecting);
    l.state = 'connecting';
    l.head = '';
    const socket = connect({ host, port, noDelay: true });
    l.socket = socket;
    // Each socket's own outcome: `failure` set when it ended as a failed attempt.
    let failure: string | undefined;
    let hungUp = false;
    socket.setTimeout(attemptTimeoutMs, () => {
      if (l.state !== 'connecting') return;
      failure = 'timeout';
      socket.destroy();
    });
    socket.on('connect', () => socket.write(request));
    socket.on('error', (err: NodeJS.ErrnoException) => (failure ??= err.code ?? 'error'));
    socket.on('data', (chunk: Buffer) => {
      if (l.state === 'held') {
        s.bytes += chunk.length;
        return;
      }
      l.head += chunk.toString('latin1', 0, Math.min(chunk.length, MAX_HEAD));
      const eol = l.head.indexOf('\r\n');
      if (eol < 0) {
        if (l.head.length >= MAX_HEAD) {
          failure = 'invalid_response';
          socket.destroy();
        }
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(l.head.slice(0, eol))?.[1] ?? 0);
      s.connecting--;
      if (status === 200) {
        s.admitted++;
        s.held++;
        s.peakHeld = Math.max(s.peakHeld, s.held);
        l.state = 'held';
        socket.setTimeout(0);
        const bodyStart = l.head.indexOf('\r\n\r\n');
        if (bodyStart >= 0) s.bytes += Math.max(0, Buffer.byteLength(l.head, 'latin1') - bodyStart - 4);
        l.head = '';
        if (Number.isFinite(opts.holdMeanMs)) {
          later(l, -Math.log(1 - random()) * opts.holdMeanMs, () => {
            hungUp = true;
            socket.destroy();
          });
        }
        return;
      }
      // Refused (or anything else): hang up at once rather than wait for the server's FIN.
      l.state = 'waiting';
      if (status === 503) s.refused++;
      else count(status ? `http_${status}` : 'invalid_response');
      socket.destroy();
      if (!closed) later(l, uniform(opts.retryMs), () => join(l));
    });
    socket.on('close', () => {
      if (l.socket === socket) l.socket = undefined;
      if (l.state === 'connecting') {
        s.connecting--;
        l.state = 'waiting';
        // An attempt cut short by close() is not a failure of the server's.
        if (closed) return;
        count(failure ?? 'closed');
        later(l, uniform(opts.retryMs), () => join(l));
      } else if (l.state === 'held') {
        s.held--;
        l.state = 'waiting';
        if (!hungUp && !closed) s.cutOff++;
        if (l.timer) clearTimeout(l.timer);
        if (!closed) later(l, uniform(opts.pauseMs), () => join(l));
      }
    });
  }

  return {
    add(count, overMs) {
      for (let i = 0; i < count; i++) {
        const l: Listener = { socket: undefined, timer: undefined, state: 'waiting', head: '' };
        listeners.add(l);
        const arrival = setTimeout(() => {
          arrivals.delete(arrival);
          join(l);
        }, (overMs * i) / count);
        arrivals.add(arrival);
      }
    },
    stats: () => ({ listeners: listeners.size, ...s, errors: { ...errors } }),
    async close() {
      closed = true;
      for (const t of arrivals) clearTimeout(t);
      arrivals.clear();
      const closing: Promise<unknown>[] = [];
      for (const l of listeners) {
        if (l.timer) clearTimeout(l.timer);
        const socket = l.socket;
        if (socket && !socket.destroyed) {
          closing.push(new Promise((resolve) => socket.once('close', resolve)));
          socket.destroy();
        }
      }
      await Promise.all(closing);
    },
  };
}
