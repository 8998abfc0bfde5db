import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { claimsOf } from '../claims/claim.js';
import { toleranceMs } from '../claims/verdict.js';
import { runDetectors } from '../detect/index.js';
import { effectiveRules, lookbackMs, type RulesConfig } from '../detect/rules.js';
import type { Condition, RuleSettings } from '../detect/types.js';
import type { Store } from '../storage/store.js';
import { END_OF_TIME } from '../schemas/common.js';
import { newestId } from '../storage/stream-id.js';
import { onAirRecord } from '../status/on-air-record.js';
import type { Observation, Target, TargetEvent } from '../types.js';
import { step, withdraw } from './lifecycle.js';
import type { Alert, Transition } from './types.js';

export interface AlertEngineOptions {
  store: Store;
  log: Logger;
  registry: Registry;
  /** Hears every transition (the notification dispatcher); must not block. */
  notify?: (t: Transition) => void;
  /** Whether this process still polls the target (leases): a target another poller took over is not "no data". */
  holds?: (targetId: string) => boolean;
  now?: () => number;
  /** Every target is also evaluated this often without new observations (no data, a delay growing). */
  tickMs?: number;
  /** The in-memory window is re-read from the store this often, so imported observations count. */
  reloadMs?: number;
  /** Marks, claims and schedules come from the API, possibly another process: re-read this often. */
  eventsMaxAgeMs?: number;
  /**
   * Hysteresis floor: a firing alert resolves only after its condition has been inactive at least
   * this long (or the rule's `forMs`, if longer), so one good probe in a failure storm does not
   * resolve an outage that refires three probes later. Default 30 s.
   */
  minClearForMs?: number;
}

