// Observations shaped like the ones the poller writes for a `json` target (src/poller/poller.ts:
// state, listeners, join { ok, ms, bytes }; a failed probe is `unknown` with a join-error code and no
// count), with values that move like a real audience. Deterministic, so every run writes the same data.
import { unitRandom } from '../../src/simulator/prng.js';
import type { Observation } from '../../src/types.js';

/** Share of probes that fail (timeouts), so the writer also stores the failure shape. */
const FAILURE_SHARE = 0.01;

export function seeded(seed: number, stream = 0): () => number {
  let n = 0;
  return () => unitRandom(seed, n++, stream);
}

/** One target's audience: a bounded random walk around `level`, like a live broadcast's count. */
export function audience(random: () => number, level: number): () => number {
  let n = Math.round(level * (0.5 + random()));
  return () => {
    n = Math.max(0, Math.round(n * (1 + (random() - 0.5) * 0.02) + (random() - 0.5) * 20));
    return n;
  };
}

export function observation(at: number, listeners: number, random: () => number): Observation {
  if (random() < FAILURE_SHARE) return { at, state: 'unknown', join: { ok: false, ms: 5_000, error: 'timeout', bytes: 0 } };
  return { at, state: 'live', join: { ok: true, ms: 20 + Math.round(random() * 180), bytes: 180 + Math.round(random() * 20) }, listeners };
}
