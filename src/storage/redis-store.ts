// The Redis store (DESIGN.md "Storage in Redis"). Hot path: one pipeline per append() whose XADDs use
// `<at>-0` IDs, so a duplicate ms is refused by Redis itself and XRANGE is a time-range query.
// Rare paths (rows older than the stream's top, closed minutes to roll up) cost one extra round trip
// each per append() call, never one per row.
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Observation, Rollup, Target, TargetEvent } from '../types.js';
import {
  groupBatch,
  decodeEvent,
  decodeRollup,
  decodeRows,
  encodeEvent,
  encodeLateMember,
  encodeObservation,
  encodeRollup,
  idToMs,
  type StreamEntry,
} from './codec.js';
import { createKeys, type Keys } from './keys.js';
import { computeRollup, MINUTE_MS, minuteOf, minutesToRecompute } from './rollup.js';
import type { AppendItem, AppendResult, RangeOptions, Store } from './store.js';
import type { Alert } from '../alerts/types.js';

export interface RedisStoreOptions {
  /** Built and owned by the caller: close() leaves it open. */
  redis: Redis;
  log?: Logger;
  keyPrefix?: string;
}

// Check-and-insert must be atomic: two importers checking "is this ms free?" and then both adding
// would store the same instant twice. KEYS[1] = stream, KEYS[2] = late set; ARGV = at, member, …
// An XRANGE bound without a sequence covers every sequence of that ms. Returns 1 (written) / 0 per row.
const LATE_INSERT_LUA = `
local out = {}
for i = 1, #ARGV, 2 do
  local at = ARGV[i]
  if #redis.call('XRANGE', KEYS[1], at, at, 'COUNT', 1) > 0 or redis.call('ZCOUNT', KEYS[2], at, at) > 0 then
    out[#out + 1] = 0
  else
    redis.call('ZADD', KEYS[2], at, ARGV[i + 1])
    out[#out + 1] = 1
  end
end
return out`;
// Leases: claim when free, renew when ours, leave alone when another poller's. One key per script
// (one EVAL per target in a pipeline) so each runs in its target's Cluster slot.
const LEASE_CLAIM_LUA = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const LEASE_RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Rows per EVAL: a script blocks the server while it runs, so a big import goes in slices. */
const LATE_CHUNK = 500;

type PipelineResult = [Error | null, unknown][];
/** target → minute start → that minute's raw rows. */
type MinuteRows = Map<string, Map<number, Observation[]>>;

/** One target's share of an append() call. */
interface Plan {
  targetId: string;
  /** Newest stream entry as cached: decides in-order vs late before anything is sent. */
  cached: number | undefined;
  /** Newest stream entry as read in the same pipeline as the writes (the truth). */
  previousNewest: number | undefined;
  /** Newest after this append's writes. */
  newest: number | undefined;
  inOrder: Observation[];
  late: Observation[];
  /** Times of rows that were (or, for late rows, may have been) written: their minutes are recomputed. */
  touched: number[];
  /** previousNewest/newest were read from Redis in this call, not taken from the cache. */
  verified: boolean;
  /** Index of this target's XREVRANGE in its pipeline (phase 1: its XADDs follow it). */
  topIndex: number;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #keys: Keys;
  readonly #log: Logger | undefined;
  /**
   * Newest stream entry per target as this instance last saw it (null: none). Decides in-order vs
   * late and which minute just closed without a read per append; filled by XREVRANGE on first use.
   */
  readonly #newest = new Map<string, number | null>();

  constructor(opts: RedisStoreOptions) {
    this.#redis = opts.redis;
    this.#keys = createKeys(opts.keyPrefix);
    this.#log = opts.log;
  }

  async putTarget(target: Target): Promise<void> {
    await this.#redis.hset(this.#keys.targets(), target.id, JSON.stringify(target));
  }

  async getTarget(id: string): Promise<Target | undefined> {
    const json = await this.#redis.hget(this.#keys.targets(), id);
    return json === null ? undefined : (JSON.parse(json) as Target);
  }

