import type { FastifyReply } from 'fastify';
import { SpacewatchError } from '../errors.js';
import type { LiveMetrics, LiveStream } from './metrics.js';
import { SseClient } from './sse.js';

export interface LiveClientsOptions {
  maxClients: number;
  maxBacklogBytes: number;
  keepAliveMs: number;
  retryMs: number;
  metrics: LiveMetrics;
}

/**
 * Every open live stream of the app, target and overview alike: the cap on how many there may be,
 * the one keep-alive timer for all of them, and the switch that ends them all at shutdown.
 */
export class LiveClients {
  readonly #opts: LiveClientsOptions;
  readonly #open = new Set<SseClient>();
  #keepAlive: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: LiveClientsOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#open.size;
  }

  /**
   * A client for this reply, counted from now on. Throws SW_LIVE_FULL (503) at the cap: a refused
   * client is told plainly, where an accepted one would starve every other. The stream itself starts
   * with `client.start()`, so errors found before it are still JSON.
   */
  open(reply: FastifyReply, stream: LiveStream): SseClient {
    if (this.#closed) throw new SpacewatchError('SW_LIVE_FULL', 'the server is shutting down');
    if (this.#open.size >= this.#opts.maxClients) throw new SpacewatchError('SW_LIVE_FULL', `${this.#opts.maxClients} live streams are open`);
    const { metrics } = this.#opts;
    const client: SseClient = new SseClient(reply, {
      maxBacklogBytes: this.#opts.maxBacklogBytes,
      retryMs: this.#opts.retryMs,
      onDrop: () => metrics.dropped.inc(),
      onFrame: (event) => metrics.frames.inc({ event }),
      onClose: () => {
        if (this.#open.delete(client)) metrics.clients.dec({ stream });
        if (this.#open.size === 0) this.#stopKeepAlive();
      },
    });
    this.#open.add(client);
    metrics.clients.inc({ stream });
    this.#startKeepAlive();
    return client;
  }

  /** Ends every stream; no new one is accepted. */
  close(): void {
    this.#closed = true;
    this.#stopKeepAlive();
    for (const c of [...this.#open]) c.end();
  }

  #startKeepAlive(): void {
    if (this.#keepAlive) return;
    // One timer for all clients rather than one each; it runs only while a stream is open.
    this.#keepAlive = setInterval(() => {
      for (const c of [...this.#open]) c.comment('keep-alive');
    }, this.#opts.keepAliveMs);
    this.#keepAlive.unref();
  }

  #stopKeepAlive(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }
}