export interface AlertEngine {
  /** Called by the poller for every observation it records; evaluation follows at once. */
  observe(target: Target, obs: Observation): void;
  /** Evaluates one target now (also what observe and the tick do); resolves with its transitions. */
  evaluate(targetId: string): Promise<Transition[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Events read by ID per request while following a target. */
const EVENTS_PAGE = 1_000;

interface TargetState {
  target: Target;
  window: Observation[];
  loadedAt: number;
  /** Every event of the target, oldest instant first; followed by ID between full reads. */
  events: TargetEvent[];
  eventsAt: number;
  eventsFullAt: number;
  /** The newest event ID read (insertion order). */
  eventCursor: string | undefined;
  running: Promise<Transition[]> | undefined;
  again: boolean;
  /** Rows around the newest listeners claim, when its instant is older than the window (claim_gap). */
  claimRows: { key: string; rows: Observation[] } | undefined;
}

/**
 * The owner of a target runs its detectors (DESIGN.md "Processes and scale"): after each
 * observation, and on a tick, the detectors see the recent window, the lifecycle turns conditions
 * into alerts, and every transition goes to the target's event stream (so the timeline is the alert
 * history), to the store's current-alert table, to metrics and to the notifiers.
 */
export function createAlertEngine(opts: AlertEngineOptions): AlertEngine {
  const { store, log } = opts;
  const now = opts.now ?? Date.now;
  const reloadMs = opts.reloadMs ?? 60_000;
  const eventsMaxAgeMs = opts.eventsMaxAgeMs ?? 2_000;
  const minClearForMs = opts.minClearForMs ?? 30_000;
  const registers = [opts.registry];
  const firing = new Gauge({ name: 'spacewatch_alerts_firing', help: 'Alerts firing now (1) by target and rule', labelNames: ['target', 'rule'], registers });
  const transitions = new Counter({ name: 'spacewatch_alert_transitions_total', help: 'Alert lifecycle transitions by rule and new state', labelNames: ['rule', 'to'], registers });
  const detectorErrors = new Counter({ name: 'spacewatch_detector_errors_total', help: 'Detector evaluations that threw (a bug)', labelNames: ['target'], registers });

  const targets = new Map<string, TargetState>();
  const alerts = new Map<string, Alert>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function evaluateNow(state: TargetState): Promise<Transition[]> {
    const { target } = state;
    const t = now();
    const rules: RuleSettings = effectiveRules(target.rules as RulesConfig | undefined);
    const lookback = lookbackMs(rules, target.intervalMs);
    if (t - state.loadedAt > reloadMs) {
      state.window = await store.range(target.id, t - lookback, t);
      if (state.window.length === 0) {
        const newest = await store.latest(target.id);
        if (newest) state.window = [newest];
      }
      state.loadedAt = t;
    }
    const from = t - lookback;
    // The newest observation always stays, however old: "no data for 10 minutes" must not turn into
    // "never observed" (which no rule fires on) once it leaves the window.
    let cut = 0;
    while (cut < state.window.length - 1 && state.window[cut]!.at < from) cut++;
    if (cut) state.window.splice(0, cut);
    if (t - state.eventsAt > eventsMaxAgeMs) await refreshEvents(state, t);
    // Only what has happened: a claim or mark about a later instant waits for it.
    const last = state.events[state.events.length - 1];
    const events = last && last.at > t ? state.events.filter((e) => e.at <= t) : state.events;

    const observations = await withClaimContext(state, events, from, t);
    let conditions: Condition[];
    try {
      conditions = runDetectors({ target, observations, events, rules, now: t });
    } catch (err) {
      detectorErrors.inc({ target: target.id });
      log.error({ err, target: target.id }, 'a detector threw; alerts for this target are not evaluated');
      return [];
    }

    await recordOnAir(state, events, observations, t);

    const out: Transition[] = [];
    for (const cond of conditions) {
      const key = `${target.id}|${cond.rule}`;
      const forMs = rules[cond.rule].forMs;
      const r = step(alerts.get(key), cond, target.id, t, { forMs, clearForMs: Math.max(forMs, minClearForMs) });
      if (!r.alert) continue;
      alerts.set(key, r.alert);
      if (r.transition) out.push(r.transition);
    }
    for (const tr of out) await record(tr);
    return out;
  }

  /**
   * Events change rarely and can be many (a long broadcast's alert history, claims, marks): between
   * full reads (every `reloadMs`, which also lets go of what retention trimmed) only what was written
   * since the newest ID read is fetched.
   */
  async function refreshEvents(state: TargetState, t: number): Promise<void> {
    const id = state.target.id;
    if (t - state.eventsFullAt > reloadMs) {
      state.events = await store.events(id, 0, END_OF_TIME);
      state.eventsFullAt = t;
      state.eventCursor = newestId(state.events, undefined);
    } else {
      const fresh: TargetEvent[] = [];
      for (;;) {
        const page = await store.eventsAfter(id, state.eventCursor, EVENTS_PAGE);
        fresh.push(...page);
        state.eventCursor = newestId(page, state.eventCursor);
        if (page.length < EVENTS_PAGE) break;
      }
      if (fresh.length) {
        const known = new Set(state.events.map((e) => e.id));
        const added = fresh.filter((e) => !known.has(e.id));
        if (added.length) state.events = [...state.events, ...added].sort((a, b) => a.at - b.at); // stable: equal instants keep their order
      }
    }
    state.eventsAt = t;
  }

  /**
   * The first time a broadcast is seen on air (per scheduled start), write it down: the window only
   * keeps minutes of observations, and after a long outage the delay rule and the status must still
   * know the show began. Marks the timeline too.
   */
  async function recordOnAir(state: TargetState, events: readonly TargetEvent[], observations: readonly Observation[], t: number): Promise<void> {
    const event = onAirRecord(state.target, events, observations, t);
    if (!event) return;
    try {
      // Kept at once (the next read by ID brings it again and is told apart by its ID): the next
      // evaluation must not record it twice.
      const id = await store.appendEvent(state.target.id, event);
      state.events = [...state.events, { ...event, id }].sort((a, b) => a.at - b.at);
    } catch (err) {
      log.error({ err, target: state.target.id }, 'cannot record the on-air moment');
    }
  }

  /**
   * claim_gap judges the newest listeners claim against the counts within the claims tolerance of its
   * instant. A claim about an instant older than the window (posted late, or the window moved on)
   * would otherwise find no measurement and the alert would resolve on its own: read those rows from
   * the store (once per claim) and hand them to the detectors beside the window.
   */
  async function withClaimContext(state: TargetState, events: readonly TargetEvent[], from: number, t: number): Promise<Observation[]> {
    let newest: { at: number; key: string } | undefined;
    for (const c of claimsOf(events)) {
      if (c.metric === 'listeners' && c.at <= t && (!newest || c.at >= newest.at)) newest = { at: c.at, key: `${c.at}:${c.value}:${c.claimant}` };
    }
    const tol = newest && toleranceMs(state.target.intervalMs);
    if (!newest || tol === undefined || newest.at + tol >= from) {
      state.claimRows = undefined;
      return state.window;
    }
    if (state.claimRows?.key !== newest.key) {
      state.claimRows = { key: newest.key, rows: await store.range(state.target.id, newest.at - tol, newest.at + tol) };
    }
    const rows = state.claimRows.rows;
    return rows.length === 0 ? state.window : [...rows.filter((r) => r.at < (state.window[0]?.at ?? Infinity)), ...state.window];
  }

  async function record(tr: Transition): Promise<void> {
    const { alert } = tr;
    // Released while this evaluation ran (deleted, or another poller took over): not ours to record.
    if (opts.holds && !opts.holds(alert.targetId)) return;
    const c = alert.condition;
    transitions.inc({ rule: alert.rule, to: tr.to });
    if (tr.to === 'firing') firing.set({ target: alert.targetId, rule: alert.rule }, 1);
    else if (tr.to === 'resolved') firing.set({ target: alert.targetId, rule: alert.rule }, 0);
    log.info({ target: alert.targetId, rule: alert.rule, from: tr.from, to: tr.to, value: c.value }, `alert ${tr.to}: ${c.summary}`);
    const at = tr.to === 'firing' ? alert.firedAt! : tr.to === 'resolved' ? alert.resolvedAt! : alert.activeAt;
    try {
      await store.appendEvent(alert.targetId, {
        at,
        type: `alert-${tr.to}`,
        data: { rule: alert.rule, from: tr.from, value: c.value, threshold: c.threshold, summary: c.summary, ...(c.details ? { details: c.details } : {}) },
      });
      await store.putAlert(alert);
    } catch (err) {
      log.error({ err, target: alert.targetId, rule: alert.rule }, 'cannot record an alert transition');
    }
    opts.notify?.(tr);
  }

  /** One evaluation at a time per target; an observation arriving meanwhile asks for one more. */
  function schedule(state: TargetState): Promise<Transition[]> {
    if (state.running) {
      state.again = true;
      return state.running;
    }
    state.running = evaluateNow(state)
      .catch((err: unknown) => {
        log.error({ err, target: state.target.id }, 'alert evaluation failed');
        return [] as Transition[];
      })
      .finally(() => {
        state.running = undefined;
        if (state.again && !stopped) {
          state.again = false;
          void schedule(state);
        }
      });
    return state.running;
  }

  function tick(): void {
    for (const [id, state] of targets) {
      if (opts.holds && !opts.holds(id)) {
        targets.delete(id);
        // After the evaluation in flight, if any: it must not write an alert back behind the withdrawal.
        void (state.running ?? Promise.resolve()).then(() => release(id));
        continue;
      }
      void schedule(state);
    }
  }

  /**
   * A target this poller let go of. Taken over by another poller: its alerts live on there, so this
   * process forgets them (and stops exporting them). Deleted: its open alerts resolve here, for the
   * metric and the notifiers; nothing is written, the target's events and alert rows went with it.
   */
  async function release(id: string): Promise<void> {
    let deleted: boolean;
    try {
      deleted = (await store.getTarget(id)) === undefined;
    } catch (err) {
      log.warn({ err, target: id }, 'cannot tell whether a released target was deleted');
      deleted = false;
    }
    const t = now();
    for (const [key, prev] of alerts) {
      if (prev.targetId !== id) continue;
      alerts.delete(key);
      firing.remove({ target: id, rule: prev.rule });
      if (!deleted) continue;
      const { transition } = withdraw(prev, t);
      if (!transition) continue;
      transitions.inc({ rule: prev.rule, to: 'resolved' });
      log.info({ target: id, rule: prev.rule }, 'alert resolved: target deleted');
      // Only what notifiers heard of: a pending alert never reached them.
      if (prev.state === 'firing') opts.notify?.(transition);
    }
  }

  return {
    observe(target, obs) {
      if (stopped) return;
      let state = targets.get(target.id);
      if (!state) {
        state = { target, window: [], loadedAt: -Infinity, events: [], eventsAt: -Infinity, eventsFullAt: -Infinity, eventCursor: undefined, running: undefined, again: false, claimRows: undefined };
        targets.set(target.id, state);
      }
      state.target = target;
      const w = state.window;
      // Keep the window sorted: the poller's observations arrive in order, so this is a push.
      let i = w.length;
      while (i > 0 && w[i - 1]!.at > obs.at) i--;
      if (w[i - 1]?.at !== obs.at) w.splice(i, 0, obs);
      void schedule(state);
    },
    async evaluate(targetId) {
      const state = targets.get(targetId);
      return state ? schedule(state) : [];
    },
    async start() {
      for (const a of await store.listAlerts()) {
        alerts.set(`${a.targetId}|${a.rule}`, a);
        if (a.state !== 'firing') continue;
        firing.set({ target: a.targetId, rule: a.rule }, 1);
        // Not news (notifiers that message people ignore it), but Alertmanager must keep hearing of a
        // firing alert or it resolves it on its own after resolve_timeout.
        opts.notify?.({ alert: a, from: 'firing', to: 'firing' });
      }
      timer = setInterval(tick, opts.tickMs ?? 5_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...targets.values()].map((s) => s.running));
    },
  };
}