  async listTargets(): Promise<Target[]> {
    const all = (await this.#redis.hvals(this.#keys.targets())).map((json) => JSON.parse(json) as Target);
    return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async deleteTarget(id: string): Promise<boolean> {
    // One DEL for all data keys is Cluster-safe: they share the target's hash tag.
    const alerts = Object.keys(await this.#redis.hgetall(this.#keys.alerts())).filter((f) => f.startsWith(`${id}|`));
    const p = this.#redis.pipeline().hdel(this.#keys.targets(), id).del(...this.#keys.allOf(id));
    if (alerts.length) p.hdel(this.#keys.alerts(), ...alerts);
    const res = await exec(p);
    this.#newest.delete(id);
    return value<number>(res[0]) === 1;
  }

  async append(items: AppendItem[]): Promise<AppendResult> {
    const { byTarget, duplicates: inBatch } = groupBatch(items);
    let duplicates = inBatch;
    if (byTarget.size === 0) return { written: 0, duplicates };
    await this.#loadNewest([...byTarget.keys()].filter((id) => !this.#newest.has(id)));

    const plans: Plan[] = [];
    for (const [targetId, rows] of byTarget) {
      const cached = this.#newest.get(targetId) ?? undefined;
      const sorted = [...rows.values()].sort((a, b) => a.at - b.at);
      const split = sorted.findIndex((o) => o.at > (cached ?? 0));
      const late = split < 0 ? sorted : sorted.slice(0, split);
      const inOrder = split < 0 ? [] : sorted.slice(split);
      plans.push({ targetId, cached, previousNewest: cached, newest: cached, verified: false, inOrder, late, touched: [], topIndex: 0 });
    }

    // Phase 1, the hot path, one pipeline: per target the stream's actual top (the cache is only a
    // prediction: an API process importing while a poller writes has a stale one), the in-order
    // rows, and — when no late rows must be written first — the reads of the minutes this batch
    // is predicted to close, so they see the new rows. A batch of imports only skips it.
    const hot = plans.filter((p) => p.inOrder.length > 0);
    const p1 = this.#redis.pipeline();
    for (const plan of hot) {
      plan.topIndex = p1.length;
      p1.xrevrange(this.#keys.obs(plan.targetId), '+', '-', 'COUNT', 1);
      for (const o of plan.inOrder) p1.xadd(this.#keys.obs(plan.targetId), `${o.at}-0`, ...encodeObservation(o));
    }
    const anyLate = plans.some((p) => p.late.length > 0);
    const predicted = anyLate ? undefined : hot.map((p) => minutesToRecompute({ previousNewest: p.cached, newest: p.inOrder.at(-1)?.at, written: p.inOrder.map((o) => o.at) }));
    const readPredicted = predicted && this.#queueMinuteReads(p1, hot, predicted);
    const res1 = hot.length > 0 ? await exec(p1) : [];

    let written = 0;
    let cacheWasRight = true;
    for (const plan of hot) {
      const top = value<StreamEntry[]>(res1[plan.topIndex])[0];
      plan.previousNewest = plan.newest = top ? idToMs(top[0]) : undefined;
      plan.verified = true;
      cacheWasRight &&= plan.previousNewest === plan.cached;
      plan.inOrder.forEach((o, k) => {
        const [err] = res1[plan.topIndex + 1 + k] ?? [new Error('missing pipeline reply')];
        if (!err) {
          written++;
          plan.touched.push(o.at);
          plan.newest = Math.max(plan.newest ?? 0, o.at);
        } else if (/equal or smaller than the target stream top/.test(err.message)) {
          plan.late.push(o); // the stream had moved on: this row is an import after all
        } else {
          throw err;
        }
      });
      this.#newest.set(plan.targetId, plan.newest ?? null);
    }
    if (!cacheWasRight) this.#log?.debug('observation stream moved on under this instance (another writer)');

    let minuteRows: MinuteRows;
    if (plans.some((p) => p.late.length > 0)) {
      const late = await this.#appendLate(plans);
      written += late.written;
      duplicates += late.duplicates;
      minuteRows = late.minuteRows;
    } else if (readPredicted && cacheWasRight) {
      minuteRows = readPredicted(res1);
    } else {
      // Rare: the prediction was wrong, so the closed minutes were not read in phase 1.
      const p = this.#redis.pipeline();
      const read = this.#queueMinuteReads(p, hot, hot.map((pl) => minutesToRecompute({ previousNewest: pl.previousNewest, newest: pl.newest, written: pl.touched })));
      minuteRows = read(await exec(p));
    }
    await this.#writeRollups(plans, minuteRows);
    return { written, duplicates };
  }

  async range(targetId: string, from: number, to: number, opts: RangeOptions = {}): Promise<Observation[]> {
    const b = bounds(from, to, 1); // stream IDs start at 1 ms
    if (!b || (opts.limit !== undefined && opts.limit <= 0)) return [];
    const p = this.#redis.pipeline();
    if (opts.limit !== undefined) {
      p.xrange(this.#keys.obs(targetId), String(b.start), b.endId, 'COUNT', opts.limit);
      p.zrangebyscore(this.#keys.late(targetId), b.start, b.endScore, 'LIMIT', 0, opts.limit);
    } else {
      p.xrange(this.#keys.obs(targetId), String(b.start), b.endId);
      p.zrangebyscore(this.#keys.late(targetId), b.start, b.endScore);
    }
    const res = await exec(p);
    const merged = decodeRows(value<StreamEntry[]>(res[0]), value<string[]>(res[1]));
    return opts.limit === undefined ? merged : merged.slice(0, opts.limit);
  }

  async latest(targetId: string): Promise<Observation | undefined> {
    // Late rows are normally older than the stream's top, but after a trim emptied the stream they
    // may be all there is.
    const res = await exec(this.#redis.pipeline().xrevrange(this.#keys.obs(targetId), '+', '-', 'COUNT', 1).zrange(this.#keys.late(targetId), -1, -1));
    const rows = decodeRows(value<StreamEntry[]>(res[0]), value<string[]>(res[1]));
    return rows.at(-1);
  }

  async rollups(targetId: string, from: number, to: number): Promise<Rollup[]> {
    const b = bounds(from, to, 0);
    if (!b) return [];
    return (await this.#redis.zrangebyscore(this.#keys.rollups(targetId), b.start, b.endScore)).map(decodeRollup);
  }

  async trim(targetId: string, before: number): Promise<number> {
    const cut = Math.ceil(before);
    if (!(cut > 0)) return 0;
    const res = await exec(
      this.#redis
        .pipeline()
        .xtrim(this.#keys.obs(targetId), 'MINID', cut)
        .zremrangebyscore(this.#keys.late(targetId), '-inf', `(${cut}`)
        .zremrangebyscore(this.#keys.rollups(targetId), '-inf', `(${cut}`)
        // Event IDs are insertion times, so this keeps what was recorded since `before`.
        .xtrim(this.#keys.events(targetId), 'MINID', cut),
    );
    return value<number>(res[0]) + value<number>(res[1]);
  }

  async appendEvent(targetId: string, event: TargetEvent): Promise<string> {
    const id = await this.#redis.xadd(this.#keys.events(targetId), '*', ...encodeEvent(event));
    if (id === null) throw new Error('XADD returned no ID');
    return id;
  }

  async events(targetId: string, from: number, to: number): Promise<TargetEvent[]> {
    // The stream is ordered by insertion, not by `at` (a claim can be about an earlier instant), so
    // an `at` range cannot be an XRANGE. Events are few (alert transitions, claims, marks): reading
    // the whole stream and filtering is cheaper than keeping a second index in step.
    const entries = await this.#redis.xrange(this.#keys.events(targetId), '-', '+');
    const out = entries.map(([id, fields]) => decodeEvent(id, fields)).filter((e) => e.at >= from && e.at <= to);
    return out.sort((a, b) => a.at - b.at); // stable: equal `at` stay in insertion order
  }

  async eventsAfter(targetId: string, afterId: string | undefined, limit: number): Promise<TargetEvent[]> {
    // `(` makes the start exclusive (Redis ≥ 6.2).
    const entries = await this.#redis.xrange(this.#keys.events(targetId), afterId === undefined ? '-' : `(${afterId}`, '+', 'COUNT', limit);
    return entries.map(([id, fields]) => decodeEvent(id, fields));
  }

  async putAlert(alert: Alert): Promise<void> {
    await this.#redis.hset(this.#keys.alerts(), `${alert.targetId}|${alert.rule}`, JSON.stringify(alert));
  }

  async listAlerts(): Promise<Alert[]> {
    const all = await this.#redis.hgetall(this.#keys.alerts());
    return Object.values(all).map((json) => JSON.parse(json) as Alert);
  }

  async claimLeases(owner: string, targetIds: string[], ttlMs: number): Promise<string[]> {
    if (targetIds.length === 0) return [];
    const p = this.#redis.pipeline();
    for (const id of targetIds) p.eval(LEASE_CLAIM_LUA, 1, this.#keys.lease(id), owner, Math.max(1, Math.round(ttlMs)));
    const res = await exec(p);
    return targetIds.filter((_, i) => value<number>(res[i]) === 1);
  }

  async releaseLeases(owner: string, targetIds: string[]): Promise<void> {
    if (targetIds.length === 0) return;
    const p = this.#redis.pipeline();
    for (const id of targetIds) p.eval(LEASE_RELEASE_LUA, 1, this.#keys.lease(id), owner);
    await exec(p);
  }

  async ping(): Promise<boolean> {
    // ioredis queues commands while reconnecting; /readyz must answer now, not after the retry budget.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, 1_000, false)));
    try {
      return await Promise.race([this.#redis.ping().then((r) => r === 'PONG', () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    // The client belongs to the caller; only this instance's own state goes.
    this.#newest.clear();
  }

  async #loadNewest(targetIds: string[]): Promise<void> {
    if (targetIds.length === 0) return;
    const p = this.#redis.pipeline();
    for (const id of targetIds) p.xrevrange(this.#keys.obs(id), '+', '-', 'COUNT', 1);
    const res = await exec(p);
    targetIds.forEach((id, i) => {
      const top = value<StreamEntry[]>(res[i])[0];
      this.#newest.set(id, top ? idToMs(top[0]) : null);
    });
  }

  /**
   * Rows at or before the stream's top: rare (imports of past data), so one more round trip is
   * fine. The same pipeline reads the stream's top and, after the inserts, every minute that may
   * need recomputing; which of them are complete is only known from that top, so a minute read
   * here can still be dropped as the open one.
   */
  async #appendLate(plans: Plan[]): Promise<{ written: number; duplicates: number; minuteRows: MinuteRows }> {
    const p = this.#redis.pipeline();
    const evals: number[] = [];
    const late = plans.filter((pl) => pl.late.length > 0);
    for (const plan of late) {
      plan.late.sort((a, b) => a.at - b.at);
      for (let i = 0; i < plan.late.length; i += LATE_CHUNK) {
        const rows = plan.late.slice(i, i + LATE_CHUNK);
        evals.push(p.length);
        p.eval(LATE_INSERT_LUA, 2, this.#keys.obs(plan.targetId), this.#keys.late(plan.targetId), ...rows.flatMap((o) => [o.at, encodeLateMember(o)]));
        // Recomputing a minute whose row turned out to be a duplicate gives the same rollup: harmless.
        plan.touched.push(...rows.map((o) => o.at));
      }
      plan.topIndex = p.length;
      p.xrevrange(this.#keys.obs(plan.targetId), '+', '-', 'COUNT', 1);
    }
    // Every touched minute (and the one open before the call), as if none were open yet.
    const candidates = plans.map((pl) => minutesToRecompute({ previousNewest: pl.previousNewest, newest: Number.MAX_SAFE_INTEGER, written: pl.touched }));
    const read = this.#queueMinuteReads(p, plans, candidates);
    const res = await exec(p);

    let written = 0;
    let duplicates = 0;
    for (const i of evals) {
      for (const flag of value<number[]>(res[i])) {
        if (flag === 1) written++;
        else duplicates++;
      }
    }
    for (const plan of late) {
      const top = value<StreamEntry[]>(res[plan.topIndex])[0];
      const topMs = top ? idToMs(top[0]) : undefined;
      if (!plan.verified) plan.previousNewest = plan.newest = topMs;
      else if (topMs !== undefined) plan.newest = Math.max(plan.newest ?? 0, topMs);
      this.#newest.set(plan.targetId, plan.newest ?? null);
    }
    const minuteRows = read(res);
    plans.forEach((plan) => {
      const complete = new Set(minutesToRecompute({ previousNewest: plan.previousNewest, newest: plan.newest, written: plan.touched }));
      const byMinute = minuteRows.get(plan.targetId);
      for (const minute of byMinute?.keys() ?? []) if (!complete.has(minute)) byMinute?.delete(minute);
    });
    this.#log?.debug({ written, duplicates }, 'stored out-of-order observations');
    return { written, duplicates, minuteRows };
  }

  /**
   * Queues the raw-row reads (stream + late set) of the given minutes, one XRANGE per run of
   * consecutive minutes; the returned function groups the replies by target and minute.
   */
  #queueMinuteReads(p: ChainableCommander, plans: Plan[], minutes: number[][]): (res: PipelineResult) => MinuteRows {
    const queued: { targetId: string; minutes: number[]; index: number }[] = [];
    plans.forEach((plan, k) => {
      for (const run of runs(minutes[k] ?? [])) {
        const start = run[0] as number;
        const end = (run.at(-1) as number) + MINUTE_MS - 1;
        queued.push({ targetId: plan.targetId, minutes: run, index: p.length });
        p.xrange(this.#keys.obs(plan.targetId), String(start), String(end));
        p.zrangebyscore(this.#keys.late(plan.targetId), start, end);
      }
    });
    return (res) => {
      const out: MinuteRows = new Map();
      for (const q of queued) {
        const byMinute = out.get(q.targetId) ?? new Map<number, Observation[]>();
        out.set(q.targetId, byMinute);
        for (const m of q.minutes) byMinute.set(m, []);
        for (const o of decodeRows(value<StreamEntry[]>(res[q.index]), value<string[]>(res[q.index + 1]))) byMinute.get(minuteOf(o.at))?.push(o);
      }
      return out;
    };
  }

  /** Rewrites each minute atomically (MULTI per target: Cluster-safe, readers never see a gap). */
  async #writeRollups(plans: Plan[], rows: MinuteRows): Promise<void> {
    if (rows.size === 0) return;
    // ioredis runs MULTI…EXEC inside a pipeline (README "Pipeline and transaction"), but its
    // ChainableCommander type does not declare `multi`; the EXEC is the nested exec() below.
    const p = this.#redis.pipeline() as ChainableCommander & { multi(): ChainableCommander };
    let any = false;
    for (const plan of plans) {
      const byMinute = rows.get(plan.targetId);
      if (!byMinute || byMinute.size === 0) continue;
      const key = this.#keys.rollups(plan.targetId);
      p.multi();
      for (const [minute, obs] of byMinute) {
        p.zremrangebyscore(key, minute, minute);
        if (obs.length > 0) p.zadd(key, minute, encodeRollup(computeRollup(minute, obs)));
      }
      void p.exec();
      any = true;
    }
    if (!any) return;
    for (const [err, reply] of await exec(p)) {
      if (err) throw err;
      if (reply === null) throw new Error('rollup transaction aborted');
    }
  }
}

async function exec(p: ChainableCommander): Promise<PipelineResult> {
  const res = await p.exec();
  if (!res) throw new Error('pipeline was discarded');
  return res;
}

function value<T>(r: [Error | null, unknown] | undefined): T {
  if (!r) throw new Error('missing pipeline reply');
  if (r[0]) throw r[0];
  return r[1] as T;
}

/** Inclusive [from, to] clamped below at `floor`, as stream IDs and scores; undefined when empty. */
function bounds(from: number, to: number, floor: number): { start: number; endId: string; endScore: string } | undefined {
  const start = Math.max(floor, Math.ceil(from));
  const end = Math.floor(to);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return undefined;
  const open = end >= Number.MAX_SAFE_INTEGER;
  return { start, endId: open ? '+' : String(end), endScore: open ? '+inf' : String(end) };
}

/** Sorted minutes → runs of consecutive minutes. */
function runs(minutes: number[]): number[][] {
  const out: number[][] = [];
  for (const m of minutes) {
    const last = out.at(-1);
    if (last && (last.at(-1) as number) + MINUTE_MS === m) last.push(m);
    else out.push([m]);
  }
  return out;
}
