import { createHash, type Hash } from 'node:crypto';
import { claimsOf, type Claim } from '../claims/claim.js';
import type { JudgedClaim } from '../claims/ledger.js';
import { toleranceMs } from '../claims/verdict.js';
import { ON_AIR_HORIZON_MS, ON_AIR_WINDOW_MS, onAirAt, programStartMark, recordedOnAir, scheduledStart } from '../detect/on-air.js';
import type { RuleSettings } from '../detect/types.js';
import { endOf, type EndOf } from '../status/status.js';
import type { Observation, Target, TargetEvent } from '../types.js';
import { alertEpisodes } from './alerts.js';
import { CSV_HEADER, csvRow } from './csv.js';
import { bucketMs, JoinTally } from './join-episodes.js';
import { integrate, maxGapMs, meanOf, type Counts } from './listeners.js';
import { moments } from './moments.js';
import type { Report, ReportRange } from './types.js';

// The report's pure core. Observations arrive in pages, oldest first (a report may span weeks of
// 1-second probes: the loader never holds them all), and each is folded in once: the CSV hash, the
// counts, the join buckets, the on-air and end tests. What is kept grows with the listener counts
// only (two numbers per counted row) and the number of join buckets, not with the rows themselves.
//
// Definitions follow the target status (src/status/status.ts) and the on-air test
// (src/detect/on-air.ts), applied to the range: a report of [from, to] knows nothing after `to`.
//
// A range may begin mid-broadcast. Its first rows are then not "when it went live / on air": the
// minute before `from` comes in as context (never counted or hashed) so the on-air test at the first
// rows sees the joins before them, and a broadcast already live or on air in that minute gets its
// moments from events only (state changes, the platform's start, recorded on-air moments, marks).

export interface BuilderInput {
  target: Target;
  rules: RuleSettings;
  /** Every event of the target, oldest first (alerts that began before the range need them). */
  events: readonly TargetEvent[];
  range: ReportRange;
  /**
   * The observations of the minute before `range.from`, oldest first: context for the live and
   * on-air tests at the range's first rows, never counted, hashed or listed. None without `from`.
   */
  context?: readonly Observation[];
}

export class ReportBuilder {
  readonly #target: Target;
  readonly #rules: RuleSettings;
  readonly #events: readonly TargetEvent[];
  /** Events within the range: marks, schedules, end signals. */
  readonly #inRange: TargetEvent[];
  readonly #range: ReportRange;
  readonly #from: number;
  readonly #start: number | undefined;
  /**
   * Where the start may be read from events, before `from` too: program-start marks, recorded
   * `on-air` moments, state changes to live, the platform's reported start.
   */
  readonly #startEvents: TargetEvent[];
  /** The earliest instant those events may carry. */
  readonly #since: number;
  /** The context minute already reported live: the range's first live row is not when it went live. */
  readonly #liveBefore: boolean;
  /** The context minute ends on air: the on-air moment lies before the range, where the data cannot place it. */
  readonly #onAirBefore: boolean;
  readonly #hash: Hash = createHash('sha256');
  readonly #counts: Counts = { t: [], v: [] };
  readonly #sources = new Map<string, number>();
  readonly #joins: JoinTally;
  #rows = 0;
  #firstAt: number | undefined;
  #lastAt: number | undefined;
  #peak: { value: number; at: number } | undefined;
  #firstLive: number | undefined;
  #lastLive = -Infinity;
  /** The first end signal at or after the newest live observation (src/detect/window.ts endedAt). */
  #endAfterLive: number | undefined;
  #onAir: number | undefined;
  /** The minute of observations before the current page: the on-air test's window reaches back into it. */
  #tail: Observation[] = [];

