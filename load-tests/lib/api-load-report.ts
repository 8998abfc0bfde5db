// The API load test's figures and their two renderings: aligned tables on stdout and a section of
// BENCHMARKS.md between its own markers, so `npm run bench` (which rewrites its generated section)
// and this test never overwrite each other's figures.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, type Machine } from './machine.js';
import { formatDuration } from './report.js';
import type { Summary } from './stats.js';

export const START_MARK = '<!-- api-load:start -->';
export const END_MARK = '<!-- api-load:end -->';

export interface EndpointFigures {
  label: string;
  /** For the poll-lag table: "series", "timeline"… */
  short: string;
  path: string;
  /** Undefined when the endpoint is not in this build (it answered 404 from no route). */
  single?: Summary;
  load?: {
    requestsPerSecond: number;
    p50: number;
    p99: number;
    requests: number;
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  note?: string;
}

export interface LagWindow {
  label: string;
  probesPerSecond: number;
  /** Poll lag from spacewatch_poll_lag_seconds, ms (interpolated inside buckets, as histogram_quantile). */
  p50: number;
  p99: number;
  /** Share of probes that started within 100 ms of their slot (exact: a bucket edge). */
  within100ms: number;
  loopP99: number;
  /** The window, epoch ms, so live deliveries can be split by it. */
  from: number;
  to: number;
  /** Live frames read in this window: write → frame p50 / p99, ms (absent when no subscriber ran). */
  delivery?: { n: number; p50: number; p99: number };
}

export interface SseFigures {
  subscribers: number;
  opened: number;
  connect?: Summary;
  delivery?: Summary;
  frames: number;
  unmatched: number;
  errors: string[];
  /** Why the stream was not measured (no route in this build). */
  skipped?: string;
}

export interface ApiLoadResult {
  machine: Machine;
  startedAt: Date;
  seconds: number;
  setup: string[];
  endpoints: EndpointFigures[];
  lag: LagWindow[];
  sse: SseFigures;
  otherCores: number;
}

const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const int = (v: number) => Math.round(v).toLocaleString('en-US');

function endpointRows(r: ApiLoadResult): string[][] {
  return r.endpoints.map((e) => [
    e.label,
    e.load ? int(e.load.requestsPerSecond) : 'n/a',
    ms(e.load?.p50),
    ms(e.load?.p99),
    e.load ? `${e.load.errors + e.load.timeouts} / ${e.load.non2xx}` : 'n/a',
    e.single ? `${ms(e.single.p50)} / ${ms(e.single.p99)}` : 'n/a',
  ]);
}
const ENDPOINT_COLUMNS = ['endpoint (under load)', 'requests/s', 'p50 ms', 'p99 ms', 'errors / non-2xx', 'one client p50 / p99 ms'];

function lagRows(r: ApiLoadResult): string[][] {
  const base = r.lag[0];
  return r.lag.map((w) => [
    w.label,
    int(w.probesPerSecond),
    ms(w.p50),
    ms(w.p99),
    base && w !== base ? `${(w.p99 / base.p99).toFixed(2)}×` : '—',
    `${(w.within100ms * 100).toFixed(1)} %`,
    ms(w.loopP99),
    w.delivery ? `${ms(w.delivery.p50)} / ${ms(w.delivery.p99)} (${int(w.delivery.n)})` : '—',
  ]);
}
const LAG_COLUMNS = ['window', 'probes/s', 'poll lag p50 ms', 'poll lag p99 ms', 'p99 vs baseline', 'within 100 ms', 'event-loop p99 ms', 'live delivery p50 / p99 ms (frames)'];

function sseRows(s: SseFigures): string[][] {
  if (s.skipped) return [[`${s.subscribers} subscribers`, s.skipped, '', '', '']];
  return [
    [
      `${s.opened} of ${s.subscribers} open`,
      s.connect ? `${ms(s.connect.p50)} / ${ms(s.connect.p99)}` : 'n/a',
      int(s.frames),
      s.delivery ? `${ms(s.delivery.p50)} / ${ms(s.delivery.p99)} / ${ms(s.delivery.max)}` : 'n/a',
      s.errors.length === 0 ? 'none' : `${s.errors.length}: ${s.errors[0]}`,
    ],
  ];
}
const SSE_COLUMNS = ['live subscribers', 'connect p50 / p99 ms', 'observation frames', 'delivery p50 / p99 / max ms', 'stream errors'];

function aligned(columns: readonly string[], rows: string[][]): string {
  const all = [[...columns], ...rows];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(all[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function consoleReport(r: ApiLoadResult): string {
  return [aligned(ENDPOINT_COLUMNS, endpointRows(r)), '', aligned(LAG_COLUMNS, lagRows(r)), '', aligned(SSE_COLUMNS, sseRows(r.sse))].join('\n');
}

function mdTable(columns: readonly string[], rows: string[][]): string[] {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

export function markdownSection(r: ApiLoadResult): string {
  const m = r.machine;
  const notes = r.endpoints.filter((e) => e.note).map((e) => `- ${e.label}: ${e.note}`);
  return [
    START_MARK,
    '',
    '## API under load (`npm run load:api`)',
    '',
    `- **When:** ${r.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${m.commit}; the run took ${formatDuration(r.seconds)}`,
    `- **Machine:** ${describe(m)}; other processes kept ${Number.isFinite(r.otherCores) ? r.otherCores.toFixed(2) : 'unknown'} cores busy on average (1-minute load ${m.loadAtStart.toFixed(2)} at the start)`,
    ...r.setup.map((s) => `- ${s}`),
    '',
    ...mdTable(ENDPOINT_COLUMNS, endpointRows(r)),
    '',
    ...mdTable(LAG_COLUMNS, lagRows(r)),
    '',
    ...mdTable(SSE_COLUMNS, sseRows(r.sse)),
    '',
    ...(notes.length > 0 ? [...notes, ''] : []),
    END_MARK,
  ].join('\n');
}

/** Replaces this test's section of `file`, or appends it (markers included) at the end; the rest of the file is left as it was. */
export function writeApiLoadSection(file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const begin = text.indexOf(START_MARK);
  const end = text.indexOf(END_MARK);
  const next = begin >= 0 && end > begin ? text.slice(0, begin) + section + text.slice(end + END_MARK.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}
