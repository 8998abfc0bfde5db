// Test doubles for the live streams' unit tests: an SseClient over an in-memory response (what the
// hub and the feed write, parsed back into frames) and a store whose calls are counted and can be
// held or failed, so races and store errors are driven step by step instead of by timing.
import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { SseClient } from '../../src/live/sse.js';
import type { Store } from '../../src/storage/store.js';

class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  destroyed = false;
  writableLength = 0;
  status: number | undefined;

  writeHead(status: number): void {
    this.status = status;
  }

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  end(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

export interface ParsedFrame {
  event?: string;
  data?: unknown;
  id?: string;
}

export interface FakeClient {
  client: SseClient;
  /** The peer hangs up. */
  hangUp(): void;
  /** Every block written after the `retry:` line, parsed (an `id:` line alone is a block without event). */
  frames(): ParsedFrame[];
  /** The data of one event type's frames. */
  data(event: string): unknown[];
  /** The last `id:` seen: what EventSource would send back as Last-Event-ID. */
  lastId(): string | undefined;
}

/** A client on an in-memory response; `gone` makes its request already closed, so start() fails. */
export function fakeClient(opts: { gone?: boolean } = {}): FakeClient {
  const res = new FakeResponse();
  const reply = { raw: res, hijack() {}, request: { raw: { destroyed: opts.gone ?? false } } } as unknown as FastifyReply;
  const client = new SseClient(reply, { maxBacklogBytes: 1 << 30, retryMs: 2000, onDrop() {}, onClose() {}, onFrame() {} });
  const frames = () =>
    res.chunks
      .join('')
      .split('\n\n')
      .filter((b) => b && !b.startsWith('retry:') && !b.startsWith(':'))
      .map((block) => {
        const f: ParsedFrame = {};
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(': ');
          const value = rest.join(': ');
          if (field === 'event') f.event = value;
          else if (field === 'data') f.data = JSON.parse(value);
          else if (field === 'id') f.id = value;
        }
        return f;
      });
  return {
    client,
    hangUp: () => res.destroy(),
    frames,
    data: (event) => frames().filter((f) => f.event === event).map((f) => f.data),
    lastId: () => frames().reduce<string | undefined>((id, f) => f.id ?? id, undefined),
  };
}

type Method = Exclude<keyof Store, 'kind'>;

export interface SpyStore {
  store: Store;
  /** The arguments of every call, by method. */
  calls: Partial<Record<Method, unknown[][]>>;
  /** What each call returned, by method. */
  results: Partial<Record<Method, unknown[]>>;
  /** Runs before each call of `method` (after it is counted); may wait or throw. Cleared by passing undefined. */
  before(method: Method, hook: ((...args: unknown[]) => Promise<void> | void) | undefined): void;
  count(method: Method): number;
}

/** `inner`, with every call counted and open to a hook. */
export function spyStore(inner: Store): SpyStore {
  const calls: SpyStore['calls'] = {};
  const results: SpyStore['results'] = {};
  const hooks = new Map<Method, (...args: unknown[]) => Promise<void> | void>();
  const store = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      const method = prop as Method;
      return async (...args: unknown[]) => {
        (calls[method] ??= []).push(args);
        await hooks.get(method)?.(...args);
        const out: unknown = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        (results[method] ??= []).push(out);
        return out;
      };
    },
  });
  return {
    store,
    calls,
    results,
    before(method, hook) {
      if (hook) hooks.set(method, hook);
      else hooks.delete(method);
    },
    count: (method) => calls[method]?.length ?? 0,
  };
}

/** A gate a hook can wait on. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** Polls `pred` until it holds; fails after 10 s with `what`. */
export async function until(what: string, pred: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
