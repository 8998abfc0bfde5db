import type { Logger } from 'pino';
import type { AppendItem, Store } from '../storage/store.js';
import type { WriterMetrics } from './metrics.js';

export interface WriteBufferOptions {
  store: Store;
  log: Logger;
  metrics: WriterMetrics;
  /** Observations held at most; past this, new ones are dropped and counted (memory stays bounded when the store is down). */
  limit: number;
  flushIntervalMs: number;
  batchSize: number;
}

/**
 * Batches observations into pipelined store writes, so the hot path never costs one round trip per
 * sample. A failed write keeps its batch at the head of the queue and is retried with backoff; the
 * buffer limit bounds memory while the store is unreachable.
 */
export class WriteBuffer {
  private queue: AppendItem[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly opts: WriteBufferOptions) {}

  get size(): number {
    return this.queue.length;
  }

  push(item: AppendItem): boolean {
    if (this.queue.length >= this.opts.limit) {
      this.opts.metrics.dropped.inc();
      return false;
    }
    this.queue.push(item);
    this.opts.metrics.buffered.set(this.queue.length);
    if (this.queue.length >= this.opts.batchSize) this.kick(0);
    else this.kick(this.opts.flushIntervalMs);
    return true;
  }

  /** Writes everything queued now. Resolves when the queue is empty or a write failed. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops timers and drains what is queued, giving up after `deadlineMs` (what is left is logged). */
  async close(deadlineMs = 5_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + deadlineMs;
    while (this.queue.length > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.queue.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.queue.length > 0) this.opts.log.error({ lost: this.queue.length }, 'write buffer not drained at shutdown');
  }

  private kick(delayMs: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then(() => {
        if (this.queue.length > 0) this.kick(this.backoffMs());
      });
    }, delayMs);
  }

  private backoffMs(): number {
    return this.failures === 0 ? 0 : Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6));
  }

  private async drain(): Promise<void> {
    const { store, metrics, log, batchSize } = this.opts;
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, batchSize);
      const end = metrics.batchSeconds.startTimer();
      try {
        const res = await store.append(batch);
        end();
        this.queue.splice(0, batch.length);
        metrics.written.inc(res.written);
        if (res.duplicates) metrics.duplicates.inc(res.duplicates);
        if (this.failures > 0) log.info({ afterFailures: this.failures }, 'store writes recovered');
        this.failures = 0;
      } catch (err) {
        this.failures++;
        metrics.writeErrors.inc();
        if (this.failures === 1 || this.failures % 20 === 0) {
          log.error({ err, failures: this.failures, buffered: this.queue.length }, 'store write failed; will retry');
        }
        break;
      } finally {
        metrics.buffered.set(this.queue.length);
      }
    }
  }
}
