// The zero-setup store (no REDIS_URL). It must behave exactly like RedisStore — the same contract
// suite runs against both — so rows go through the same codec normalisation, rollups through the
// same pure functions, and event IDs follow Redis's `<ms>-<seq>` rule.
import type { Logger } from 'pino';
import type { Observation, Rollup, Target, TargetEvent } from '../types.js';
import { groupBatch, normalizeObservation } from './codec.js';
import { computeRollup, MINUTE_MS, minutesToRecompute } from './rollup.js';
import type { AppendItem, AppendResult, RangeOptions, Store } from './store.js';
import { idAfter } from './stream-id.js';
import type { Alert } from '../alerts/types.js';

interface StoredEvent {
  id: string;
  ms: number;
  at: number;
  type: string;
  /** Kept as JSON, as Redis does, so a caller mutating its object later cannot change history. */
  data?: string;
}

interface TargetData {
  /** Sorted by `at`, unique `at`. */
  obs: Observation[];
  /** Sorted by minute start. */
  rollups: Rollup[];
  /** Insertion order (= ID order). */
  events: StoredEvent[];
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly #log: Logger | undefined;
  /** Target JSON, so reads hand out fresh objects like Redis does. */
  readonly #targets = new Map<string, string>();
  readonly #data = new Map<string, TargetData>();
  readonly #leases = new Map<string, { owner: string; expires: number }>();
  readonly #alerts = new Map<string, string>();

  constructor(opts: { log?: Logger } = {}) {
    this.#log = opts.log;
  }

  async putTarget(target: Target): Promise<void> {
    this.#targets.set(target.id, JSON.stringify(target));
  }

  async getTarget(id: string): Promise<Target | undefined> {
    const json = this.#targets.get(id);
    return json === undefined ? undefined : (JSON.parse(json) as Target);
  }

