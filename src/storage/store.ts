import type { Alert } from '../alerts/types.js';
import type { Observation, Rollup, Target, TargetEvent } from '../types.js';

export interface AppendItem {
  targetId: string;
  obs: Observation;
}

export interface AppendResult {
  written: number;
  /** Rows rejected because an observation already exists at that ms for that target. */
  duplicates: number;
}

export interface RangeOptions {
  /** Newest-last; at most this many entries (from the start of the range). */
  limit?: number;
}

/**
 * What spacewatch keeps. Two implementations (Redis, memory) pass one contract suite
 * (test/storage/store-contract.ts). Times are epoch ms; ranges are inclusive at both ends.
 */
export interface Store {
  readonly kind: 'redis' | 'memory';

  putTarget(target: Target): Promise<void>;
  getTarget(id: string): Promise<Target | undefined>;
  listTargets(): Promise<Target[]>;
  /** Removes the target and all its data. Returns false when it did not exist. */
  deleteTarget(id: string): Promise<boolean>;

  /**
   * Writes observations in one batch (one pipeline on Redis). Out-of-order and duplicate timestamps
   * are allowed: duplicates are counted and dropped, never overwrite. Rollups of every complete
   * minute the batch touches are (re)computed from the raw data.
   */
  append(items: AppendItem[]): Promise<AppendResult>;
  /** Raw observations with from ≤ at ≤ to, oldest first. */
  range(targetId: string, from: number, to: number, opts?: RangeOptions): Promise<Observation[]>;
  /** The newest observation, if any. */
  latest(targetId: string): Promise<Observation | undefined>;
  /** One-minute rollups whose minute starts within [from, to], oldest first. */
  rollups(targetId: string, from: number, to: number): Promise<Rollup[]>;
  /** Drops observations, rollups and events older than `before`. Returns how many observations went. */
  trim(targetId: string, before: number): Promise<number>;

  /** Appends an event; returns its ID. */
  appendEvent(targetId: string, event: TargetEvent): Promise<string>;
  events(targetId: string, from: number, to: number): Promise<TargetEvent[]>;
  /**
   * Events written after the one with ID `afterId` (all, when undefined), in the order they were
   * written, at most `limit`: what a follower that has seen up to `afterId` has not seen yet.
   */
  eventsAfter(targetId: string, afterId: string | undefined, limit: number): Promise<TargetEvent[]>;

  /**
   * Poller coordination (DESIGN.md "Processes and scale"): claims the lease on each target for
   * `owner`, or renews it when `owner` holds it already, for `ttlMs`. Returns the ids `owner` holds
   * now. A lease held by another owner is left alone until it expires, so a dead poller's targets
   * are taken over within one TTL.
   */
  claimLeases(owner: string, targetIds: string[], ttlMs: number): Promise<string[]>;
  /** Gives up `owner`'s leases (a clean shutdown hands targets over at once). */
  releaseLeases(owner: string, targetIds: string[]): Promise<void>;

  /** The current alert of each (target, rule): written by the poller that owns the target, read by any API. */
  putAlert(alert: Alert): Promise<void>;
  listAlerts(): Promise<Alert[]>;

  /** Health for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
