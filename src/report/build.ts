import { createHash, type Hash } from 'node:crypto';
import { claimsOf, type Claim } from '../claims/claim.js';
import type { JudgedClaim } from '../claims/ledger.js';
import { toleranceMs } from '../claims/verdict.js';
import { ON_AIR_WINDOW_MS, onAirAt, programStartMark, recordedOnAir, scheduledStart } from '../detect/on-air.js';
import type { RuleSettings } from '../detect/types.js';
import { endedAt } from '../detect/window.js';
import { programEndMark } from '../status/marks.js';
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

/** How long before its scheduled start a broadcast's on-air moment may lie (as src/alerts/engine.ts records it). */
export const ON_AIR_HORIZON_MS = 12 * 3_600_000;

export interface BuilderInput {
  target: Target;
  rules: RuleSettings;
  /** Every event of the target, oldest first (alerts that began before the range need them). */
  events: readonly TargetEvent[];
  range: ReportRange;
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
  /** Where an on-air moment may be read from events (program-start marks, the engine's `on-air`). */
  readonly #onAirEvents: TargetEvent[];
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

  constructor({ target, rules, events, range }: BuilderInput) {
    this.#target = target;
    this.#rules = rules;
    this.#events = events;
    this.#range = range;
    this.#from = range.from ?? -Infinity;
    this.#inRange = events.filter((e) => e.at >= this.#from && e.at <= range.to);
    this.#start = scheduledStart(target, events.filter((e) => e.at <= range.to));
    // A report of the second hour of a show must not call it "on air at the start of the range, an
    // hour late": the moment it went on air is an event when the alert engine saw it or an operator
    // marked it, and those count from half a day before the scheduled start (the engine's own
    // horizon), even before `from`. Without a schedule, only within the range.
    const since = this.#start === undefined ? this.#from : this.#start - ON_AIR_HORIZON_MS;
    this.#onAirEvents = events.filter((e) => e.at >= since && e.at <= range.to);
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
    if (this.#onAir === undefined) {
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

    const liveAt = minOf(this.#firstLive, this.#sourceStarted());
    const mark = programStartMark(this.#onAirEvents);
    const onAirAt = minOf(this.#onAir, recordedOnAir(this.#onAirEvents), mark);
    const onAirBy: Report['onAirBy'] = onAirAt === undefined ? undefined : onAirAt === mark ? 'mark' : 'data';
    const start = this.#start;
    const ended = this.#ended();
    let delayMs: number | undefined;
    if (start !== undefined && onAirAt !== undefined) delayMs = onAirAt - start;
    // Never on air: the running delay, as the status reports it while `delayed` (not once ended).
    else if (start !== undefined && !ended && to - start > this.#rules.delay.graceMs) delayMs = to - start;
    const end = ended?.at ?? this.#lastAt;
    const durationMs = onAirAt !== undefined && end !== undefined ? Math.max(0, end - onAirAt) : undefined;

    const gap = maxGapMs(target.intervalMs);
    const whole = integrate(this.#counts, -Infinity, Infinity, gap);
    const meanTo = end;
    const mean = onAirAt !== undefined && meanTo !== undefined ? meanOf(integrate(this.#counts, onAirAt, meanTo, gap)) : undefined;
    const listeners = {
      ...(this.#peak ? { peak: this.#peak.value, peakAt: this.#peak.at } : {}),
      ...(mean === undefined ? {} : { mean: Math.round(mean), meanFrom: onAirAt, meanTo }),
      ...(this.#counts.t.length ? { listenerMinutes: Math.round(whole.area / 60_000) } : {}),
    };

    const joinFailures = this.#joins.episodes(jf, this.#from, to);
    const alerts = alertEpisodes(this.#events, this.#from, to);
    const report: Report = {
      target: { id: target.id, name: target.name, kind: target.source.kind, intervalMs: target.intervalMs },
      range: this.#range,
      generatedAt: now,
      ...defined({ scheduledStart: start, liveAt, onAirAt, onAirBy, delayMs, endedAt: ended?.at, endedBy: ended?.by, durationMs }),
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

  /** The platform's reported start time (`source-started`), when it falls in the range. */
  #sourceStarted(): number | undefined {
    let first: number | undefined;
    for (const e of this.#inRange) {
      if (e.type !== 'source-started') continue;
      const reported = typeof e.data?.at === 'string' ? Date.parse(e.data.at) : NaN;
      const at = Number.isFinite(reported) && reported >= this.#from && reported <= this.#range.to ? reported : e.at;
      if (first === undefined || at < first) first = at;
    }
    return first;
  }

  /**
   * As the status decides `ended` (src/status/status.ts): an operator's program-end mark (not
   * followed by a program-start mark), or the source's end signal after its last live report; the
   * mark wins when it came first. The observations are stood in for by the two instants the test
   * reads from them: the newest live report and the first end signal since.
   */
  #ended(): { at: number; by: 'mark' | 'source' } | undefined {
    const events = this.#inRange;
    const mark = programEndMark(events);
    let resumed = -Infinity;
    for (const e of events) if (e.type === 'state-change' && e.data?.to === 'live' && e.at > resumed) resumed = e.at;
    const obs: Observation[] = [];
    if (this.#lastLive > -Infinity) obs.push({ at: this.#lastLive, state: 'live' });
    if (this.#endAfterLive !== undefined) obs.push({ at: this.#endAfterLive, state: 'ended' });
    const source = endedAt(obs, events.filter((e) => e.at > resumed));
    const sourceEnd = source !== undefined && source > resumed ? source : undefined;
    if (mark !== undefined && (sourceEnd === undefined || mark <= sourceEnd)) return { at: mark, by: 'mark' };
    if (sourceEnd !== undefined) return { at: sourceEnd, by: 'source' };
    return undefined;
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
