// The API load test's figures and their two renderings: aligned tables on stdout and a section of
// BENCHMARKS.md between its own markers, so `npm run bench` (which rewrites its generated section)
// and this test never overwrite each other's figures.
import { describe, type Machine } from './machine.js';
import { alignedTable, formatDuration, formatValue, markdownTable } from './report.js';
import type { Summary } from './stats.js';

/** This test's section of BENCHMARKS.md lies between these (report.ts writeSection). */
export const API_LOAD_START = '<!-- api-load:start -->';
export const API_LOAD_END = '<!-- api-load:end -->';

export interface EndpointFigures {
  label: string;
  /** For the poll-lag table: "series", "timeline"… */
  short: string;
  path: string;
  /** One client, one request at a time (set by the baseline). */
  single?: Summary;
  /** Under autocannon (set by the load phase). */
  load?: {
    requestsPerSecond: number;
    p50: number;
    p99: number;
    requests: number;
    /** Requests that got no response, timeouts included (autocannon counts them in `errors`). */
    errors: number;
    /** Of `errors`, those that timed out. */
    timeouts: number;
    non2xx: number;
  };
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

const ms = (v: number | undefined) => (v === undefined ? 'n/a' : formatValue(v, 'ms'));
const int = (v: number) => Math.round(v).toLocaleString('en-US');

function endpointRows(r: ApiLoadResult): string[][] {
  return r.endpoints.map((e) => [
    e.label,
    e.load ? int(e.load.requestsPerSecond) : 'n/a',
    ms(e.load?.p50),
    ms(e.load?.p99),
    e.load ? `${e.load.errors} (${e.load.timeouts}) / ${e.load.non2xx}` : 'n/a',
    e.single ? `${ms(e.single.p50)} / ${ms(e.single.p99)}` : 'n/a',
  ]);
}
const ENDPOINT_COLUMNS = ['endpoint (under load)', 'requests/s', 'p50', 'p99', 'errors (timeouts) / non-2xx', 'one client p50 / p99'];

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
const LAG_COLUMNS = ['window', 'probes/s', 'poll lag p50', 'poll lag p99', 'p99 vs baseline', 'within 100 ms', 'event-loop p99', 'live delivery p50 / p99 (frames)'];

function sseRows(s: SseFigures): string[][] {
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
const SSE_COLUMNS = ['live subscribers', 'connect p50 / p99', 'observation frames', 'delivery p50 / p99 / max', 'stream errors'];

export function consoleReport(r: ApiLoadResult): string {
  return [...alignedTable(ENDPOINT_COLUMNS, endpointRows(r)), '', ...alignedTable(LAG_COLUMNS, lagRows(r)), '', ...alignedTable(SSE_COLUMNS, sseRows(r.sse))].join('\n');
}

export function markdownSection(r: ApiLoadResult): string {
  const m = r.machine;
  return [
    API_LOAD_START,
    '',
    '## API under load (`npm run load:api`)',
    '',
    `- **When:** ${r.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${m.commit}; the run took ${formatDuration(r.seconds)}`,
    `- **Machine:** ${describe(m)}; other processes kept ${Number.isFinite(r.otherCores) ? r.otherCores.toFixed(2) : 'unknown'} cores busy on average (1-minute load ${m.loadAtStart.toFixed(2)} at the start)`,
    ...r.setup.map((s) => `- ${s}`),
    '',
    ...markdownTable(ENDPOINT_COLUMNS, endpointRows(r)),
    '',
    ...markdownTable(LAG_COLUMNS, lagRows(r)),
    '',
    ...markdownTable(SSE_COLUMNS, sseRows(r.sse)),
    '',
    API_LOAD_END,
  ].join('\n');
}
