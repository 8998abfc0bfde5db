import { effectiveRules, type RulesConfig } from '../detect/rules.js';
import { END_OF_TIME } from '../schemas/common.js';
import { MINUTE_MS, minuteOf } from '../storage/rollup.js';
import type { Store } from '../storage/store.js';
import type { Observation, Target } from '../types.js';
import { claimsOf, type Claim } from './claim.js';
import { judgeClaim, PEAK_HISTORY_MS, toleranceMs, type Verdict } from './verdict.js';

// The I/O edge of the claims ledger: reads what each verdict needs and judges every claim at read
// time. Per claim: the raw rows within the tolerance of its instant (and the rest of its minute, which
// has no rollup yet); once per request: the rollups of the day around the claims (peak, ceilings) and
// the newest minute's raw rows (not rolled up yet).


export interface JudgedClaim {
  claim: Claim;
  verdict: Verdict;
}

export async function judgeClaims(store: Store, target: Target, claims: readonly Claim[], now: number): Promise<JudgedClaim[]> {
  if (claims.length === 0) return [];
  const rules = effectiveRules((target as Target & { rules?: RulesConfig }).rules);
  const tol = toleranceMs(target.intervalMs);
  const past = claims.filter((c) => c.at <= now);
  let rollups: Awaited<ReturnType<Store['rollups']>> = [];
  let newest: Observation[] = [];
  if (past.length) {
    const first = Math.min(...past.map((c) => c.at));
    const last = Math.max(...past.map((c) => c.at));
    [rollups, newest] = await Promise.all([
      store.rollups(target.id, first - PEAK_HISTORY_MS, Math.min(now, last + PEAK_HISTORY_MS)),
      store.range(target.id, minuteOf(now) - MINUTE_MS, now),
    ]);
  }
  return Promise.all(
    claims.map(async (claim) => {
      // A claim about the future has nothing to read yet.
      const near = claim.at > now ? [] : await store.range(target.id, Math.min(minuteOf(claim.at), claim.at - tol), claim.at + tol);
      const observations = claim.metric === 'capacity' ? mergeByTime(near, newest) : near;
      return { claim, verdict: judgeClaim(claim, { observations, rollups, intervalMs: target.intervalMs, capacity: rules.capacity, now }) };
    }),
  );
}

export async function loadClaims(store: Store, target: Target, now: number): Promise<JudgedClaim[]> {
  const events = await store.events(target.id, 0, END_OF_TIME);
  return judgeClaims(store, target, claimsOf(events), now);
}

function mergeByTime(a: readonly Observation[], b: readonly Observation[]): Observation[] {
  const byAt = new Map<number, Observation>();
  for (const o of a) byAt.set(o.at, o);
  for (const o of b) byAt.set(o.at, o);
  return [...byAt.values()].sort((x, y) => x.at - y.at);
}
