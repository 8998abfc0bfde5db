import { claimView } from '../claims/view.js';
import { round } from '../detect/window.js';
import { toIso } from '../schemas/common.js';
import { csvUrl } from './csv-comments.js';
import { methodologyNotes } from './methodology.js';
import { headline } from './summary.js';
import type { Report } from './types.js';

// The report as the API's JSON (src/http/schemas/report.ts): ISO-8601 times, and null rather than
// absent for what is unknown, so every documented field is always there to read.

const iso = (ms: number | undefined) => (ms === undefined ? null : toIso(ms));
const orNull = <T>(v: T | undefined) => (v === undefined ? null : v);

export function toReportView(r: Report) {
  const l = r.listeners;
  const m = r.methodology;
  return {
    target: r.target,
    range: { from: iso(r.range.from), to: toIso(r.range.to) },
    generatedAt: toIso(r.generatedAt),
    summary: headline(r),
    schedule: { start: iso(r.scheduledStart) },
    liveAt: iso(r.liveAt),
    onAirAt: iso(r.onAirAt),
    onAirBy: orNull(r.onAirBy),
    onAirBeforeRange: r.onAirBeforeRange,
    delayMs: orNull(r.delayMs),
    endedAt: iso(r.endedAt),
    endedBy: orNull(r.endedBy),
    durationMs: orNull(r.durationMs),
    listeners: {
      peak: orNull(l.peak),
      peakAt: iso(l.peakAt),
      mean: orNull(l.mean),
      meanFrom: iso(l.meanFrom),
      meanTo: iso(l.meanTo),
      listenerMinutes: orNull(l.listenerMinutes),
    },
    joins: r.joins,
    joinFailures: r.joinFailures.map((e) => ({
      from: toIso(e.from),
      to: toIso(e.to),
      durationMs: e.to - e.from,
      failed: e.failed,
      attempts: e.attempts,
      share: round(e.failed / e.attempts, 4),
      codes: e.codes,
    })),
    alerts: r.alerts.map((a) => ({
      rule: a.rule,
      firedAt: toIso(a.firedAt),
      resolvedAt: iso(a.resolvedAt),
      durationMs: a.resolvedAt === undefined ? null : a.resolvedAt - a.firedAt,
      summary: orNull(a.summary),
    })),
    claims: r.claims.map(claimView),
    timeline: r.timeline.map((e) => ({ at: toIso(e.at), kind: e.kind, text: e.text })),
    methodology: {
      intervalMs: m.intervalMs,
      observations: m.observations,
      sources: m.sources,
      firstAt: iso(m.firstAt),
      lastAt: iso(m.lastAt),
      joinFailures: m.joinFailures,
      maxGapMs: m.maxGapMs,
      claimToleranceMs: m.claimToleranceMs,
      notes: methodologyNotes(r),
    },
    csv: csvUrl(r),
    sha256: r.sha256,
  };
}

export type ReportView = ReturnType<typeof toReportView>;
