import type { Alert } from '../alerts/types.js';
import { toIso } from '../schemas/common.js';
import { loadStatusData, STATUS_WINDOW_MS } from '../status/load.js';
import type { TargetStatus } from '../status/status.js';
import { toStatusView } from '../status/view.js';
import { MINUTE_MS, minuteOf } from '../storage/rollup.js';
import type { Store } from '../storage/store.js';
import type { Observation, Rollup, Target } from '../types.js';

// One row of the overview page per target (contracts.md §2): status, listeners now and at the peak,
// join success, open alerts, last probe. `summarize` is pure; `loadSummary` reads what it needs
// (OverviewFeed computes every target's).

/** Joins are counted over this window: long enough for a rate, short enough to be "now". */
export const JOIN_WINDOW_MS = 300_000;
/** Without an on-air moment, the peak is over this much of the past. */
export const PEAK_FALLBACK_MS = 86_400_000;

export interface TargetSummary {
  id: string;
  name: string;
  kind: string;
  intervalMs: number;
  status: ReturnType<typeof toStatusView>;
  listeners: { now: number | null; nowAt: string | null; peak: number | null; peakAt: string | null };
  joins: { windowMs: number; attempts: number; failed: number; successRate: number | null };
  alerts: { rule: string; state: 'pending' | 'firing'; activeAt: string; firedAt?: string; summary: string }[];
  lastAt: string | null;
}

export interface SummaryInput {
  target: Target;
  status: TargetStatus;
  /** One-minute rollups from the minute of the peak window's start, oldest first. */
  rollups: readonly Rollup[];
  /**
   * Raw observations, oldest first: at least the join window and the minute of the newest
   * observation (which has no rollup while it fills). Raw rows win over rollups: they carry the
   * exact instant.
   */
  raw: readonly Observation[];
  /** Alerts of any target; only this one's open ones are kept. */
  alerts: readonly Alert[];
  /** The newest observation's instant. */
  latestAt: number | undefined;
  now: number;
}

interface Point {
  value: number;
  at: number;
  /** False when only the minute is known (the value came from a rollup). */
  exact: boolean;
}

export interface ListenerPoints {
  peakFrom: number;
  now: Point | undefined;
  peak: Point | undefined;
}

/** The peak covers the current broadcast (since it went on air), else the last 24 hours. */
export function peakFrom(status: TargetStatus, now: number): number {
  return status.onAirAt ?? now - PEAK_FALLBACK_MS;
}

/**
 * The last known count and the peak. From rollups only the minute is known: the loader then reads
 * that minute's raw rows (`exact: false` says which) and asks again.
 */
export function listenerPoints(input: Pick<SummaryInput, 'status' | 'rollups' | 'raw' | 'now'>): ListenerPoints {
  const from = peakFrom(input.status, input.now);
  let now: Point | undefined;
  let peak: Point | undefined;
  for (const r of input.rollups) {
    if (r.last !== undefined && (!now || r.at > now.at)) now = { value: r.last, at: r.at, exact: false };
    // The minute holding `from` counts: rollups cannot split it.
    if (r.max !== undefined && r.at >= minuteOf(from) && (!peak || r.max > peak.value)) peak = { value: r.max, at: r.at, exact: false };
  }
  for (const o of input.raw) {
    if (o.listeners === undefined || o.at > input.now) continue;
    // A raw row at or after the rollup's minute is at least as new; the same value at its instant is the exact form of it.
    if (!now || o.at >= now.at) now = { value: o.listeners, at: o.at, exact: true };
    if (o.at >= from && (!peak || o.listeners > peak.value || (o.listeners === peak.value && !peak.exact && minuteOf(o.at) === peak.at))) {
      peak = { value: o.listeners, at: o.at, exact: true };
    }
  }
  return { peakFrom: from, now, peak };
}

export function summarize(input: SummaryInput): TargetSummary {
  const { target, now } = input;
  const points = listenerPoints(input);
  let attempts = 0;
  let failed = 0;
  for (const o of input.raw) {
    if (!o.join || o.at <= now - JOIN_WINDOW_MS || o.at > now) continue;
    attempts++;
    if (!o.join.ok) failed++;
  }
  const alerts = input.alerts
    .filter((a): a is Alert & { state: 'pending' | 'firing' } => a.targetId === target.id && a.state !== 'resolved')
    // Firing before pending, then the longest-standing first.
    .sort((a, b) => (a.state === b.state ? a.activeAt - b.activeAt || (a.rule < b.rule ? -1 : 1) : a.state === 'firing' ? -1 : 1))
    .map((a) => ({
      rule: a.rule,
      state: a.state,
      activeAt: toIso(a.activeAt),
      ...(a.firedAt === undefined ? {} : { firedAt: toIso(a.firedAt) }),
      summary: a.condition.summary,
    }));
  return {
    id: target.id,
    name: target.name,
    kind: target.source.kind,
    intervalMs: target.intervalMs,
    status: toStatusView(input.status),
    listeners: {
      now: points.now?.value ?? null,
      nowAt: points.now ? toIso(points.now.at) : null,
      peak: points.peak?.value ?? null,
      peakAt: points.peak ? toIso(points.peak.at) : null,
    },
    joins: { windowMs: JOIN_WINDOW_MS, attempts, failed, successRate: attempts ? (attempts - failed) / attempts : null },
    alerts,
    lastAt: input.latestAt === undefined ? null : toIso(input.latestAt),
  };
}

/**
 * Reads what `summarize` needs for one target: its status with the hour of raw rows it was computed
 * from (which hold the join window and, normally, the newest observation's minute), the rollups over
 * the peak window, and only what those leave out. `latest` is the newest observation, which the
 * caller has read already.
 */
export async function loadSummary(store: Store, target: Target, alerts: readonly Alert[], now: number, latest: Observation | undefined): Promise<TargetSummary> {
  const { status, recent } = await loadStatusData(store, target, now);
  const from = peakFrom(status, now);
  const windowFrom = now - STATUS_WINDOW_MS;
  // The newest observation's minute has no rollup while it fills: its rows must be raw, also when they fall before the hour.
  const rawFrom = Math.min(windowFrom, latest ? minuteOf(latest.at) : now);
  const [rollups, before] = await Promise.all([
    store.rollups(target.id, minuteOf(from), now),
    rawFrom < windowFrom ? store.range(target.id, rawFrom, windowFrom - 1) : Promise.resolve([]),
  ]);
  const raw = before.length ? before.concat(recent) : recent;
  const input: SummaryInput = { target, status, rollups, raw, alerts, latestAt: latest?.at, now };
  // At most two one-minute reads for the exact instants (a 60-row read, not the whole window), of
  // what the raw rows do not hold already.
  const points = listenerPoints(input);
  const minutes = new Set([points.now, points.peak].filter((p): p is Point => p !== undefined && !p.exact && p.at < rawFrom).map((p) => p.at));
  if (minutes.size) {
    const extra = await Promise.all([...minutes].map((m) => store.range(target.id, m, Math.min(m + MINUTE_MS, rawFrom) - 1)));
    input.raw = [...extra.flat(), ...raw].sort((a, b) => a.at - b.at);
  }
  return summarize(input);
}

export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
