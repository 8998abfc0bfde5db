import type { FastifyReply } from 'fastify';

// Server-Sent Events written by hand on the raw response (WHATWG HTML §9.2). Fastify is told to
// step aside (reply.hijack) once the stream starts; everything before that — 404, 400, 503 — is an
// ordinary JSON error through the app's error handler.

/**
 * One frame, serialised once and written as is to every client it goes to. `json` is JSON text on
 * one line (JSON.stringify escapes every newline, so no frame can be split or forged by a string in
 * it). `id` is the `id:` line: the instant a reconnecting EventSource sends back as Last-Event-ID
 * (see LiveHub for what it means).
 */
export interface SseFrame {
  event: string;
  text: string;
}

export function sseFrame(event: string, json: string, id?: number): SseFrame {
  return { event, text: `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n` };
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  // nginx buffers proxied responses by default, which would hold frames back until its buffer fills.
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
} as const;

export interface SseClientOptions {
  /** Bytes written but not yet taken by the socket past which the client is dropped. */
  maxBacklogBytes: number;
  retryMs: number;
  /** Called once when the client is dropped for its backlog (before onClose). */
  onDrop: () => void;
  /** Called once, however the stream ends. */
  onClose: () => void;
  onFrame: (event: string) => void;
}

/**
 * One subscriber's stream. Writes never wait: a client that stops reading piles up bytes in its
 * response buffer. Its feeder calls `drained()` before each round of writes: a client still holding
 * more than `maxBacklogBytes` from earlier rounds is disconnected (it can reconnect with `since`)
 * rather than holding memory for the one reader that feeds everyone. Checked between rounds, not
 * per write, because one round (a page of observations, a replay) is written at once and may
 * exceed the bound on its own; so a client holds at most the bound plus one round.
 */
export class SseClient {
  readonly #reply: FastifyReply;
  readonly #opts: SseClientOptions;
  #started = false;
  #closed = false;

  constructor(reply: FastifyReply, opts: SseClientOptions) {
    this.#reply = reply;
    this.#opts = opts;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes over the response and sends the headers and the `retry:` line. False if the client is already gone. */
  start(): boolean {
    if (this.#started || this.#closed) return !this.#closed;
    this.#started = true;
    const res = this.#reply.raw;
    this.#reply.hijack();
    res.once('close', () => this.#finish());
    if (res.destroyed || this.#reply.request.raw.destroyed) {
      this.#finish();
      return false;
    }
    res.writeHead(200, SSE_HEADERS);
    // Sent at once so the client sees the stream open before the first frame.
    this.#write(`retry: ${this.#opts.retryMs}\n\n`);
    return !this.#closed;
  }

  /** Sends one frame; false when the client is (now) gone. */
  send(frame: SseFrame): boolean {
    if (!this.#started || this.#closed) return false;
    if (!this.#write(frame.text)) return false;
    this.#opts.onFrame(frame.event);
    return true;
  }

  /**
   * An `id:` line alone: sets the client's Last-Event-ID without an event (WHATWG HTML §9.2.6: a
   * block without data dispatches nothing), so a client that saw no frame yet still reconnects from
   * where it joined.
   */
  sendId(id: number): boolean {
    return this.#started && this.#write(`id: ${id}\n\n`);
  }

  /** A comment line: keeps proxies and load balancers from timing out an idle stream. */
  comment(text: string): void {
    if (this.#started && this.drained()) this.#write(`: ${text}\n\n`);
  }

  /** Ends the stream (server shutdown, target deleted). */
  end(): void {
    if (this.#closed) return;
    if (this.#started) this.#reply.raw.end();
    this.#finish();
  }

  /** False (and the client is disconnected and counted) when it left more than the bound unread since the last round. */
  drained(): boolean {
    if (this.#closed) return false;
    if (!this.#started || this.#reply.raw.writableLength <= this.#opts.maxBacklogBytes) return true;
    this.#opts.onDrop();
    // destroy, not end: end() would queue behind the backlog the client is not reading.
    this.#reply.raw.destroy();
    this.#finish();
    return false;
  }

  #write(chunk: string): boolean {
    if (this.#closed) return false;
    this.#reply.raw.write(chunk);
    return true;
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#opts.onClose();
  }
}
