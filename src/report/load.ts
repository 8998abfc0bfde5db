import { createHash } from 'node:crypto';
import { judgeClaims } from '../claims/ledger.js';
import { ON_AIR_WINDOW_MS } from '../detect/on-air.js';
import { effectiveRules, type RulesConfig } from '../detect/rules.js';
import { SpacewatchError } from '../errors.js';
import type { Store } from '../storage/store.js';
import type { Observation, Target } from '../types.js';
import { ReportBuilder } from './build.js';
import { csvComments } from './csv-comments.js';
import { CSV_HEADER, csvRow } from './csv.js';
import type { Report, ReportRange } from './types.js';
import { END_OF_TIME } from '../schemas/common.js';

// The I/O edge of the report: reads the range's observations in pages (never all at once), the
// minute before the range as context for the on-air test, every event of the target (sparse), and
// judges the claims of the range against the store.

/**
 * The most observations one report reads: 23 days of 1-second probes. Memory stays bounded anyway
 * (the builder keeps two numbers per counted row); this bounds the time one request can take.
 */
export const REPORT_MAX_ROWS = 2_000_000;
const PAGE_ROWS = 5_000;

export interface LoadOptions {
  maxRows?: number;
  pageRows?: number;
}

/** Pages of observations in [from, to], oldest first. */
export async function* observationPages(store: Store, targetId: string, from: number, to: number, pageRows = PAGE_ROWS): AsyncGenerator<Observation[]> {
  let cursor = from;
  while (cursor <= to) {
    const page = await store.range(targetId, cursor, to, { limit: pageRows });
    if (page.length === 0) return;
    yield page;
    if (page.length < pageRows) return;
    cursor = page[page.length - 1]!.at + 1;
  }
}

export async function loadReport(store: Store, target: Target, range: ReportRange, now: number, opts: LoadOptions = {}): Promise<Report> {
  const maxRows = opts.maxRows ?? REPORT_MAX_ROWS;
  const rules = effectiveRules((target as Target & { rules?: RulesConfig }).rules);
  const [events, context] = await Promise.all([
    store.events(target.id, 0, END_OF_TIME),
    // A minute of rows at most (bounded by one row per millisecond), never counted or hashed.
    range.from === undefined || range.from <= 0 ? [] : store.range(target.id, Math.max(0, range.from - ON_AIR_WINDOW_MS), range.from - 1),
  ]);
  const builder = new ReportBuilder({ target, rules, events, range, context });
  for await (const page of observationPages(store, target.id, range.from ?? 0, range.to, opts.pageRows)) {
    builder.add(page);
    if (builder.rows > maxRows) {
      throw new SpacewatchError('SW_RANGE_INVALID', `query.from: the range holds more than ${maxRows} observations, the most one report reads; ask for a shorter range with from and to`);
    }
  }
  const claims = await judgeClaims(store, target, builder.claims(), now);
  return builder.finish({ claims, now });
}

/**
 * The CSV export of a report already built: its comment lines, then the data lines, read again in
 * pages and hashed as they go. The read stops at the report's last observation, so rows a poller
 * writes meanwhile do not change the file; should the stored rows still differ from what the report
 * hashed (an import into the range between the two reads), a last comment line says so and gives
 * the hash of what was written.
 */
export async function* csvExport(store: Store, report: Report, pageRows = PAGE_ROWS): AsyncGenerator<string> {
  yield csvComments(report);
  const header = `${CSV_HEADER}\n`;
  yield header;
  const hash = createHash('sha256').update(header);
  const last = report.methodology.lastAt;
  if (last !== undefined) {
    for await (const page of observationPages(store, report.target.id, report.range.from ?? 0, last, pageRows)) {
      let chunk = '';
      for (const o of page) chunk += `${csvRow(o)}\n`;
      hash.update(chunk);
      yield chunk;
    }
  }
  const written = hash.digest('hex');
  if (written !== report.sha256) {
    yield `# warning: the stored observations changed while this file was written; its data lines hash to ${written}, not to the sha256 above\n`;
  }
}
