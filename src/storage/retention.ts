import type { Logger } from 'pino';
import type { Store } from './store.js';

export interface RetentionOptions {
  store: Store;
  retentionMs: number;
  log: Logger;
  /** How often to trim; retention is coarse, so every 10 minutes is plenty. */
  everyMs?: number;
  now?: () => number;
}

/** Trims every target's observations, rollups and events older than the retention window. */
export function startRetention(opts: RetentionOptions): { runOnce(): Promise<number>; stop(): void } {
  const now = opts.now ?? Date.now;
  let running = false;
  async function runOnce(): Promise<number> {
    if (running) return 0;
    running = true;
    let removed = 0;
    try {
      const before = now() - opts.retentionMs;
      for (const t of await opts.store.listTargets()) removed += await opts.store.trim(t.id, before);
      if (removed) opts.log.info({ removed }, 'retention trimmed old observations');
    } catch (err) {
      opts.log.error({ err }, 'retention run failed; will retry');
    } finally {
      running = false;
    }
    return removed;
  }
  const timer = setInterval(() => void runOnce(), opts.everyMs ?? 600_000);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
