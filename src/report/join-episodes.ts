import { tallyJoin, type JoinCounts } from '../detect/window.js';
import type { Observation } from '../types.js';

// Join-failure episodes: the stretches where listeners were being turned away, by the same bar the
// join_failures alert uses. Attempts are grouped into fixed buckets aligned to the clock (a minute,
// or longer on a slowly polled target so a bucket can hold the rule's minimum attempts); a bucket is
// failing when it holds at least `minAttempts` attempts and its failed share reaches `rate`;
// consecutive failing buckets merge into one episode. A bucket without attempts, or a healthy one,
// ends the episode. Attempts are what `isAttempt` says (src/detect/window.ts): rows without a join,
// `ended` answers and joins before a scheduled start while the platform says scheduled do not count.

export interface JoinRule {
  rate: number;
  minAttempts: number;
}

export interface JoinEpisode extends JoinCounts {
  from: number;
  to: number;
}

/** A minute, or whole minutes enough to hold `minAttempts` probes at the target's interval. */
export function bucketMs(minAttempts: number, intervalMs: number): number {
  return Math.max(1, Math.ceil((minAttempts * intervalMs) / 60_000)) * 60_000;
}

export class JoinTally {
  readonly bucketMs: number;
  /** Every attempt folded in, whatever its bucket. */
  readonly #total: JoinCounts = { attempts: 0, failed: 0, codes: {} };
  readonly #buckets = new Map<number, JoinCounts>();

  constructor(
    bucketWidthMs: number,
    private readonly scheduledStart: number | undefined,
  ) {
    this.bucketMs = bucketWidthMs;
  }

  get attempts(): number {
    return this.#total.attempts;
  }

  get failed(): number {
    return this.#total.failed;
  }

  add(o: Observation): void {
    // Not an attempt: no bucket either (a bucket without attempts would only end an episode, as its absence does).
    if (!tallyJoin(this.#total, o, this.scheduledStart)) return;
    const key = Math.floor(o.at / this.bucketMs) * this.bucketMs;
    let b = this.#buckets.get(key);
    if (!b) this.#buckets.set(key, (b = { attempts: 0, failed: 0, codes: {} }));
    tallyJoin(b, o, this.scheduledStart);
  }

  /** Episodes oldest first, their edges clipped to [from, to] (a bucket may start before the range). */
  episodes(rule: JoinRule, from: number, to: number): JoinEpisode[] {
    const out: JoinEpisode[] = [];
    let open: JoinEpisode | undefined;
    let openEnd = -Infinity;
    for (const key of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      const b = this.#buckets.get(key)!;
      const failing = b.attempts >= rule.minAttempts && b.failed / b.attempts >= rule.rate;
      if (!failing || key !== openEnd) open = undefined;
      if (!failing) continue;
      if (!open) out.push((open = { from: Math.max(key, from), to: key, attempts: 0, failed: 0, codes: {} }));
      open.attempts += b.attempts;
      open.failed += b.failed;
      for (const [code, n] of Object.entries(b.codes)) open.codes[code] = (open.codes[code] ?? 0) + n;
      openEnd = key + this.bucketMs;
      open.to = Math.min(openEnd, to);
    }
    return out;
  }
}