  constructor({ target, rules, events, range, context = [] }: BuilderInput) {
    this.#target = target;
    this.#rules = rules;
    this.#events = events;
    this.#range = range;
    this.#from = range.from ?? -Infinity;
    this.#inRange = events.filter((e) => e.at >= this.#from && e.at <= range.to);
    this.#start = scheduledStart(target, events.filter((e) => e.at <= range.to));
    // A report of the second hour of a show must not call it "on air at the start of the range, an
    // hour late": the moment it went on air is an event when the alert engine or an import saw it or
    // an operator marked it, and those count from half a day before the scheduled start (the
    // engine's own horizon), even before `from`. Without a schedule nothing tells this show's events
    // from an earlier one's: only those within the range.
    const since = this.#start === undefined ? this.#from : this.#start - ON_AIR_HORIZON_MS;
    this.#since = since;
    this.#startEvents = events.filter((e) => e.at >= since && e.at <= range.to);
    const before = context.filter((o) => o.at < this.#from && o.at >= this.#from - ON_AIR_WINDOW_MS);
    this.#liveBefore = before.some((o) => o.state === 'live');
    // Judged at the minute's last row, the one with (nearly) a minute of joins behind it: an earlier
    // row would pass or fail on the few joins before it that the context holds.
    const last = before[before.length - 1];
    this.#onAirBefore = last !== undefined && onAirAt(before, [], last.at) !== undefined;
    this.#tail = before;
    this.#joins = new JoinTally(bucketMs(rules.join_failures.minAttempts, target.intervalMs), this.#start);
    this.#hash.update(`${CSV_HEADER}\n`);
  }

  /** Observations folded in so far: the loader stops a range that holds too many. */
  get rows(): number {
    return this.#rows;
  }

  /** The last observation folded in, so the CSV pass reads exactly as far as this one did. */
  get lastAt(): number | undefined {
    return this.#lastAt;
  }

  /** Claims about instants in the range: the loader judges them against the store. */
  claims(): Claim[] {
    return claimsOf(this.#inRange);
  }

  /** The next page of the range, oldest first, every row newer than the last page's. */
  add(page: readonly Observation[]): void {
    if (page.length === 0) return;
    for (const o of page) this.#fold(o);
    if (this.#onAir === undefined && !this.#onAirBefore) {
      // The same test the status runs, on the page with the minute before it: an observation counts
      // when it reports live and at least half the joins in the minute up to it succeeded.
      const window = this.#tail.concat(page);
      this.#onAir = onAirAt(window, [], page[0]!.at);
      const cut = page[page.length - 1]!.at - ON_AIR_WINDOW_MS;
      this.#tail = this.#onAir === undefined ? window.filter((o) => o.at >= cut) : [];
    }
  }

  #fold(o: Observation): void {
    this.#hash.update(`${csvRow(o)}\n`);
    this.#rows++;
    this.#firstAt ??= o.at;
    this.#lastAt = o.at;
    const source = o.source ?? 'poll';
    this.#sources.set(source, (this.#sources.get(source) ?? 0) + 1);
    if (o.listeners !== undefined) {
      this.#counts.t.push(o.at);
      this.#counts.v.push(o.listeners);
      if (!this.#peak || o.listeners > this.#peak.value) this.#peak = { value: o.listeners, at: o.at };
    }
    if (o.state === 'live') {
      this.#firstLive ??= o.at;
      this.#lastLive = o.at;
      this.#endAfterLive = undefined;
    }
    if ((o.state === 'ended' || o.join?.error === 'ended') && this.#endAfterLive === undefined) this.#endAfterLive = o.at;
    this.#joins.add(o);
  }

  finish({ claims, now }: { claims: JudgedClaim[]; now: number }): Report {
    const target = this.#target;
    const to = this.#range.to;
    const events = this.#inRange;
    const jf = this.#rules.join_failures;

    // Live (on air) already in the minute before `from`: the first moment lies before the range, so
    // neither the range's rows nor its events (a reconnect, a later mark) can be it.
    const liveAt = this.#liveBefore ? this.#liveEvents(this.#from) : minOf(this.#firstLive, this.#liveEvents(Infinity));
    const onAirEvents = this.#onAirBefore ? this.#startEvents.filter((e) => e.at < this.#from) : this.#startEvents;
    const mark = programStartMark(onAirEvents);
    const onAirAt = minOf(this.#onAir, recordedOnAir(onAirEvents), mark);
    const onAirBy: Report['onAirBy'] = onAirAt === undefined ? undefined : onAirAt === mark ? 'mark' : 'data';
    const onAirBeforeRange = this.#onAirBefore || (onAirAt !== undefined && onAirAt < this.#from);
    const start = this.#start;
    const ended = this.#ended();
    let delayMs: number | undefined;
    if (start !== undefined && onAirAt !== undefined) delayMs = onAirAt - start;
    // Never on air: the running delay, as the status reports it while `delayed` (not once ended).
    else if (start !== undefined && !onAirBeforeRange && !ended && to - start > this.#rules.delay.graceMs) delayMs = to - start;
    const end = ended?.at ?? this.#lastAt;
    const durationMs = onAirAt !== undefined && end !== undefined ? Math.max(0, end - onAirAt) : undefined;

    const gap = maxGapMs(target.intervalMs);
    const whole = integrate(this.#counts, -Infinity, Infinity, gap);
    // The on-air period as far as the range's counts cover it: from `from` when it began earlier.
    const meanFrom = onAirAt !== undefined ? Math.max(onAirAt, this.#from) : onAirBeforeRange ? this.#from : undefined;
    const meanTo = end;
    const mean = meanFrom !== undefined && meanTo !== undefined ? meanOf(integrate(this.#counts, meanFrom, meanTo, gap)) : undefined;
    const listeners = {
      ...(this.#peak ? { peak: this.#peak.value, peakAt: this.#peak.at } : {}),
      ...(mean === undefined ? {} : { mean: Math.round(mean), meanFrom, meanTo }),
      ...(this.#counts.t.length ? { listenerMinutes: Math.round(whole.area / 60_000) } : {}),
    };

    const joinFailures = this.#joins.episodes(jf, this.#from, to);
    const alerts = alertEpisodes(this.#events, this.#from, to);
    const report: Report = {
      target: { id: target.id, name: target.name, kind: target.source.kind, intervalMs: target.intervalMs },
      range: this.#range,
      generatedAt: now,
      ...defined({ scheduledStart: start, liveAt, onAirAt, onAirBy }),
      onAirBeforeRange,
      ...defined({ delayMs, endedAt: ended?.at, endedBy: ended?.by, durationMs }),
      listeners,
      joins: { attempts: this.#joins.attempts, failed: this.#joins.failed },
      joinFailures,
      alerts,
      claims,
      timeline: [],
      methodology: {
        intervalMs: target.intervalMs,
        observations: this.#rows,
        sources: [...this.#sources].map(([source, observations]) => ({ source, observations })).sort((a, b) => b.observations - a.observations || a.source.localeCompare(b.source)),
        ...defined({ firstAt: this.#firstAt, lastAt: this.#lastAt }),
        joinFailures: { rate: jf.rate, minAttempts: jf.minAttempts, bucketMs: this.#joins.bucketMs },
        maxGapMs: gap,
        claimToleranceMs: toleranceMs(target.intervalMs),
      },
      sha256: this.#hash.copy().digest('hex'),
    };
    report.timeline = moments(report, events);
    return report;
  }

  /**
   * When the source first reported live by the events: a state change to live (the poller's), or
   * the platform's reported start time (`source-started`) — before `from` too, as far back as the
   * on-air moment may lie; only those before `until`.
   */
  #liveEvents(until: number): number | undefined {
    let first: number | undefined;
    for (const e of this.#startEvents) {
      let at: number | undefined;
      if (e.type === 'state-change' && e.data?.to === 'live') at = e.at;
      else if (e.type === 'source-started') {
        const reported = typeof e.data?.at === 'string' ? Date.parse(e.data.at) : NaN;
        at = Number.isFinite(reported) && reported >= this.#since && reported <= this.#range.to ? reported : e.at;
      }
      if (at !== undefined && at < until && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  /**
   * As the status decides `ended` (src/status/status.ts endOf), on the events of the range. The
   * observations are stood in for by the two instants the test reads from them: the newest live
   * report and the first end signal since.
   */
  #ended(): EndOf | undefined {
    const obs: Observation[] = [];
    if (this.#lastLive > -Infinity) obs.push({ at: this.#lastLive, state: 'live' });
    if (this.#endAfterLive !== undefined) obs.push({ at: this.#endAfterLive, state: 'ended' });
    return endOf(obs, this.#inRange);
  }
}

/** A whole range at once: the tests' entry point, and the same fold the loader runs page by page. */
export function buildReport(input: BuilderInput & { observations: readonly Observation[]; claims?: JudgedClaim[]; now: number }): Report {
  const b = new ReportBuilder(input);
  b.add(input.observations);
  return b.finish({ claims: input.claims ?? [], now: input.now });
}

function minOf(...values: (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const v of values) if (v !== undefined && (min === undefined || v < min)) min = v;
  return min;
}

/** The object without its undefined properties, so optional fields stay absent rather than present-but-undefined. */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
