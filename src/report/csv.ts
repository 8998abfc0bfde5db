import { toIso } from '../schemas/common.js';
import type { Observation } from '../types.js';

// The raw observations as CSV (contracts.md §3; `spacewatch import` reads the same format back).
// UTF-8, `\n` line ends, RFC 4180 quoting where a field needs it. Lines starting with `#` are
// comments; every other line is data: the header, then one row per observation, oldest first.
//
// The report's `sha256` is over the data lines exactly as written here, each ending in `\n`, so a
// reader verifies a downloaded file with `grep -v '^#' report.csv | sha256sum`. That makes this file
// the definition of the hash: change a byte of the row format and every published hash changes.

export const CSV_COLUMNS = ['at', 'time', 'state', 'listeners', 'join_ok', 'join_ms', 'join_error', 'source'] as const;
export const CSV_HEADER = CSV_COLUMNS.join(',');

/** A field quoted per RFC 4180 §2 when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One observation as a data line (without its `\n`). Empty means absent: no count, no join attempt.
 * An observation without `source` is spacewatch's own probe (types.ts), written as `poll` so the
 * file says where every row came from.
 */
export function csvRow(o: Observation): string {
  const join = o.join;
  return [
    String(o.at),
    toIso(o.at),
    csvField(o.state),
    o.listeners === undefined ? '' : String(o.listeners),
    join === undefined ? '' : String(join.ok),
    join === undefined ? '' : String(join.ms),
    join?.error === undefined ? '' : csvField(join.error),
    csvField(o.source ?? 'poll'),
  ].join(',');
}

/**
 * Text for a `#` comment line. A line break inside would end the comment and turn the rest into a
 * data line (and change what the hash covers), so control characters become spaces.
 */
export function commentText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}