  async listTargets(): Promise<Target[]> {
    return [...this.#targets.keys()].sort().map((id) => JSON.parse(this.#targets.get(id) as string) as Target);
  }

  async deleteTarget(id: string): Promise<boolean> {
    this.#data.delete(id);
    this.#leases.delete(id);
    for (const key of [...this.#alerts.keys()]) if (key.startsWith(`${id}|`)) this.#alerts.delete(key);
    return this.#targets.delete(id);
  }

  async append(items: AppendItem[]): Promise<AppendResult> {
    const grouped = groupBatch(items);
    let { duplicates } = grouped;
    let written = 0;
    for (const [targetId, rows] of grouped.byTarget) {
      const data = this.#dataOf(targetId);
      const previousNewest = data.obs.at(-1)?.at;
      const late: Observation[] = [];
      const inOrder: Observation[] = [];
      for (const o of [...rows.values()].sort((a, b) => a.at - b.at).map(normalizeObservation)) {
        if (previousNewest === undefined || o.at > previousNewest) inOrder.push(o);
        else if (data.obs[lowerBound(data.obs, o.at)]?.at === o.at) duplicates++;
        else late.push(o);
      }
      // One merge per batch, not a splice per row: a big import of older data stays linear.
      if (late.length > 0) {
        data.obs = mergeByTime(data.obs, late);
        this.#log?.debug({ targetId, written: late.length }, 'stored out-of-order observations');
      }
      for (const o of inOrder) data.obs.push(o);
      written += late.length + inOrder.length;
      const touched = [...late, ...inOrder].map((o) => o.at);
      for (const minute of minutesToRecompute({ previousNewest, newest: data.obs.at(-1)?.at, written: touched })) {
        const rowsOfMinute = data.obs.slice(lowerBound(data.obs, minute), lowerBound(data.obs, minute + MINUTE_MS));
        const i = lowerBound(data.rollups, minute);
        const replace = data.rollups[i]?.at === minute ? 1 : 0;
        if (rowsOfMinute.length > 0) data.rollups.splice(i, replace, computeRollup(minute, rowsOfMinute));
        else data.rollups.splice(i, replace);
      }
    }
    return { written, duplicates };
  }

  async range(targetId: string, from: number, to: number, opts: RangeOptions = {}): Promise<Observation[]> {
    const obs = this.#data.get(targetId)?.obs ?? [];
    const start = lowerBound(obs, Math.ceil(from));
    let end = lowerBound(obs, Math.floor(to) + 1);
    if (opts.limit !== undefined) end = Math.min(end, start + Math.max(0, opts.limit));
    const out: Observation[] = [];
    for (let i = start; i < end; i++) out.push(copyObservation(obs[i] as Observation));
    return out;
  }

  async latest(targetId: string): Promise<Observation | undefined> {
    const last = this.#data.get(targetId)?.obs.at(-1);
    return last && copyObservation(last);
  }

  async rollups(targetId: string, from: number, to: number): Promise<Rollup[]> {
    const rollups = this.#data.get(targetId)?.rollups ?? [];
    return rollups.slice(lowerBound(rollups, Math.ceil(from)), lowerBound(rollups, Math.floor(to) + 1)).map((r) => ({ ...r }));
  }

  async trim(targetId: string, before: number): Promise<number> {
    const data = this.#data.get(targetId);
    const cut = Math.ceil(before);
    if (!data || !(cut > 0)) return 0;
    const gone = lowerBound(data.obs, cut);
    data.obs.splice(0, gone);
    data.rollups.splice(0, lowerBound(data.rollups, cut));
    // Like XTRIM MINID on the Redis event stream: by insertion time, not by `at`.
    const keep = data.events.findIndex((e) => e.ms >= cut);
    data.events.splice(0, keep < 0 ? data.events.length : keep);
    return gone;
  }

  async appendEvent(targetId: string, event: TargetEvent): Promise<string> {
    const events = this.#dataOf(targetId).events;
    // Redis's auto-ID rule: the clock's ms, or the last ms with the next sequence if the clock has
    // not moved on (or went back).
    const prev = events.at(-1);
    const now = Date.now();
    const [ms, seq] = prev && prev.ms >= now ? [prev.ms, Number(prev.id.slice(prev.id.indexOf('-') + 1)) + 1] : [now, 0];
    const stored: StoredEvent = { id: `${ms}-${seq}`, ms, at: event.at, type: event.type };
    if (event.data !== undefined) stored.data = JSON.stringify(event.data);
    events.push(stored);
    return stored.id;
  }

  async events(targetId: string, from: number, to: number): Promise<TargetEvent[]> {
    const out: TargetEvent[] = [];
    for (const e of this.#data.get(targetId)?.events ?? []) if (e.at >= from && e.at <= to) out.push(decodeStored(e));
    return out.sort((a, b) => a.at - b.at); // stable: equal `at` stay in insertion order
  }

  async eventsAfter(targetId: string, afterId: string | undefined, limit: number): Promise<TargetEvent[]> {
    const events = this.#data.get(targetId)?.events ?? [];
    // IDs grow with insertion, so the first one after `afterId` starts the answer.
    const first = events.findIndex((e) => idAfter(e.id, afterId));
    return first < 0 ? [] : events.slice(first, first + limit).map(decodeStored);
  }

  async putAlert(alert: Alert): Promise<void> {
    this.#alerts.set(`${alert.targetId}|${alert.rule}`, JSON.stringify(alert));
  }

  async listAlerts(): Promise<Alert[]> {
    return [...this.#alerts.values()].map((json) => JSON.parse(json) as Alert);
  }

  // One process holds the memory store, but several pollers in it (tests, embedders) still get the
  // same lease semantics as on Redis.
  async claimLeases(owner: string, targetIds: string[], ttlMs: number): Promise<string[]> {
    const now = Date.now();
    return targetIds.filter((id) => {
      const lease = this.#leases.get(id);
      if (lease && lease.owner !== owner && lease.expires > now) return false;
      this.#leases.set(id, { owner, expires: now + ttlMs });
      return true;
    });
  }

  async releaseLeases(owner: string, targetIds: string[]): Promise<void> {
    for (const id of targetIds) if (this.#leases.get(id)?.owner === owner) this.#leases.delete(id);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    // Nothing to release: no timers, no sockets. Data stays readable until the instance is dropped.
  }

  #dataOf(targetId: string): TargetData {
    let data = this.#data.get(targetId);
    if (!data) this.#data.set(targetId, (data = { obs: [], rollups: [], events: [] }));
    return data;
  }
}

/** First index whose `at` is ≥ `at` (array sorted by `at`). */
function lowerBound(arr: readonly { at: number }[], at: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as { at: number }).at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two arrays sorted by `at` with no `at` in common → one sorted array. */
function mergeByTime(a: readonly Observation[], b: readonly Observation[]): Observation[] {
  const out: Observation[] = new Array<Observation>(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.at < y.at)) {
      out[k] = x as Observation;
      i++;
    } else {
      out[k] = y;
      j++;
    }
  }
  return out;
}

function copyObservation(o: Observation): Observation {
  const c: Observation = { ...o };
  if (o.join) c.join = { ...o.join };
  if (o.extra) c.extra = { ...o.extra };
  return c;
}

function decodeStored(e: StoredEvent): TargetEvent {
  const event: TargetEvent = { id: e.id, at: e.at, type: e.type };
  if (e.data !== undefined) event.data = JSON.parse(e.data) as Record<string, unknown>;
  return event;
}
